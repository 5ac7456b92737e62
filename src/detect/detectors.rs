//! The named detections. Each is a function of the sign-in, the user's profile (before the
//! sign-in is learned), the tenant statistics and the config, returning a [`Hit`] with a
//! Graph `riskEventType` name, a level and a sentence of evidence.

use super::config::DetectConfig;
use super::features::{display_value, Feature, Features};
use super::geo::distance_km;
use super::profile::{FailClass, SessionSeen, UserProfile};
use super::score::Score;
use crate::model::{ErrorClass, RiskLevel, SignIn};

/// One named detection that fired.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub risk_event_type: &'static str,
    pub level: RiskLevel,
    pub detail: String,
}

/// Everything a detector may read about one sign-in.
pub struct Ctx<'a> {
    pub s: &'a SignIn,
    pub f: &'a Features,
    pub t: i64,
    pub class: ErrorClass,
    pub profile: &'a UserProfile,
    /// The composite score, with each feature's user and tenant numbers.
    pub score: &'a Score,
    pub cfg: &'a DetectConfig,
    pub half_life: f64,
    /// Trusted network, VPN or carrier ASN.
    pub location_suppressed: bool,
    pub traveller: bool,
    /// The sign-in comes from a registered device this user has used before: travel and
    /// new-country findings are then low (the user's own laptop went on a trip).
    pub familiar_device: bool,
}

impl Ctx<'_> {
    fn validated(&self) -> bool {
        self.class.credential_validated()
    }
    fn success(&self) -> bool {
        self.class == ErrorClass::Success
    }
    fn place(&self) -> String {
        let l = &self.s.location;
        match (l.city.is_empty(), l.country.is_empty()) {
            (false, false) => format!("{}, {}", l.city, l.country),
            (true, false) => l.country.clone(),
            _ => self
                .s
                .ip_address
                .map(|i| i.to_string())
                .unwrap_or_else(|| "an unknown place".into()),
        }
    }
    fn location_shared(&self) -> bool {
        let min = self.cfg.suppression.shared_location_min_users;
        [Feature::Ip, Feature::Prefix, Feature::Asn]
            .iter()
            .any(|f| self.score.term(*f).tenant_users >= min)
    }
}

fn level_for_score(score: f64, cfg: &DetectConfig) -> RiskLevel {
    let th = &cfg.score;
    if score >= th.high {
        RiskLevel::High
    } else if score >= th.medium {
        RiskLevel::Medium
    } else if score >= th.low {
        RiskLevel::Low
    } else {
        RiskLevel::None
    }
}

/// unfamiliarFeatures: the composite score.
pub fn unfamiliar_features(c: &Ctx) -> Option<Hit> {
    let score = c.score;
    if !c.cfg.unfamiliar_features.enabled || !c.validated() {
        return None;
    }
    let level = level_for_score(score.total, c.cfg);
    if level == RiskLevel::None {
        return None;
    }
    // Name the three features that weigh most.
    let mut top: Vec<(f64, Feature)> = super::features::FEATURES
        .iter()
        .map(|f| (score.term(*f).contribution, *f))
        .filter(|(contribution, _)| *contribution > 0.0)
        .collect();
    top.sort_by(|a, b| b.0.total_cmp(&a.0));
    let unusual: Vec<String> = top
        .iter()
        .take(3)
        .map(|(_, f)| format!("{} {}", f.name(), display_value(c.s, *f)))
        .collect();
    Some(Hit {
        risk_event_type: "unfamiliarFeatures",
        level,
        detail: format!(
            "sign-in properties unusual for this user (score {:.2}, log10 likelihood ratio): {}{}",
            score.total,
            if unusual.is_empty() {
                "no single feature stands out".to_owned()
            } else {
                unusual.join("; ")
            },
            if score.learning {
                "; user in learning mode, scored against tenant priors"
            } else {
                ""
            }
        ),
    })
}

/// newCountry: a country the user has not signed in from, rare in the tenant.
pub fn new_country(c: &Ctx) -> Option<Hit> {
    let cfg = &c.cfg.new_country;
    let key = c.f.get(Feature::Country);
    if !cfg.enabled || !c.validated() || key == 0 || c.location_suppressed {
        return None;
    }
    if c.profile.successes < cfg.min_signins {
        return None;
    }
    let term = c.score.term(Feature::Country);
    if term.user_count > 0.0 {
        return None;
    }
    let share = term.tenant_share;
    if share > cfg.max_tenant_share {
        return None;
    }
    Some(Hit {
        risk_event_type: "newCountry",
        level: if c.traveller || c.familiar_device { RiskLevel::Low } else { RiskLevel::Medium },
        detail: format!(
            "first sign-in from {} for this user ({} earlier sign-ins); {:.2}% of the tenant's sign-ins come from there",
            c.s.location.country,
            c.profile.successes,
            share * 100.0
        ),
    })
}

