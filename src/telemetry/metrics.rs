//! The metrics alerting keys on. Label values are bounded (topics, categories, reasons,
//! detection names, levels): never user ids, UPNs or IPs.

use prometheus::{
    exponential_buckets, Encoder, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
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
    pub late_events: IntCounter,
    pub event_lag: Histogram,
    pub processing: Histogram,
    pub consumer_lag: IntGaugeVec,
    pub buffered_events: IntGauge,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let counter_vec = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
            registry
                .register(Box::new(c.clone()))
                .expect("unique metric");
            c
        };
        let events = counter_vec(
            "riskd_events_total",
            "Input records by source topic, category and outcome (decoded, skipped, dead_letter).",
            &["topic", "category", "outcome"],
        );
        let decode_errors = counter_vec(
            "riskd_decode_errors_total",
            "Undecodable input records by reason.",
            &["reason"],
        );
        let detections = counter_vec(
            "riskd_detections_total",
            "Named detections that fired, by riskEventType and level.",
            &["risk_event_type", "risk_level"],
        );
        let risky_sign_ins = counter_vec(
            "riskd_risky_signins_total",
            "Risky sign-ins emitted, by level.",
            &["risk_level"],
        );
        let users_flagged = IntGaugeVec::new(
            Opts::new(
                "riskd_users_flagged",
                "Users currently at risk (atRisk or confirmedCompromised), by level.",
            ),
            &["risk_level"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(users_flagged.clone()))
            .expect("unique metric");
        let consumer_lag = IntGaugeVec::new(
            Opts::new(
                "riskd_consumer_lag_messages",
                "Messages behind the end of each consumed topic (from librdkafka statistics).",
            ),
            &["topic"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(consumer_lag.clone()))
            .expect("unique metric");
        let gauge = |name: &str, help: &str| {
            let g = IntGauge::new(name, help).expect("valid metric");
            registry
                .register(Box::new(g.clone()))
                .expect("unique metric");
            g
        };
        let users_tracked = gauge(
            "riskd_users_tracked",
            "Users with a baseline in this process.",
        );
        let buffered_events = gauge(
            "riskd_reorder_buffer_events",
            "Events held for event-time ordering.",
        );
        let counter = |name: &str, help: &str| {
            let c = IntCounter::new(name, help).expect("valid metric");
            registry
                .register(Box::new(c.clone()))
                .expect("unique metric");
            c
        };
        let user_risk_changes = counter(
            "riskd_user_risk_changes_total",
            "Changes of a user's risk level or state emitted.",
        );
        let late_events = counter(
            "riskd_late_events_total",
            "Events older than the reorder window when they arrived (scored on arrival).",
        );
        let histogram = |name: &str, help: &str, buckets: Vec<f64>| {
            let h = Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets))
                .expect("valid metric");
            registry
                .register(Box::new(h.clone()))
                .expect("unique metric");
            h
        };
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
            late_events,
            event_lag,
            processing,
            consumer_lag,
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
