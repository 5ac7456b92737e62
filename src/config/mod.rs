//! Configuration: TOML, every key optional with a documented default, unknown keys rejected
//! so a typo is an error that names the key instead of a silently ignored setting.
//! `config/riskd.example.toml` documents every option.

use std::path::Path;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::detect::DetectConfig;

/// Everything riskd can be told.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Detection: baselines, thresholds, suppression.
    pub detect: DetectConfig,
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
        let cfg: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: "<text>".into(),
            message: e.to_string().trim_end().replace('\n', " | "),
        })?;
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
            })
    }
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
    fn empty_config_is_the_default() {
        assert_eq!(Config::from_toml("").unwrap(), Config::default());
    }
}
