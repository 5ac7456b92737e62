//! Normalized event and output types shared by every layer.
//!
//! - [`SignIn`] and [`AuditEvent`]: what the decoders produce and the detection core reads.
//! - [`ErrorClass`]: what a sign-in error code means for detection (credential failure, MFA
//!   failure, blocked after a correct password, benign interrupt ...).
//! - [`risk`]: the records riskd emits (Graph `riskDetection`- and `riskyUser`-shaped).

pub mod audit;
pub mod error_class;
pub mod risk;
pub mod signin;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use audit::{AuditEvent, Initiator, ModifiedProperty, TargetResource};
pub use error_class::ErrorClass;
pub use risk::{
    DetectionEvidence, FeatureTerm, RiskLevel, RiskState, RiskySignIn, RiskyUser, UserDetection,
};
pub use signin::{AuthStep, Device, Location, MicrosoftRisk, SignIn, SignInCategory, Status};

/// Anything the detection core consumes. Serialized (on the events topic) externally
/// tagged, `{"signIn":{...}}`, so decoding needs no buffering to find the tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Event {
    SignIn(Box<SignIn>),
    Audit(Box<AuditEvent>),
}

impl Event {
    /// Event time.
    pub fn time(&self) -> DateTime<Utc> {
        match self {
            Event::SignIn(s) => s.time,
            Event::Audit(a) => a.time,
        }
    }

    /// A short category label for counting (`SignInLogs`, ..., `AuditLogs`).
    pub fn category_label(&self) -> &'static str {
        match self {
            Event::SignIn(s) => s.category.as_str(),
            Event::Audit(_) => "AuditLogs",
        }
    }
}
