//! `[kafka]` and `[telemetry]`: where `riskd run` reads and writes, and how it is observed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The Event Hubs that Entra diagnostic settings create, one per log category.
pub const DEFAULT_INPUT_TOPICS: [&str; 5] = [
    "insights-logs-signinlogs",
    "insights-logs-noninteractiveusersigninlogs",
    "insights-logs-serviceprincipalsigninlogs",
    "insights-logs-managedidentitysigninlogs",
    "insights-logs-auditlogs",
];

/// `[kafka]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KafkaConfig {
    /// `host:port[,host:port]`; for Azure Event Hubs `<namespace>.servicebus.windows.net:9093`.
    pub bootstrap_servers: String,
    /// Consumer group prefix: the ingest stage uses `<group_id>-ingest`, detection
    /// `<group_id>-detect`.
    pub group_id: String,
    /// Topics holding Entra logs as Azure sends them (any message shape riskd decodes).
    pub input_topics: Vec<String>,
    /// Re-key decoded events by user through `events_topic` so each user's state lives in
    /// one place. Switch off only when the input is already keyed by user.
    pub repartition: bool,
    pub events_topic: String,
    pub risky_signins_topic: String,
    /// Compacted: the latest record per user is the users-flagged-for-risk table.
    pub risky_users_topic: String,
    pub dead_letter_topic: String,
    /// Create missing topics at start-up; when false, missing topics are an error.
    pub create_topics: bool,
    pub topic_partitions: i32,
    pub replication_factor: i32,
    /// Messages larger than this are dead-lettered unread.
    pub max_message_bytes: usize,
    /// Messages handled per batch before offsets are stored.
    pub batch_size: usize,
    /// How long a stage waits for the first message of a batch before it looks at its
    /// timers (idle flush, gauges). A batch never waits to fill: it takes what has been
    /// fetched, so this adds no latency.
    pub batch_wait_ms: u64,
    /// Event-time reordering: events are held until the newest event time seen is this far
    /// past theirs, then scored in time order. 0 (the default) scores each batch on
    /// arrival, in time order within the batch: lowest latency. Azure delivers
    /// non-interactive logs minutes late; a window covering that disorder makes `riskd run`
    /// give exactly `riskd replay`'s records, at the cost of that much latency.
    pub reorder_window_secs: u64,
    /// When no event arrives for this long, everything held is scored.
    pub idle_flush_ms: u64,
    /// On SIGTERM / SIGINT: stop fetching, drain, flush, commit, within this deadline.
    pub shutdown_timeout_secs: u64,
    /// `plaintext`, `ssl`, `sasl_plaintext` or `sasl_ssl`.
    pub security_protocol: String,
    /// `PLAIN` (Event Hubs), `SCRAM-SHA-256`, `SCRAM-SHA-512` or `OAUTHBEARER`.
    pub sasl_mechanism: String,
    /// For Event Hubs: `$ConnectionString`. With OAUTHBEARER: the OAuth client id.
    pub sasl_username: String,
    /// Name of the environment variable holding the SASL password (for Event Hubs, the
    /// connection string; with OAUTHBEARER, the OAuth client secret). Secrets are never
    /// read from this file and never logged.
    pub sasl_password_env: String,
    /// Or a file holding it (e.g. a mounted Kubernetes secret).
    pub sasl_password_file: String,
    /// OAUTHBEARER: the OAuth 2.0 token endpoint riskd gets its tokens from (client
    /// credentials, OIDC), e.g. Entra ID's
    /// `https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token`.
    pub sasl_oauthbearer_token_endpoint_url: String,
    /// OAUTHBEARER: the scope asked for, e.g. `https://<namespace>.servicebus.windows.net/.default`.
    pub sasl_oauthbearer_scope: String,
    /// CA bundle for TLS (`ssl.ca.location`); empty uses the system store.
    pub ssl_ca_location: String,
    /// Any librdkafka setting, passed through (riskd's own delivery settings win). Values
    /// may be written as strings, numbers or booleans (`"fetch.max.bytes" = 104857600`).
    #[serde(deserialize_with = "scalars_as_strings")]
    pub librdkafka: BTreeMap<String, String>,
}

impl Default for KafkaConfig {
    fn default() -> Self {
        KafkaConfig {
            bootstrap_servers: "127.0.0.1:9092".into(),
            group_id: "riskd".into(),
            input_topics: DEFAULT_INPUT_TOPICS.iter().map(|s| s.to_string()).collect(),
            repartition: true,
            events_topic: "riskd.events-by-user".into(),
            risky_signins_topic: "riskd.risky-signins".into(),
            risky_users_topic: "riskd.risky-users".into(),
            dead_letter_topic: "riskd.dead-letter".into(),
            create_topics: true,
            topic_partitions: 6,
            replication_factor: 1,
            max_message_bytes: 1_048_576,
            batch_size: 1000,
            batch_wait_ms: 100,
            reorder_window_secs: 0,
            idle_flush_ms: 2000,
            shutdown_timeout_secs: 30,
            security_protocol: "plaintext".into(),
            sasl_mechanism: String::new(),
            sasl_username: String::new(),
            sasl_password_env: String::new(),
            sasl_password_file: String::new(),
            sasl_oauthbearer_token_endpoint_url: String::new(),
            sasl_oauthbearer_scope: String::new(),
            ssl_ca_location: String::new(),
            librdkafka: BTreeMap::new(),
        }
    }
}

