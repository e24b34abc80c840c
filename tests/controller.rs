//! The controller and ZooKeeper: election by /controller, failover, chroots.
mod common;
use common::*;
use kafkascope::trace::Event;
use kafkascope::Command;

#[test]
fn the_first_broker_to_create_controller_becomes_controller_with_epoch_1() {
    let w = cluster(3);
    assert_eq!(controller_of(&w), Some(1));
    assert!(w.zk.znode("/controller").unwrap().data.contains("\"brokerid\":1"));
    assert_eq!(w.zk.znode("/controller_epoch").unwrap().data, "1");
    assert!(w.zk.znode("/controller").unwrap().ephemeral_owner.is_some());
}

#[test]
fn when_the_controller_dies_another_broker_takes_over_with_a_higher_epoch() {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 3, 3);
    w.apply(Command::StopBroker { broker: 1, cluster: None }).unwrap();
    w.run_for(25_000);
    let new = controller_of(&w).expect("a new controller");
    assert_ne!(new, 1);
    assert_eq!(w.zk.znode("/controller_epoch").unwrap().data, "2");
    assert!(events(&w).any(|e| matches!(e, Event::ControllerElected { broker, epoch: 2, .. } if *broker == new)));
    for p in 0..3 {
        assert!(leader_of(&w, "orders", p).is_some_and(|l| l != 1), "orders-{p} has a live leader");
    }
}

#[test]
fn a_deposed_controller_cut_from_zookeeper_resigns_when_it_returns() {
    let mut w = cluster(3);
    w.apply(Command::CutLink {
        a: "broker-1".into(),
        b: "zookeeper".into(),
    })
    .unwrap();
    w.run_for(25_000);
    assert!(w.brokers.values().filter(|b| b.controller.is_some()).count() >= 1);
    w.apply(Command::HealLink {
        a: "broker-1".into(),
        b: "zookeeper".into(),
    })
    .unwrap();
    w.run_for(10_000);
    let controllers: Vec<u32> = w.brokers.values().filter(|b| b.controller.is_some()).map(|b| b.id).collect();
    assert_eq!(controllers.len(), 1, "{controllers:?}");
    assert_ne!(controllers[0], 1);
    assert!(events(&w).any(|e| matches!(e, Event::ControllerResigned { broker: 1, .. })));
    assert!(w.zk.znode("/brokers/ids/1").is_some(), "broker 1 registered again with a new session");
}

#[test]
fn ephemeral_znodes_vanish_with_their_session_and_persistent_ones_stay() {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 1, 3);
    w.apply(Command::StopBroker { broker: 2, cluster: None }).unwrap();
    w.run_for(25_000);
    assert!(w.zk.znode("/brokers/ids/2").is_none());
    assert!(w.zk.znode("/brokers/topics/orders").is_some());
}
