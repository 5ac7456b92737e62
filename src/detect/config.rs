//! Detection settings: every threshold and switch, with defaults chosen from the peers'
//! published numbers (../shared/reference/peers-and-detections.md) and tuned on
//! `riskd simulate` tenants. `config/riskd.example.toml` documents each key.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// `[detect]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DetectConfig {
    /// A user with fewer successful sign-ins than this is in learning mode.
    pub learning_min_signins: u32,
    /// ... or whose first sign-in is more recent than this many days.
    pub learning_min_days: f64,
    /// Half-life of the per-user and tenant baselines, in days.
    pub baseline_half_life_days: f64,
    /// A novelty (the same new country, the same unfamiliar network) is reported once per
    /// user within this many hours, not on every sign-in that repeats it.
    pub repeat_suppression_hours: f64,
    /// Composite score (log10 likelihood ratio) thresholds for unfamiliarFeatures.
    pub score: ScoreThresholds,
    pub suppression: Suppression,
    pub lists: IpLists,
    pub unfamiliar_features: Toggle,
    pub new_country: NewCountry,
    pub unlikely_travel: UnlikelyTravel,
    pub brute_force: BruteForce,
    pub mfa_fatigue: MfaFatigue,
    pub legacy_authentication: LegacyAuthentication,
    pub atypical_time: AtypicalTime,
    pub new_application: NewApplication,
    pub session_anomaly: SessionAnomaly,
    pub microsoft_risk: Toggle,
    pub audit_correlation: AuditCorrelation,
    pub user_risk: UserRiskConfig,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig {
            learning_min_signins: 10,
            learning_min_days: 5.0,
            baseline_half_life_days: 30.0,
            repeat_suppression_hours: 24.0,
            score: ScoreThresholds::default(),
            suppression: Suppression::default(),
            lists: IpLists::default(),
            unfamiliar_features: Toggle { enabled: true },
            new_country: NewCountry::default(),
            unlikely_travel: UnlikelyTravel::default(),
            brute_force: BruteForce::default(),
            mfa_fatigue: MfaFatigue::default(),
            legacy_authentication: LegacyAuthentication::default(),
            atypical_time: AtypicalTime::default(),
            new_application: NewApplication::default(),
            session_anomaly: SessionAnomaly::default(),
            microsoft_risk: Toggle { enabled: true },
            audit_correlation: AuditCorrelation::default(),
            user_risk: UserRiskConfig::default(),
        }
    }
}

/// Just an on/off switch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Toggle {
    pub enabled: bool,
}

impl Default for Toggle {
    fn default() -> Self {
        Toggle { enabled: true }
    }
}

/// Composite score thresholds (log10 of the likelihood ratio).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoreThresholds {
    pub low: f64,
    pub medium: f64,
    pub high: f64,
}

impl Default for ScoreThresholds {
    fn default() -> Self {
        ScoreThresholds {
            low: 1.6,
            medium: 2.4,
            high: 4.0,
        }
    }
}

/// What operators declare benign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Suppression {
    /// Trusted networks (corporate egress, named locations): location features and travel
    /// from these never count as unusual.
    pub trusted_cidrs: Vec<IpNet>,
    /// VPN, relay, satellite and mobile-carrier ASNs: travel and location novelty from these
    /// are not judged (their geo-IP is not where the user is).
    pub vpn_asns: Vec<u32>,
    pub carrier_asns: Vec<u32>,
    /// Users (UPN or object id) who travel: newCountry and unlikelyTravel are low at most.
    pub known_travellers: Vec<String>,
    /// Users never flagged at all.
    pub excluded_users: Vec<String>,
    /// Per-user detection exclusions: `"user@contoso.com" = ["newCountry"]`.
    pub user_detection_exclusions: std::collections::BTreeMap<String, Vec<String>>,
    /// A location value (IP, prefix, ASN, city) used by at least this many distinct users
    /// of the tenant is shared (office, VPN egress) and never reads as an anomaly.
    pub shared_location_min_users: f64,
}

impl Default for Suppression {
    fn default() -> Self {
        Suppression {
            trusted_cidrs: Vec::new(),
            vpn_asns: Vec::new(),
            carrier_asns: Vec::new(),
            known_travellers: Vec::new(),
            excluded_users: Vec::new(),
            user_detection_exclusions: Default::default(),
            shared_location_min_users: 8.0,
        }
    }
}

/// Operator-supplied IP reputation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IpLists {
    /// Tor exits, anonymising VPNs, open proxies: anonymizedIPAddress.
    pub anonymizer_cidrs: Vec<IpNet>,
    pub anonymizer_asns: Vec<u32>,
    /// Known-bad infrastructure: maliciousIPAddress.
    pub malicious_cidrs: Vec<IpNet>,
    pub malicious_asns: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewCountry {
    pub enabled: bool,
    /// The user needs at least this many successful sign-ins before a country is "new".
    pub min_signins: u32,
    /// Countries above this share of the tenant's sign-ins are never new (a branch office).
    pub max_tenant_share: f64,
}

