//! Configuration: TOML, every key optional with a documented default, unknown keys rejected
//! so a typo is an error that names the key instead of a silently ignored setting.
//! Environment variables `RISKD__SECTION__KEY=value` override the file (e.g.
//! `RISKD__KAFKA__BOOTSTRAP_SERVERS=broker:9092`). `config/riskd.example.toml` documents
//! every option.

pub mod kafka;

use std::path::Path;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::detect::DetectConfig;
pub use kafka::{KafkaConfig, TelemetryConfig};

/// Everything riskd can be told.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Detection: baselines, thresholds, suppression.
    pub detect: DetectConfig,
    /// `riskd run`: brokers, topics, security.
    pub kafka: KafkaConfig,
    /// `riskd run`: metrics and health endpoint, logs.
    pub telemetry: TelemetryConfig,
}

/// A configuration problem, naming the file, the key and the fix.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("config file {path} is invalid: {message}")]
    Parse { path: String, message: String },
    #[error("config key `{key}` is invalid: {message}")]
    Invalid { key: String, message: String },
}

impl Config {
    /// Reads and validates a TOML file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Config::from_toml(&text).map_err(|e| match e {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: path.display().to_string(),
                message,
            },
            other => other,
        })
    }

    /// Parses and validates TOML text.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        Self::from_toml_with_env(text, std::iter::empty())
    }

    /// Parses TOML text, applies `RISKD__SECTION__KEY` overrides from `env`, validates.
    pub fn from_toml_with_env(
        text: &str,
        env: impl Iterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let parse_err = |e: &dyn std::fmt::Display| ConfigError::Parse {
            path: "<text>".into(),
            message: e.to_string().trim_end().replace('\n', " | "),
        };
        let mut doc: toml::Table = toml::from_str(text).map_err(|e| parse_err(&e))?;
        for (name, value) in env {
            let Some(path) = name.strip_prefix("RISKD__") else {
                continue;
            };
            let keys: Vec<String> = path.split("__").map(|k| k.to_ascii_lowercase()).collect();
            set_path(&mut doc, &keys, &value);
        }
        let cfg: Config = toml::Value::Table(doc)
            .try_into()
            .map_err(|e: toml::de::Error| parse_err(&e))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Cross-field checks.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.detect
            .validate()
            .map_err(|(key, message)| ConfigError::Invalid {
                key: format!("detect.{key}"),
                message,
            })?;
        self.kafka
            .validate()
            .map_err(|(key, message)| ConfigError::Invalid {
                key: format!("kafka.{key}"),
                message,
            })
    }

    /// Reads a file (or the defaults) and applies the process environment's overrides.
    pub fn load_with_env(path: Option<&Path>) -> Result<Config, ConfigError> {
        let (text, name) = match path {
            Some(p) => (
                std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    path: p.display().to_string(),
                    source,
                })?,
                p.display().to_string(),
            ),
            None => (String::new(), "<defaults>".to_owned()),
        };
        Config::from_toml_with_env(&text, std::env::vars()).map_err(|e| match e {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: name,
                message,
            },
            other => other,
        })
    }
}

/// Sets `keys` (a path of table names ending in a key) to `value`, read as a TOML value
/// when it parses as one (number, boolean, array), else as a string.
fn set_path(doc: &mut toml::Table, keys: &[String], value: &str) {
    let Some((last, parents)) = keys.split_last() else {
        return;
    };
    let mut table = doc;
    for k in parents {
        let entry = table
            .entry(k.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let toml::Value::Table(t) = entry else {
            return;
        };
        table = t;
    }
    let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_owned()));
    table.insert(last.clone(), parsed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_named() {
        let e = Config::from_toml("[detect]\nno_such_key = 1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no_such_key"), "{e}");
    }

    #[test]
    fn environment_overrides_the_file() {
        let env = vec![
            (
                "RISKD__KAFKA__BOOTSTRAP_SERVERS".to_owned(),
                "broker:9093".to_owned(),
            ),
            ("RISKD__KAFKA__TOPIC_PARTITIONS".to_owned(), "12".to_owned()),
            ("RISKD__DETECT__SCORE__MEDIUM".to_owned(), "2.5".to_owned()),
            ("UNRELATED".to_owned(), "x".to_owned()),
        ];
        let cfg =
            Config::from_toml_with_env("[kafka]\nbootstrap_servers = \"a:1\"\n", env.into_iter())
                .unwrap();
        assert_eq!(cfg.kafka.bootstrap_servers, "broker:9093");
        assert_eq!(cfg.kafka.topic_partitions, 12);
        assert_eq!(cfg.detect.score.medium, 2.5);
        let bad = vec![(
            "RISKD__KAFKA__SECURITY_PROTOCOL".to_owned(),
            "carrier-pigeon".to_owned(),
        )];
        let e = Config::from_toml_with_env("", bad.into_iter())
            .unwrap_err()
            .to_string();
        assert!(e.contains("kafka.security_protocol"), "{e}");
    }

    #[test]
    fn librdkafka_settings_take_numbers_and_booleans() {
        let env = vec![(
            "RISKD__KAFKA__LIBRDKAFKA__FETCH.QUEUE.BACKOFF.MS".to_owned(),
            "0".to_owned(),
        )];
        let text = "[kafka.librdkafka]\n\"fetch.max.bytes\" = 104857600\n\"check.crcs\" = true\n\"client.id\" = \"riskd-a\"\n";
        let cfg = Config::from_toml_with_env(text, env.into_iter()).unwrap();
        let l = &cfg.kafka.librdkafka;
        assert_eq!(l["fetch.max.bytes"], "104857600");
        assert_eq!(l["check.crcs"], "true");
        assert_eq!(l["client.id"], "riskd-a");
        assert_eq!(l["fetch.queue.backoff.ms"], "0");
    }

    #[test]
    fn secrets_in_the_file_are_refused_and_oauth_needs_its_endpoint() {
        let e =
            Config::from_toml("[kafka.librdkafka]\n\"sasl.oauthbearer.client.secret\" = \"x\"\n")
                .unwrap_err()
                .to_string();
        assert!(
            e.contains("kafka.librdkafka.\"sasl.oauthbearer.client.secret\"")
                && e.contains("sasl_password_env"),
            "{e}"
        );
        let e = Config::from_toml(
            "[kafka]\nsecurity_protocol = \"sasl_ssl\"\nsasl_mechanism = \"OAUTHBEARER\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("kafka.sasl_oauthbearer_token_endpoint_url"),
            "{e}"
        );
    }

    #[test]
    fn empty_config_is_the_default() {
        assert_eq!(Config::from_toml("").unwrap(), Config::default());
    }
}
