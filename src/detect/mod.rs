//! The detection core. PURE: no I/O, no Kafka types, no wall clock; event time is passed
//! in with each event, so the same events always give the same records.

use serde::{Deserialize, Serialize};

use crate::model::{Event, RiskySignIn, RiskyUser};

/// Detection settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DetectConfig {}

impl DetectConfig {
    /// Checks values; an error names the key (relative to `[detect]`) and what is wrong.
    pub fn validate(&self) -> Result<(), (String, String)> {
        Ok(())
    }
}

/// What one event produced.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Output {
    pub risky_sign_in: Option<RiskySignIn>,
    pub user_updates: Vec<RiskyUser>,
}

/// The detection engine.
#[derive(Debug, Default)]
pub struct Engine {
    _config: DetectConfig,
}

impl Engine {
    pub fn new(config: DetectConfig) -> Engine {
        Engine { _config: config }
    }

    /// Scores one event (in event-time order) and updates state.
    pub fn process(&mut self, _event: &Event) -> Output {
        Output::default()
    }
}