/// unlikelyTravel: too far, too fast since the last successful sign-in.
pub fn unlikely_travel(c: &Ctx) -> Option<Hit> {
    let cfg = &c.cfg.unlikely_travel;
    if !cfg.enabled || !c.validated() || c.location_suppressed || !c.s.category.is_user() {
        return None;
    }
    // Like Entra's atypical travel, judged once the user's usual places are learned.
    if c.profile.successes < c.cfg.learning_min_signins {
        return None;
    }
    let here = c.s.location.coordinates()?;
    let prev = c.profile.last_success?;
    if prev.suppressed || c.location_shared() {
        return None;
    }
    let interactive = prev.interactive && c.s.category == crate::model::SignInCategory::Interactive;
    if !interactive && !cfg.non_interactive {
        return None;
    }
    let (min_d, min_v) = if interactive {
        (cfg.min_distance_km, cfg.min_speed_kmh)
    } else {
        (
            cfg.non_interactive_min_distance_km,
            cfg.non_interactive_min_speed_kmh,
        )
    };
    let d = distance_km((prev.lat as f64, prev.lon as f64), here);
    let hours = ((c.t - prev.time).max(60) as f64) / 3600.0;
    let speed = (d - cfg.jitter_km).max(0.0) / hours;
    if d < min_d || speed < min_v {
        return None;
    }
    let from = String::from_utf8_lossy(&prev.country).into_owned();
    Some(Hit {
        risk_event_type: "unlikelyTravel",
        level: if c.traveller || c.familiar_device {
            RiskLevel::Low
        } else {
            RiskLevel::Medium
        },
        detail: format!(
            "{} {:.1} h after a sign-in from {from}: {:.0} km, {:.0} km/h (limit {min_v:.0} km/h)",
            c.place(),
            hours,
            d,
            speed
        ),
    })
}

/// Expected failures of a class in one burst window, from the user's long-run rate
/// (excluding the current burst).
fn expected_in_window(p: &UserProfile, class: FailClass, window_secs: f64, long_secs: f64) -> f64 {
    let i = class as usize;
    let base = (p.failures.long[i] - p.failures.short[i]).max(0.0) as f64;
    base * window_secs / long_secs
}

/// bruteForce: failures far above the user's base rate; escalated on a later success.
/// Call after the failure has been counted in the profile.
pub fn brute_force(c: &Ctx) -> Option<Hit> {
    let cfg = &c.cfg.brute_force;
    if !cfg.enabled {
        return None;
    }
    let window = cfg.window_minutes * 60.0;
    let i = FailClass::Credential as usize;
    let fails = c.profile.failures.short[i] as f64;
    if c.validated() {
        let alerted = c.profile.failures.alerted_at[i];
        let same_source = c.profile.failures.source[i] == c.f.get(Feature::Asn);
        if alerted != 0 && same_source && ((c.t - alerted) as f64) <= 3.0 * window {
            return Some(Hit {
                risk_event_type: "bruteForce",
                level: RiskLevel::High,
                detail: format!("correct password after a burst of failures (~{fails:.0} in the last {:.0} min)", cfg.window_minutes),
            });
        }
        return None;
    }
    if !matches!(c.class, ErrorClass::BadCredential | ErrorClass::Lockout) {
        return None;
    }
    let expected = expected_in_window(c.profile, FailClass::Credential, window, c.half_life);
    if fails >= cfg.min_failures
        && fails >= cfg.base_rate_multiple * expected
        && c.profile.failures.alerted_at[i] == 0
    {
        return Some(Hit {
            risk_event_type: "bruteForce",
            level: RiskLevel::Medium,
            detail: format!(
                "~{fails:.0} failed sign-ins in {:.0} min; this user's usual rate is {expected:.2} per {:.0} min",
                cfg.window_minutes, cfg.window_minutes
            ),
        });
    }
    None
}

/// mfaFatigue: a burst of MFA denials or no-responses; escalated when one is approved.
pub fn mfa_fatigue(c: &Ctx) -> Option<Hit> {
    let cfg = &c.cfg.mfa_fatigue;
    if !cfg.enabled {
        return None;
    }
    let i = FailClass::MfaDenied as usize;
    let denials = c.profile.failures.short[i] as f64;
    let alerted = c.profile.failures.alerted_at[i];
    if c.success() {
        let same_source = c.profile.failures.source[i] == c.f.get(Feature::Asn);
        if alerted != 0
            && same_source
            && ((c.t - alerted) as f64) <= cfg.approval_window_minutes * 60.0
        {
            return Some(Hit {
                risk_event_type: "mfaFatigue",
                level: RiskLevel::High,
                detail: format!("MFA approved after a burst of denied or unanswered prompts (~{denials:.0} recent)"),
            });
        }
        return None;
    }
    if c.class == ErrorClass::MfaDenied && denials >= cfg.min_denials && alerted == 0 {
        return Some(Hit {
            risk_event_type: "mfaFatigue",
            level: RiskLevel::Medium,
            detail: format!(
                "~{denials:.0} MFA prompts denied or unanswered within {:.0} min",
                cfg.window_minutes
            ),
        });
    }
    None
}

