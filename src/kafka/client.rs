//! librdkafka client configuration, in three layers: riskd's tuning defaults (throughput
//! and latency; the operator may change them), then the operator's `kafka.librdkafka`
//! passthrough, then riskd's own settings, which carry the delivery guarantee and cannot be
//! overridden, and security. Secrets come from an environment variable or a file, never
//! from the config text, and are never logged.

use rdkafka::client::ClientContext;
use rdkafka::consumer::{ConsumerContext, StreamConsumer};
use rdkafka::producer::FutureProducer;
use rdkafka::statistics::Statistics;
use rdkafka::ClientConfig;

use crate::telemetry::Metrics;

/// Client context that turns librdkafka's statistics (every `statistics.interval.ms`)
/// into riskd's gauges: consumer lag per topic; per producer, the produce round trip and
/// the messages waiting in its queue. `client` (e.g. `detect-producer`) is the label:
/// bounded, never data.
pub struct StatsContext {
    metrics: Metrics,
    client: String,
}

impl ClientContext for StatsContext {
    fn stats(&self, statistics: Statistics) {
        if statistics.client_type == "consumer" {
            for (topic, t) in &statistics.topics {
                let lag: i64 = t.partitions.values().map(|p| p.consumer_lag.max(0)).sum();
                self.metrics
                    .consumer_lag
                    .with_label_values(&[topic.as_str()])
                    .set(lag);
            }
            return;
        }
        self.metrics
            .producer_queue
            .with_label_values(&[self.client.as_str()])
            .set(statistics.msg_cnt as i64);
        // The slowest broker's average produce round trip over the interval (librdkafka
        // reports microseconds; 0 when nothing was sent). Consumers' round trips are
        // mostly fetch long-polls, so they are not reported.
        let rtt_us = statistics
            .brokers
            .values()
            .filter_map(|b| b.rtt.as_ref().map(|w| w.avg))
            .max()
            .unwrap_or(0);
        self.metrics
            .produce_rtt
            .with_label_values(&[self.client.as_str()])
            .set(rtt_us as f64 / 1e6);
    }
}

impl ConsumerContext for StatsContext {}

/// riskd's consumers.
pub type RiskdConsumer = StreamConsumer<StatsContext>;
/// riskd's producers.
pub type RiskdProducer = FutureProducer<StatsContext>;

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

/// Consumer tuning; `kafka.librdkafka` may override each.
const CONSUMER_DEFAULTS: &[(&str, &str)] = &[
    // librdkafka stops fetching a partition once its prefetch queue holds
    // queued.max.messages.kbytes and, by default, looks again only after 1000 ms; a
    // consumer that does real work per message then idles for most of each second.
    ("fetch.queue.backoff.ms", "5"),
    ("auto.commit.interval.ms", "1000"),
    ("statistics.interval.ms", "5000"),
];

/// Producer tuning; `kafka.librdkafka` may override each (Azure Event Hubs, for one,
/// takes `"compression.type" = "none"`).
const PRODUCER_DEFAULTS: &[(&str, &str)] = &[
    ("linger.ms", "5"),
    ("compression.type", "lz4"),
    ("message.timeout.ms", "120000"),
    ("statistics.interval.ms", "5000"),
];

/// Settings shared by consumers, producers and the admin client.
pub fn base(k: &KafkaConfig) -> Result<ClientConfig, KafkaSetupError> {
    with_defaults(k, &[])
}