impl Default for NewCountry {
    fn default() -> Self {
        NewCountry {
            enabled: true,
            min_signins: 10,
            max_tenant_share: 0.02,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UnlikelyTravel {
    pub enabled: bool,
    /// Interactive: Elastic's rule uses 500 km and 800 km/h.
    pub min_distance_km: f64,
    pub min_speed_kmh: f64,
    /// Geo-IP jitter: this distance is subtracted before computing speed.
    pub jitter_km: f64,
    /// Non-interactive sign-ins (token refreshes egress through cloud regions): judged
    /// only when this is on, with their own thresholds.
    pub non_interactive: bool,
    pub non_interactive_min_distance_km: f64,
    pub non_interactive_min_speed_kmh: f64,
}

impl Default for UnlikelyTravel {
    fn default() -> Self {
        UnlikelyTravel {
            enabled: true,
            min_distance_km: 500.0,
            min_speed_kmh: 800.0,
            jitter_km: 50.0,
            non_interactive: true,
            non_interactive_min_distance_km: 2000.0,
            non_interactive_min_speed_kmh: 2000.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BruteForce {
    pub enabled: bool,
    /// Burst window (minutes): failures are counted with this half-life.
    pub window_minutes: f64,
    /// Failures (bad password, lockout) in the window to fire.
    pub min_failures: f64,
    /// ... and at least this multiple of the user's own usual failures per window.
    pub base_rate_multiple: f64,
}

impl Default for BruteForce {
    fn default() -> Self {
        BruteForce {
            enabled: true,
            window_minutes: 10.0,
            min_failures: 8.0,
            base_rate_multiple: 5.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MfaFatigue {
    pub enabled: bool,
    pub window_minutes: f64,
    /// MFA denials / no-responses in the window to fire.
    pub min_denials: f64,
    /// A success within this many minutes of a burst is escalated to high.
    pub approval_window_minutes: f64,
}

impl Default for MfaFatigue {
    fn default() -> Self {
        MfaFatigue {
            enabled: true,
            window_minutes: 10.0,
            min_denials: 3.0,
            approval_window_minutes: 60.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LegacyAuthentication {
    pub enabled: bool,
    /// Legacy use is unusual for a user when under this share of their sign-ins.
    pub max_user_share: f64,
}

impl Default for LegacyAuthentication {
    fn default() -> Self {
        LegacyAuthentication {
            enabled: true,
            max_user_share: 0.1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AtypicalTime {
    pub enabled: bool,
    /// History needed before hours are judged.
    pub min_signins: u32,
    /// An hour-of-week cell whose share of the user's sign-ins is under this fraction of an
    /// even spread (1/168) is atypical: 0.1 flags hours the user almost never signs in at,
    /// and never fires for users who sign in around the clock.
    pub max_share_of_uniform: f64,
}

impl Default for AtypicalTime {
    fn default() -> Self {
        AtypicalTime {
            enabled: true,
            min_signins: 30,
            max_share_of_uniform: 0.1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewApplication {
    pub enabled: bool,
    /// Apps used by at least this many distinct users are tenant-wide (a rollout): not new.
    pub max_tenant_users: f64,
}

impl Default for NewApplication {
    fn default() -> Self {
        NewApplication {
            enabled: true,
            max_tenant_users: 5.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionAnomaly {
    pub enabled: bool,
    /// How long a session is remembered.
    pub window_hours: f64,
    /// A session seen this far from where it started (or in another country) ...
    pub min_distance_km: f64,
    /// ... faster than this since it was last used there is the token-theft pattern
    /// (300-600 km/h separates replay from a flight with its airport time).
    pub min_speed_kmh: f64,
}

impl Default for SessionAnomaly {
    fn default() -> Self {
        SessionAnomaly {
            enabled: true,
            window_hours: 24.0,
            min_distance_km: 500.0,
            min_speed_kmh: 500.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditCorrelation {
    pub enabled: bool,
    /// A high-risk directory change this soon after a risky sign-in raises the user's risk.
    pub window_hours: f64,
}

impl Default for AuditCorrelation {
    fn default() -> Self {
        AuditCorrelation {
            enabled: true,
            window_hours: 24.0,
        }
    }
}

/// User risk accumulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserRiskConfig {
    /// Half-life of accumulated user risk, in days.
    pub half_life_days: f64,
    /// Points a detection adds, by level.
    pub points_low: f64,
    pub points_medium: f64,
    pub points_high: f64,
    /// Accumulated points at which the user is at each level.
    pub level_low: f64,
    pub level_medium: f64,
    pub level_high: f64,
}

impl Default for UserRiskConfig {
    fn default() -> Self {
        UserRiskConfig {
            half_life_days: 14.0,
            points_low: 0.25,
            points_medium: 3.0,
            points_high: 9.0,
            level_low: 1.0,
            level_medium: 3.0,
            level_high: 8.0,
        }
    }
}

impl DetectConfig {
    /// Checks values; an error names the key (relative to `[detect]`) and the fix.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let positive = |key: &str, v: f64| -> Result<(), (String, String)> {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err((
                    key.to_owned(),
                    format!("must be a positive number, got {v}"),
                ))
            }
        };
        positive("baseline_half_life_days", self.baseline_half_life_days)?;
        positive("user_risk.half_life_days", self.user_risk.half_life_days)?;
        positive(
            "brute_force.window_minutes",
            self.brute_force.window_minutes,
        )?;
        positive(
            "mfa_fatigue.window_minutes",
            self.mfa_fatigue.window_minutes,
        )?;
        positive(
            "session_anomaly.window_hours",
            self.session_anomaly.window_hours,
        )?;
        let s = &self.score;
        if !(s.low < s.medium && s.medium < s.high) {
            return Err((
                "score".into(),
                format!(
                    "thresholds must rise: low < medium < high, got {} / {} / {}",
                    s.low, s.medium, s.high
                ),
            ));
        }
        let u = &self.user_risk;
        if !(u.level_low <= u.level_medium && u.level_medium <= u.level_high) {
            return Err((
                "user_risk".into(),
                "levels must rise: level_low <= level_medium <= level_high".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.new_country.max_tenant_share) {
            return Err((
                "new_country.max_tenant_share".into(),
                "must be between 0 and 1".into(),
            ));
        }
        if self.learning_min_days < 0.0 {
            return Err(("learning_min_days".into(), "must not be negative".into()));
        }
        Ok(())
    }
}
