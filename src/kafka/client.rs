//! librdkafka client configuration: the operator's passthrough settings first, then riskd's
//! own (which must not be overridden: they carry the delivery guarantee), then security.
//! Secrets come from an environment variable or a file, never from the config text, and
//! are never logged.

use rdkafka::client::ClientContext;
use rdkafka::consumer::{ConsumerContext, StreamConsumer};
use rdkafka::producer::FutureProducer;
use rdkafka::statistics::Statistics;
use rdkafka::ClientConfig;

use crate::telemetry::Metrics;

/// Client context that turns librdkafka's statistics into riskd's consumer-lag gauge.
pub struct StatsContext {
    metrics: Metrics,
}

impl ClientContext for StatsContext {
    fn stats(&self, statistics: Statistics) {
        for (topic, t) in &statistics.topics {
            let lag: i64 = t.partitions.values().map(|p| p.consumer_lag.max(0)).sum();
            self.metrics
                .consumer_lag
                .with_label_values(&[topic.as_str()])
                .set(lag);
        }
    }
}

impl ConsumerContext for StatsContext {}

/// riskd's consumers.
pub type RiskdConsumer = StreamConsumer<StatsContext>;

use super::KafkaSetupError;
use crate::config::KafkaConfig;

fn password(k: &KafkaConfig) -> Result<Option<String>, KafkaSetupError> {
    if !k.sasl_password_env.is_empty() {
        return std::env::var(&k.sasl_password_env).map(Some).map_err(|_| {
            KafkaSetupError::MissingSecret {
                key: "kafka.sasl_password_env".into(),
                reason: format!("environment variable {} is not set", k.sasl_password_env),
            }
        });
    }
    if !k.sasl_password_file.is_empty() {
        return std::fs::read_to_string(&k.sasl_password_file)
            .map(|s| Some(s.trim_end().to_owned()))
            .map_err(|e| KafkaSetupError::MissingSecret {
                key: "kafka.sasl_password_file".into(),
                reason: format!("{}: {e}", k.sasl_password_file),
            });
    }
    Ok(None)
}

/// Settings shared by consumers, producers and the admin client.
pub fn base(k: &KafkaConfig) -> Result<ClientConfig, KafkaSetupError> {
    let mut c = ClientConfig::new();
    for (key, value) in &k.librdkafka {
        c.set(key, value);
    }
    c.set("bootstrap.servers", &k.bootstrap_servers);
    c.set(
        "security.protocol",
        k.security_protocol.to_ascii_lowercase(),
    );
    if !k.sasl_mechanism.is_empty() {
        c.set("sasl.mechanism", k.sasl_mechanism.to_ascii_uppercase());
    }
    if !k.sasl_username.is_empty() {
        c.set("sasl.username", &k.sasl_username);
    }
    if let Some(p) = password(k)? {
        c.set("sasl.password", p);
    }
    if !k.ssl_ca_location.is_empty() {
        c.set("ssl.ca.location", &k.ssl_ca_location);
    }
    Ok(c)
}

/// A consumer in group `<group_id>-<stage>`: offsets are stored by riskd only after
/// everything derived from a message is acknowledged, then auto-committed.
pub fn consumer(
    k: &KafkaConfig,
    stage: &str,
    metrics: &Metrics,
) -> Result<RiskdConsumer, KafkaSetupError> {
    let mut c = base(k)?;
    c.set("group.id", format!("{}-{stage}", k.group_id))
        .set("enable.auto.commit", "true")
        .set("auto.commit.interval.ms", "1000")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        .set(
            "fetch.message.max.bytes",
            (k.max_message_bytes + 1024).to_string(),
        )
        .set("enable.partition.eof", "false")
        .set("statistics.interval.ms", "5000");
    Ok(c.create_with_context(StatsContext {
        metrics: metrics.clone(),
    })?)
}

/// An idempotent producer (acks=all, no duplicates from retries).
pub fn producer(k: &KafkaConfig) -> Result<FutureProducer, KafkaSetupError> {
    let mut c = base(k)?;
    c.set("enable.idempotence", "true")
        .set("acks", "all")
        .set("linger.ms", "5")
        .set("compression.type", "lz4")
        .set("message.timeout.ms", "120000");
    Ok(c.create()?)
}