/// `defaults`, then the operator's passthrough, then connection and security settings.
fn with_defaults(
    k: &KafkaConfig,
    defaults: &[(&str, &str)],
) -> Result<ClientConfig, KafkaSetupError> {
    let mut c = ClientConfig::new();
    for (key, value) in defaults {
        c.set(*key, *value);
    }
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
    let secret = password(k)?;
    if k.sasl_mechanism.eq_ignore_ascii_case("OAUTHBEARER") {
        // OAuth client credentials (OIDC): librdkafka fetches and refreshes the tokens.
        if !k.sasl_oauthbearer_token_endpoint_url.is_empty() {
            c.set("sasl.oauthbearer.method", "oidc").set(
                "sasl.oauthbearer.token.endpoint.url",
                &k.sasl_oauthbearer_token_endpoint_url,
            );
        }
        if !k.sasl_oauthbearer_scope.is_empty() {
            c.set("sasl.oauthbearer.scope", &k.sasl_oauthbearer_scope);
        }
        if !k.sasl_username.is_empty() {
            c.set("sasl.oauthbearer.client.id", &k.sasl_username);
        }
        if let Some(s) = secret {
            c.set("sasl.oauthbearer.client.secret", s);
        }
    } else {
        if !k.sasl_username.is_empty() {
            c.set("sasl.username", &k.sasl_username);
        }
        if let Some(p) = secret {
            c.set("sasl.password", p);
        }
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
    Ok(
        consumer_config(k, stage)?.create_with_context(StatsContext {
            metrics: metrics.clone(),
            client: format!("{stage}-consumer"),
        })?,
    )
}

fn consumer_config(k: &KafkaConfig, stage: &str) -> Result<ClientConfig, KafkaSetupError> {
    let mut c = with_defaults(k, CONSUMER_DEFAULTS)?;
    c.set("group.id", format!("{}-{stage}", k.group_id))
        .set("enable.auto.commit", "true")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        .set(
            "fetch.message.max.bytes",
            (k.max_message_bytes + 1024).to_string(),
        )
        .set("enable.partition.eof", "false");
    Ok(c)
}

/// The idempotent producer of stage `stage` (acks=all, no duplicates from retries).
pub fn producer(
    k: &KafkaConfig,
    stage: &str,
    metrics: &Metrics,
) -> Result<RiskdProducer, KafkaSetupError> {
    Ok(producer_config(k)?.create_with_context(StatsContext {
        metrics: metrics.clone(),
        client: format!("{stage}-producer"),
    })?)
}

fn producer_config(k: &KafkaConfig) -> Result<ClientConfig, KafkaSetupError> {
    let mut c = with_defaults(k, PRODUCER_DEFAULTS)?;
    c.set("enable.idempotence", "true").set("acks", "all");
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn oauthbearer_uses_oidc_client_credentials_with_the_secret_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("client-secret");
        std::fs::write(&secret, "s3cret\n").unwrap();
        let k = KafkaConfig {
            security_protocol: "sasl_ssl".into(),
            sasl_mechanism: "oauthbearer".into(),
            sasl_username: "riskd-app".into(),
            sasl_password_file: secret.display().to_string(),
            sasl_oauthbearer_token_endpoint_url:
                "https://login.microsoftonline.com/t/oauth2/v2.0/token".into(),
            sasl_oauthbearer_scope: "https://ns.servicebus.windows.net/.default".into(),
            ..KafkaConfig::default()
        };
        assert_eq!(k.validate(), Ok(()));
        let c = consumer_config(&k, "detect").unwrap();
        assert_eq!(c.get("sasl.mechanism"), Some("OAUTHBEARER"));
        assert_eq!(c.get("sasl.oauthbearer.method"), Some("oidc"));
        assert_eq!(c.get("sasl.oauthbearer.client.id"), Some("riskd-app"));
        assert_eq!(c.get("sasl.oauthbearer.client.secret"), Some("s3cret"));
        assert_eq!(c.get("sasl.username"), None);
        // librdkafka accepts the settings: it was built with OIDC support (libcurl).
        let created: Result<RiskdConsumer, _> = c.create_with_context(StatsContext {
            metrics: Metrics::new(),
            client: "test".into(),
        });
        assert!(created.is_ok(), "{:?}", created.err());
    }

    #[test]
    fn operators_tune_defaults_but_not_the_delivery_guarantee() {
        let mut k = KafkaConfig::default();
        k.librdkafka
            .insert("compression.type".into(), "none".into());
        k.librdkafka
            .insert("fetch.queue.backoff.ms".into(), "50".into());
        let p = producer_config(&k).unwrap();
        assert_eq!(p.get("compression.type"), Some("none"));
        assert_eq!(p.get("linger.ms"), Some("5"));
        assert_eq!(p.get("enable.idempotence"), Some("true"));
        let c = consumer_config(&k, "detect").unwrap();
        assert_eq!(c.get("fetch.queue.backoff.ms"), Some("50"));
        assert_eq!(c.get("enable.auto.offset.store"), Some("false"));
        assert_eq!(c.get("group.id"), Some("riskd-detect"));
        assert_eq!(
            consumer_config(&KafkaConfig::default(), "ingest")
                .unwrap()
                .get("fetch.queue.backoff.ms"),
            Some("5"),
            "riskd's default unless the operator sets it"
        );
    }
}
