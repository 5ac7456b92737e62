//! The metrics alerting keys on. Label values are bounded (topics, categories, reasons,
//! detection names, levels): never user ids, UPNs or IPs.

use prometheus::{
    exponential_buckets, Encoder, GaugeVec, Histogram, HistogramOpts, IntCounter, IntCounterVec,
    IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

/// Every metric riskd exports.
#[derive(Clone)]
pub struct Metrics {
    pub registry: Registry,
    /// Input records by source topic, category and outcome (decoded, skipped, dead_letter).
    pub events: IntCounterVec,
    pub decode_errors: IntCounterVec,
    pub detections: IntCounterVec,
    pub risky_sign_ins: IntCounterVec,
    /// Users currently flagged, by level: the gauge alerting keys on.
    pub users_flagged: IntGaugeVec,
    pub users_tracked: IntGauge,
    pub user_risk_changes: IntCounter,
    /// Users newly flagged or flagged higher, by the level reached: what "a user reached
    /// high risk" alerts count (a gauge's increase would also count remediations).
    pub users_raised: IntCounterVec,
    pub late_events: IntCounter,
    pub event_lag: Histogram,
    pub processing: Histogram,
    pub consumer_lag: IntGaugeVec,
    /// Average produce round trip per producer (librdkafka statistics).
    pub produce_rtt: GaugeVec,
    /// Messages in each producer's queue, not yet acknowledged (librdkafka statistics).
    pub producer_queue: IntGaugeVec,
    pub buffered_events: IntGauge,
}

/// Registers a metric in `registry` and returns it. Names and label sets are fixed in
/// the code below, so a failure here is a programming error caught by any test.
fn registered<M>(registry: &Registry, metric: prometheus::Result<M>) -> M
where
    M: prometheus::core::Collector + Clone + 'static,
{
    let metric = metric.expect("valid metric");
    registry
        .register(Box::new(metric.clone()))
        .expect("unique metric");
    metric
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let r = &registry;
        let counters = |name: &str, help: &str, labels: &[&str]| {
            registered(r, IntCounterVec::new(Opts::new(name, help), labels))
        };
        let gauges = |name: &str, help: &str, labels: &[&str]| {
            registered(r, IntGaugeVec::new(Opts::new(name, help), labels))
        };
        let histogram = |name: &str, help: &str, buckets: Vec<f64>| {
            registered(
                r,
                Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets)),
            )
        };
        let events = counters(
            "riskd_events_total",
            "Input records by source topic, category and outcome (decoded, skipped, dead_letter).",
            &["topic", "category", "outcome"],
        );
        let users_raised = counters(
            "riskd_users_raised_total",
            "Users newly flagged or raised to a higher level, by the level reached.",
            &["risk_level"],
        );
        let decode_errors = counters(
            "riskd_decode_errors_total",
            "Undecodable input records by reason.",
            &["reason"],
        );
        let detections = counters(
            "riskd_detections_total",
            "Named detections that fired, by riskEventType and level.",
            &["risk_event_type", "risk_level"],
        );
        let risky_sign_ins = counters(
            "riskd_risky_signins_total",
            "Risky sign-ins emitted, by level.",
            &["risk_level"],
        );
        let users_flagged = gauges(
            "riskd_users_flagged",
            "Users currently at risk (atRisk or confirmedCompromised), by level.",
            &["risk_level"],
        );
        let consumer_lag = gauges(
            "riskd_consumer_lag_messages",
            "Messages behind the end of each consumed topic (from librdkafka statistics).",
            &["topic"],
        );
        let producer_queue = gauges(
            "riskd_kafka_producer_queue_messages",
            "Messages queued in each producer and not yet acknowledged (librdkafka statistics).",
            &["client"],
        );
        let produce_rtt = registered(
            r,
            GaugeVec::new(
                Opts::new(
                    "riskd_kafka_produce_rtt_seconds",
                    "Average produce round trip to the slowest broker over the last statistics interval, per producer (librdkafka statistics; 0 when idle).",
                ),
                &["client"],
            ),
        );
        let users_tracked = registered(
            r,
            IntGauge::new(
                "riskd_users_tracked",
                "Users with a baseline in this process.",
            ),
        );
        let buffered_events = registered(
            r,
            IntGauge::new(
                "riskd_reorder_buffer_events",
                "Events held for event-time ordering.",
            ),
        );
        let user_risk_changes = registered(
            r,
            IntCounter::new(
                "riskd_user_risk_changes_total",
                "Changes of a user's risk level or state emitted.",
            ),
        );
        let late_events = registered(
            r,
            IntCounter::new(
                "riskd_late_events_total",
                "Events older than the reorder window when they arrived (scored on arrival).",
            ),
        );
        let event_lag = histogram(
            "riskd_event_lag_seconds",
            "From a sign-in's event time to when riskd scored it.",
            exponential_buckets(1.0, 2.0, 18).expect("valid buckets"),
        );
        let processing = histogram(
            "riskd_processing_seconds",
            "Time to score one event.",
            exponential_buckets(1e-6, 4.0, 12).expect("valid buckets"),
        );
        Metrics {
            registry,
            events,
            decode_errors,
            detections,
            risky_sign_ins,
            users_flagged,
            users_tracked,
            user_risk_changes,
            users_raised,
            late_events,
            event_lag,
            processing,
            consumer_lag,
            produce_rtt,
            producer_queue,
            buffered_events,
        }
    }

    /// The Prometheus text format.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
