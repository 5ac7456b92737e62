//! The records riskd emits.
//!
//! - [`RiskySignIn`]: one per sign-in judged risky, shaped like Graph `riskDetection` (the
//!   fields SOC tooling already parses) plus riskd's score, the named detections that fired,
//!   the per-feature explanation and per-detection evidence.
//! - [`RiskyUser`]: the current risk of a user whose risk changed, shaped like Graph
//!   `riskyUser`, plus the detections behind it. Keyed by user id on a compacted topic, the
//!   latest record per user is the "users flagged for risk" table.
//!
//! Field order is fixed by the struct and maps are not used, so the same input always gives
//! byte-identical JSON.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::Location;

/// Graph `riskLevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RiskLevel {
    None,
    Low,
    Medium,
    High,
}

impl RiskLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::None => "none",
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
        }
    }

    /// Parses Graph's values; `hidden` and unknown values are `None`.
    pub fn from_graph(s: &str) -> RiskLevel {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => RiskLevel::Low,
            "medium" => RiskLevel::Medium,
            "high" => RiskLevel::High,
            _ => RiskLevel::None,
        }
    }

    /// All levels that count as "at risk", lowest first.
    pub const FLAGGED: [RiskLevel; 3] = [RiskLevel::Low, RiskLevel::Medium, RiskLevel::High];
}

/// Graph `riskState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RiskState {
    None,
    AtRisk,
    ConfirmedCompromised,
    Remediated,
    Dismissed,
    ConfirmedSafe,
}

/// Whether a user with this level and state counts as flagged for risk (what the
/// `riskd_users_flagged` gauge and the replay summary count).
pub fn is_flagged(level: RiskLevel, state: RiskState) -> bool {
    level > RiskLevel::None && matches!(state, RiskState::AtRisk | RiskState::ConfirmedCompromised)
}

/// One feature's share of the score: the Freeman log-likelihood-ratio term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeatureTerm {
    /// `ip`, `asn`, `country`, `userAgent`, `browser`, `app`, `hourOfWeek` ...
    pub feature: String,
    pub value: String,
    /// Decayed count of this value in the user's successful sign-ins.
    pub user_count: f64,
    /// Decayed total of the user's successful sign-ins.
    pub user_total: f64,
    /// Share of the tenant's successful sign-ins with this value.
    pub tenant_share: f64,
    /// log10(p(value) / p(value | user)), after smoothing and back-off; > 0 means unusual.
    pub contribution: f64,
}

/// Evidence behind one named detection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DetectionEvidence {
    /// Graph `riskEventType` name (`unlikelyTravel`, `newCountry`, ...) or riskd's own name.
    pub risk_event_type: String,
    pub risk_level: RiskLevel,
    /// A sentence a person can act on.
    pub detail: String,
}

/// A risky sign-in (Graph `riskDetection` shape, one record per sign-in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskySignIn {
    /// Deterministic: derived from the request id, so a replay gives the same id.
    pub id: String,
    /// The sign-in's request id.
    pub request_id: String,
    pub correlation_id: String,
    pub user_id: String,
    pub user_principal_name: String,
    pub user_display_name: String,
    /// Event time of the sign-in.
    pub activity_date_time: DateTime<Utc>,
    /// When riskd judged it, in event time (the sign-in's time: detection is real-time).
    pub detected_date_time: DateTime<Utc>,
    /// Always `realtime`.
    pub detection_timing_type: String,
    /// Always `signin`.
    pub activity: String,
    pub source: String,
    pub risk_level: RiskLevel,
    pub risk_state: RiskState,
    /// The named detections that fired, strongest first.
    pub risk_event_types: Vec<String>,
    pub ip_address: String,
    pub location: Location,
    pub app_display_name: String,
    pub sign_in_category: String,
    pub error_code: i64,
    /// What the error code means: `success`, `badCredential`, `mfaDenied`, ...
    pub error_class: String,
    /// log10 of the Freeman likelihood ratio (sum of the explanation's contributions).
    pub score: f64,
    /// True while the user has too little history: scored against tenant priors.
    pub learning: bool,
    /// Per-feature terms, largest contribution first.
    pub explanation: Vec<FeatureTerm>,
    pub detections: Vec<DetectionEvidence>,
}

/// A user's current risk (Graph `riskyUser` shape), emitted on every change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskyUser {
    /// The user id (UPN when the log had no id).
    pub id: String,
    pub user_principal_name: String,
    pub user_display_name: String,
    pub risk_level: RiskLevel,
    pub risk_state: RiskState,
    /// Graph `riskDetail`: `none`, `userPerformedSecuredPasswordReset`, ...
    pub risk_detail: String,
    /// Event time of the change.
    pub risk_last_updated_date_time: DateTime<Utc>,
    pub is_deleted: bool,
    pub is_processing: bool,
    /// Accumulated, decayed risk score behind the level.
    pub score: f64,
    /// Active detections behind the level, most recent first.
    pub detections: Vec<UserDetection>,
}

/// A detection that contributes to a user's risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserDetection {
    pub risk_event_type: String,
    pub risk_level: RiskLevel,
    pub request_id: String,
    pub activity_date_time: DateTime<Utc>,
}