/// legacyAuthentication: a legacy protocol the user does not normally use.
pub fn legacy_authentication(c: &Ctx) -> Option<Hit> {
    let cfg = &c.cfg.legacy_authentication;
    if !cfg.enabled || !c.f.legacy || !c.validated() {
        return None;
    }
    let term = c.score.term(Feature::ClientApp);
    let share = if term.user_total > 0.0 {
        term.user_count / term.user_total
    } else {
        0.0
    };
    let learning = c
        .profile
        .learning(c.t, c.cfg.learning_min_signins, c.cfg.learning_min_days);
    if share >= cfg.max_user_share && !learning {
        return None;
    }
    let what = if c.s.client_app_used.is_empty() {
        c.s.user_agent.as_str()
    } else {
        c.s.client_app_used.as_str()
    };
    Some(Hit {
        risk_event_type: "legacyAuthentication",
        // While the user's habits are still being learned, legacy use is noted, not alarmed.
        level: if c.success() && !learning {
            RiskLevel::Medium
        } else {
            RiskLevel::Low
        },
        detail: format!(
            "legacy authentication ({what}, protocol {}) validated the password; {:.0}% of this user's sign-ins use it",
            if c.s.authentication_protocol.is_empty() { "n/a" } else { c.s.authentication_protocol.as_str() },
            share * 100.0
        ),
    })
}

/// atypicalTime: an hour of the week the user almost never signs in at.
pub fn atypical_time(c: &Ctx) -> Option<Hit> {
    let cfg = &c.cfg.atypical_time;
    let interactive = c.s.category == crate::model::SignInCategory::Interactive;
    if !cfg.enabled || !c.success() || c.profile.successes < cfg.min_signins || !interactive {
        return None;
    }
    let share = c.profile.hour_share(c.f.hour_of_week);
    if share * 168.0 >= cfg.max_share_of_uniform {
        return None;
    }
    Some(Hit {
        risk_event_type: "atypicalTime",
        level: RiskLevel::Low,
        detail: format!(
            "{} UTC is an hour this user almost never signs in at ({:.2}% of their sign-ins)",
            c.s.time.format("%a %H:00"),
            share * 100.0
        ),
    })
}

/// newApplication: an app new to the user and not rolled out tenant-wide.
pub fn new_application(c: &Ctx) -> Option<Hit> {
    let cfg = &c.cfg.new_application;
    let key = c.f.get(Feature::App);
    if !cfg.enabled
        || !c.success()
        || key == 0
        || c.profile
            .learning(c.t, c.cfg.learning_min_signins, c.cfg.learning_min_days)
    {
        return None;
    }
    let term = c.score.term(Feature::App);
    if term.user_count > 0.0 {
        return None;
    }
    let users = term.tenant_users;
    if users >= cfg.max_tenant_users {
        return None;
    }
    Some(Hit {
        risk_event_type: "newApplication",
        level: RiskLevel::Low,
        detail: format!(
            "first use of {} by this user; {users:.0} users of the tenant use it",
            display_value(c.s, Feature::App)
        ),
    })
}

/// sessionAnomaly: one session id used from a network the user has never used, far from
/// where the session started, sooner than anyone could travel (token theft / replay).
/// `prev` is the session's origin with the time it was last used near there. When the
/// origin is a shared network (VPN egress) its geo-IP says nothing, so only the network
/// change is judged.
pub fn session_anomaly(c: &Ctx, prev: Option<SessionSeen>) -> Option<Hit> {
    let cfg = &c.cfg.session_anomaly;
    let prev = prev?;
    if !cfg.enabled || !c.validated() || c.location_suppressed || c.location_shared() {
        return None;
    }
    let asn = c.s.asn.unwrap_or(0);
    if asn == 0 || asn == prev.asn {
        return None;
    }
    if c.score.term(Feature::Asn).user_count > 0.0 {
        return None;
    }
    let here = c.s.location.coordinates()?;
    let country = country_bytes(&c.s.location.country);
    let d = distance_km((prev.lat as f64, prev.lon as f64), here);
    let hours = ((c.t - prev.time).max(60) as f64) / 3600.0;
    let speed = d / hours;
    let moved = d >= cfg.min_distance_km || (country != prev.country && prev.country != [0, 0]);
    if !moved || (!prev.shared && speed < cfg.min_speed_kmh) {
        return None;
    }
    Some(Hit {
        risk_event_type: "sessionAnomaly",
        level: if c.familiar_device { RiskLevel::Low } else { RiskLevel::High },
        detail: format!(
            "session {} started from {} (AS{}{}) is used {:.1} h later from {} (AS{asn}, new for this user), {d:.0} km away",
            c.s.session_id,
            String::from_utf8_lossy(&prev.country),
            prev.asn,
            if prev.shared { ", a shared network" } else { "" },
            hours,
            c.place()
        ),
    })
}

