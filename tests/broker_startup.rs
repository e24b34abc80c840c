//! Starting a broker in ZooKeeper mode, and the controller epoch its requests carry:
//! `KafkaServer.startup` registers through `KafkaZkClient.registerBroker` →
//! `checkedEphemeralCreate` (NODEEXISTS when another session holds `/brokers/ids/<id>`), and
//! `ReplicaManager.becomeLeaderOrFollower` refuses an older controller (STALE_CONTROLLER_EPOCH).
mod common;
use common::*;
use kafkascope::protocol::{BrokerId, ErrorCode};
use kafkascope::trace::Event;
use kafkascope::{Command, World};

fn view(w: &World) -> kafkascope::view::View {
    kafkascope::view::view(w)
}

/// A three-broker cluster where broker 2 crashed and was started again 100 ms later, while
/// ZooKeeper still holds the session of its previous run.
fn restarted_too_soon() -> World {
    let mut w = cluster(3);
    w.apply(Command::CrashBroker { broker: 2, cluster: None }).unwrap();
    w.run_for(100);
    w.apply(Command::StartBroker { broker: 2, cluster: None }).unwrap();
    w
}

fn start_failed(w: &World, id: BrokerId) -> Vec<(String, Option<u64>, u64)> {
    w.trace
        .iter()
        .filter_map(|r| match &r.event {
            Event::BrokerStartFailed {
                broker,
                error,
                owner_session_expires_at_ms,
                ..
            } if *broker == id => Some((error.to_string(), *owner_session_expires_at_ms, r.time_ms)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_broker_started_while_its_previous_session_holds_its_znode_fails_with_nodeexists_and_exits() {
    let w = restarted_too_soon();
    // `KafkaZkClient.checkedEphemeralCreate`: the znode is another session's → NODEEXISTS;
    // `KafkaServer.startup`: "Fatal error during KafkaServer startup", and the process ends.
    let failed = start_failed(&w, 2);
    assert_eq!(failed.len(), 1, "{failed:?}");
    let (error, expires, at) = failed[0].clone();
    assert_eq!(error, "NODEEXISTS");
    let expires = expires.expect("the old session is alive, so it has an expiry");
    assert!(expires > at, "expires at {expires}, failed at {at}");
    let b = &w.brokers[&(0, 2)];
    assert!(!b.running && !b.registered && b.zk_session.is_none());
    // It never reached the controller race (`KafkaController.startup` comes after registration).
    assert!(!events(&w).any(|e| matches!(e, Event::ControllerElected { broker: 2, .. })));
    // Its own new session was closed on the way out (`KafkaServer.shutdown` → `KafkaZkClient.close`).
    assert!(events(&w).any(|e| matches!(e, Event::ZkSessionClosed { .. })));
    // The page's view: stopped, and why, with the time left on the old session.
    let v = view(&w);
    let bv = v.brokers.iter().find(|b| b.id == 2).unwrap();
    assert!(!bv.running && bv.registration.is_none());
    let f = bv.start_failure.clone().expect("the view says why it did not start");
    assert_eq!(f.error, "NODEEXISTS");
    assert_eq!(f.owner_session_expires_at_ms, Some(expires));
}

#[test]
fn a_start_after_the_old_session_expired_succeeds() {
    let mut w = restarted_too_soon();
    let (_, expires, _) = start_failed(&w, 2)[0].clone();
    let expires = expires.unwrap();
    w.run_until(expires);
    let expired = w
        .trace
        .iter()
        .any(|r| matches!(&r.event, Event::ZkSessionExpired { owner, .. } if owner.to_string() == "broker-2") && r.time_ms == expires);
    assert!(expired, "ZooKeeper expires the old session when the event said");
    let v = view(&w);
    let f = v.brokers.iter().find(|b| b.id == 2).unwrap().start_failure.clone().unwrap();
    assert_eq!(f.owner_session_expires_at_ms, None, "the session that held the znode is gone");
    w.apply(Command::StartBroker { broker: 2, cluster: None }).unwrap();
    w.run_for(1_000);
    assert_eq!(start_failed(&w, 2).len(), 1, "the second start does not fail");
    let b = &w.brokers[&(0, 2)];
    assert!(b.running && b.registered);
    let v = view(&w);
    let bv = v.brokers.iter().find(|b| b.id == 2).unwrap();
    assert!(bv.start_failure.is_none() && bv.registration.is_none());
}

#[test]
fn a_leader_and_isr_from_a_deposed_controller_is_refused_with_stale_controller_epoch() {
    let mut w = cluster(3);
    let old = controller_of(&w).unwrap();
    let old_epoch = w.brokers[&(0, old)].controller.as_ref().unwrap().epoch;
    let x = (1..=3).find(|b| *b != old).unwrap();
    let (old_node, x_node) = (format!("broker-{old}"), format!("broker-{x}"));
    // The controller's LeaderAndIsr for a new topic cannot reach broker x; it keeps re-sending it.
    w.apply(Command::CutLink {
        a: old_node.clone(),
        b: x_node.clone(),
    })
    .unwrap();
    create_topic(&mut w, "t", 1, 3);
    // The controller loses ZooKeeper: its session expires and another broker takes over with a
    // newer epoch, which broker x learns. The old one, cut off, still believes it controls.
    w.apply(Command::CutLink {
        a: old_node.clone(),
        b: "zookeeper".into(),
    })
    .unwrap();
    w.run_for(25_000);
    let new = w
        .brokers
        .values()
        .find(|b| b.id != old && b.controller.is_some())
        .map(|b| b.id)
        .expect("a new controller");
    let new_epoch = w.brokers[&(0, new)].controller.as_ref().unwrap().epoch;
    assert!(new_epoch > old_epoch);
    assert!(w.brokers[&(0, old)].controller.is_some(), "the old controller has not heard");
    assert_eq!(w.brokers[&(0, x)].metadata.controller_epoch, new_epoch);
    // The link heals: the old controller's re-sent LeaderAndIsr arrives, and is refused.
    w.apply(Command::HealLink { a: old_node, b: x_node }).unwrap();
    w.run_for(1_000);
    let refused = events(&w).find_map(|e| match e {
        Event::StaleControllerRequestRefused {
            broker,
            controller,
            api,
            controller_epoch,
            latest_epoch,
        } if *broker == x && *api == "LeaderAndIsr" => Some((*controller, *controller_epoch, *latest_epoch)),
        _ => None,
    });
    assert_eq!(refused, Some((old, old_epoch, new_epoch)));
    // The answer carries STALE_CONTROLLER_EPOCH back to the old controller, which logs it
    // (`KafkaController`: "Received error in LeaderAndIsr response").
    let sent = w.trace.iter().any(|r| {
        matches!(&r.event, Event::MessageSent { kind: "LeaderAndIsrResponse", summary, .. }
            if summary.iter().any(|p| matches!(p, kafkascope::protocol::Part::Value(v) if v == "STALE_CONTROLLER_EPOCH")))
    });
    assert!(sent, "a LeaderAndIsr response with STALE_CONTROLLER_EPOCH");
    assert!(events(&w).any(|e| matches!(e, Event::ControllerRequestFailed { controller, broker, api: "LeaderAndIsr", error: ErrorCode::StaleControllerEpoch } if *controller == old && *broker == x)));
    // Broker x kept the newer controller's view.
    assert_eq!(w.brokers[&(0, x)].metadata.controller_epoch, new_epoch);
    assert_eq!(w.brokers[&(0, x)].metadata.controller_id, Some(new));
}