/// librdkafka takes every setting as text; accept TOML numbers and booleans too, so a
/// setting reads naturally in the file and `RISKD__KAFKA__LIBRDKAFKA__...=100` overrides work.
fn scalars_as_strings<'de, D>(d: D) -> Result<BTreeMap<String, String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Int(i64),
        Float(f64),
        Bool(bool),
    }
    let map = BTreeMap::<String, Scalar>::deserialize(d)?;
    Ok(map
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                Scalar::Text(s) => s,
                Scalar::Int(i) => i.to_string(),
                Scalar::Float(f) => f.to_string(),
                Scalar::Bool(b) => b.to_string(),
            };
            (k, text)
        })
        .collect())
}

/// `[telemetry]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetryConfig {
    /// Address of the HTTP endpoint serving /metrics, /healthz and /readyz.
    pub listen: String,
    /// `pretty` or `json`.
    pub log_format: String,
    /// tracing filter, e.g. `info` or `riskd=debug,rdkafka=warn`.
    pub log_level: String,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        TelemetryConfig {
            listen: "127.0.0.1:9464".into(),
            log_format: "pretty".into(),
            log_level: "info".into(),
        }
    }
}

impl KafkaConfig {
    /// Checks values; errors name the key (relative to `[kafka]`).
    pub fn validate(&self) -> Result<(), (String, String)> {
        let err = |k: &str, m: &str| Err((k.to_owned(), m.to_owned()));
        if self.bootstrap_servers.trim().is_empty() {
            return err(
                "bootstrap_servers",
                "must name at least one broker, e.g. \"127.0.0.1:9092\"",
            );
        }
        if self.input_topics.is_empty() {
            return err("input_topics", "must list at least one topic");
        }
        let protocols = ["plaintext", "ssl", "sasl_plaintext", "sasl_ssl"];
        if !protocols.contains(&self.security_protocol.to_ascii_lowercase().as_str()) {
            return err(
                "security_protocol",
                "must be one of plaintext, ssl, sasl_plaintext, sasl_ssl",
            );
        }
        if self
            .security_protocol
            .to_ascii_lowercase()
            .starts_with("sasl")
        {
            let mechs = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"];
            if !mechs.contains(&self.sasl_mechanism.to_ascii_uppercase().as_str()) {
                return err("sasl_mechanism", "must be PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER with a sasl_* protocol");
            }
            let m = self.sasl_mechanism.to_ascii_uppercase();
            let has_secret =
                !self.sasl_password_env.is_empty() || !self.sasl_password_file.is_empty();
            if m != "OAUTHBEARER" && !has_secret {
                return err("sasl_password_env", "name the environment variable (or set sasl_password_file) holding the password or Event Hubs connection string");
            }
            if m == "OAUTHBEARER" && !self.librdkafka.contains_key("sasl.oauthbearer.config") {
                if self.sasl_oauthbearer_token_endpoint_url.is_empty() {
                    return err("sasl_oauthbearer_token_endpoint_url", "OAUTHBEARER needs the OAuth token endpoint, e.g. \"https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token\"");
                }
                if self.sasl_username.is_empty() || !has_secret {
                    return err("sasl_username", "OAUTHBEARER needs the OAuth client id in sasl_username and its secret in sasl_password_env or sasl_password_file");
                }
            }
        }
        for key in self.librdkafka.keys() {
            let k = key.to_ascii_lowercase();
            if k.ends_with("password") || k.ends_with("secret") || k.ends_with(".key.pem") {
                return Err((
                    format!("librdkafka.\"{key}\""),
                    "holds a secret: put its name in sasl_password_env (or its path in sasl_password_file) instead; config files are shared and printed by check-config".into(),
                ));
            }
        }
        if self.topic_partitions < 1 || self.replication_factor < 1 {
            return err(
                "topic_partitions",
                "topic_partitions and replication_factor must be at least 1",
            );
        }
        if self.batch_size == 0 || self.max_message_bytes == 0 {
            return err(
                "batch_size",
                "batch_size and max_message_bytes must be at least 1",
            );
        }
        for reserved in [
            "enable.auto.commit",
            "enable.auto.offset.store",
            "group.id",
            "enable.idempotence",
            "acks",
        ] {
            if self.librdkafka.contains_key(reserved) {
                return Err((
                    format!("librdkafka.\"{reserved}\""),
                    "is set by riskd for its delivery guarantee; remove it".into(),
                ));
            }
        }
        Ok(())
    }
}