/// anonymizedIPAddress / maliciousIPAddress from operator-supplied lists.
pub fn ip_lists(c: &Ctx) -> Vec<Hit> {
    let lists = &c.cfg.lists;
    let ip = c.s.ip_address;
    let asn = c.s.asn;
    let in_list = |cidrs: &[ipnet::IpNet], asns: &[u32]| {
        ip.is_some_and(|ip| cidrs.iter().any(|n| n.contains(&ip)))
            || asn.is_some_and(|a| asns.contains(&a))
    };
    let mut hits = Vec::new();
    if lists.malicious_cidrs.is_empty()
        && lists.malicious_asns.is_empty()
        && lists.anonymizer_cidrs.is_empty()
        && lists.anonymizer_asns.is_empty()
    {
        return hits;
    }
    let what = format!(
        "{} (AS{})",
        ip.map(|i| i.to_string()).unwrap_or_default(),
        asn.unwrap_or(0)
    );

    if in_list(&lists.malicious_cidrs, &lists.malicious_asns) {
        hits.push(Hit {
            risk_event_type: "maliciousIPAddress",
            level: if c.success() {
                RiskLevel::High
            } else if c.validated() {
                RiskLevel::Medium
            } else {
                RiskLevel::Low
            },
            detail: format!("{what} is on the malicious IP list"),
        });
    }
    if in_list(&lists.anonymizer_cidrs, &lists.anonymizer_asns) {
        hits.push(Hit {
            risk_event_type: "anonymizedIPAddress",
            level: if c.success() {
                RiskLevel::Medium
            } else {
                RiskLevel::Low
            },
            detail: format!(
                "{what} is an anonymizer (Tor, anonymous VPN or proxy) on the operator's list"
            ),
        });
    }
    hits
}

/// Microsoft's own verdict when the log carries one (P2 tenants).
pub fn microsoft_risk(c: &Ctx) -> Vec<Hit> {
    if !c.cfg.microsoft_risk.enabled {
        return Vec::new();
    }
    let r = &c.s.microsoft_risk;
    if ["remediated", "dismissed", "confirmedSafe"]
        .iter()
        .any(|x| r.state.eq_ignore_ascii_case(x))
    {
        return Vec::new();
    }
    let level = RiskLevel::from_graph(&r.level_during_sign_in)
        .max(RiskLevel::from_graph(&r.level_aggregated));
    if level == RiskLevel::None {
        return Vec::new();
    }
    let detail = format!(
        "reported by Microsoft Entra ID Protection (riskLevelDuringSignIn {}, riskState {})",
        r.level_during_sign_in, r.state
    );
    if r.event_types.is_empty() {
        return vec![Hit {
            risk_event_type: "generic",
            level,
            detail,
        }];
    }
    r.event_types
        .iter()
        .map(|t| Hit {
            risk_event_type: intern_event_type(t),
            level,
            detail: detail.clone(),
        })
        .collect()
}

/// Graph riskEventType names as static strings (unknown names become `generic`).
fn intern_event_type(t: &str) -> &'static str {
    const KNOWN: [&str; 24] = [
        "unfamiliarFeatures",
        "anonymizedIPAddress",
        "nationStateIP",
        "anomalousToken",
        "passwordSpray",
        "investigationsThreatIntelligence",
        "generic",
        "unlikelyTravel",
        "mcasImpossibleTravel",
        "maliciousIPAddress",
        "riskyIPAddress",
        "newCountry",
        "suspiciousBrowser",
        "suspiciousInboxForwarding",
        "mcasSuspiciousInboxManipulationRules",
        "tokenIssuerAnomaly",
        "leakedCredentials",
        "attackerinTheMiddle",
        "attemptedPrtAccess",
        "suspiciousAPITraffic",
        "suspiciousSendingPatterns",
        "userReportedSuspiciousActivity",
        "impossibleTravel",
        "malwareInfectedIPAddress",
    ];
    KNOWN
        .iter()
        .find(|k| k.eq_ignore_ascii_case(t))
        .copied()
        .unwrap_or("generic")
}

/// Two-letter country code as bytes ([0, 0] when missing).
pub fn country_bytes(c: &str) -> [u8; 2] {
    let b = c.as_bytes();
    if b.len() >= 2 {
        [b[0], b[1]]
    } else {
        [0, 0]
    }
}
