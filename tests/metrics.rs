//! Kafka's own metrics, as an operator would read them during a story.
mod common;
use common::*;
use kafkascope::metrics::metrics;
use kafkascope::Command;

#[test]
fn a_healthy_cluster_has_one_controller_and_nothing_under_replicated_or_offline() {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 3, 3);
    let m = metrics(&w, &w.trace);
    assert_eq!(m.clusters[0].active_controller_count, 1);
    assert_eq!(m.clusters[0].offline_partitions_count, 0);
    assert!(m.brokers.iter().all(|b| b.under_replicated_partitions == 0));
    assert_eq!(m.brokers.iter().map(|b| b.leader_count).sum::<u32>(), 3);
}

#[test]
fn a_dead_broker_leaves_its_partitions_under_replicated_on_their_leaders() {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 3, 3);
    w.apply(Command::StopBroker { broker: 3, cluster: None }).unwrap();
    w.run_for(25_000);
    let m = metrics(&w, &w.trace);
    assert_eq!(m.brokers.iter().map(|b| b.under_replicated_partitions).sum::<u32>(), 3);
    assert!(m.brokers.iter().map(|b| b.isr_shrinks_per_sec).sum::<f64>() > 0.0);
}

#[test]
fn a_partition_whose_isr_is_all_dead_counts_as_offline() {
    let mut w = cluster(2);
    create_topic(&mut w, "orders", 1, 1);
    let leader = leader_of(&w, "orders", 0).unwrap();
    let survivor = 3 - leader;
    w.apply(Command::StopBroker { broker: leader, cluster: None }).unwrap();
    w.run_for(25_000);
    let m = metrics(&w, &w.trace);
    assert!(w.brokers[&(0, survivor)].controller.is_some());
    assert_eq!(m.clusters[0].offline_partitions_count, 1);
}

#[test]
fn records_lag_max_is_the_high_watermark_minus_the_position() {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 1, 3);
    add_producer(&mut w, "p", "all");
    start_consumer_without_loop(&mut w, "c1", "g", &["orders"], serde_json::json!({"auto.offset.reset": "earliest"}));
    poll_for(&mut w, "c1", 10_000);
    for i in 0..5 {
        produce(&mut w, "p", "orders", None, &format!("v{i}"));
    }
    w.run_for(2_000);
    assert_eq!(metrics(&w, &w.trace).consumers[0].records_lag_max, 5);
    poll(&mut w, "c1");
    assert_eq!(metrics(&w, &w.trace).consumers[0].records_lag_max, 0);
}

#[test]
fn a_run_on_the_timeline_counts_its_isr_shrinks_from_the_runs_trace() {
    // The page's run is a Timeline: its world keeps no trace of its own, the timeline does.
    let mut t = timeline_with_orders(kafkascope::timeline::DEFAULT_STRIDE);
    t.run_for(5_000);
    t.apply(Command::StopBroker { broker: 3, cluster: None }).unwrap();
    t.run_for(25_000);
    let m = metrics(t.world(), t.trace());
    assert!(m.brokers.iter().map(|b| b.isr_shrinks_per_sec).sum::<f64>() > 0.0);
}
