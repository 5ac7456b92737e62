//! The engine: routes each event through scoring, the named detections and user risk, then
//! teaches the baseline. Holds all detection state (per-user profiles, tenant statistics).

use rustc_hash::{FxHashMap, FxHashSet};

use super::audit::{self, AuditEffect};
use super::config::DetectConfig;
use super::detectors::{self, country_bytes, Ctx, Hit};
use super::features::{display_value, hash_str, Feature, Features, FEATURES};
use super::profile::{FailClass, LastSuccess, SessionSeen};
use super::score::{score, Score, Suppressions};
use super::tenant::TenantStats;
use super::users::UserTable;
use crate::model::risk::is_flagged;
use crate::model::risk::{DetectionEvidence, FeatureTerm};
use crate::model::{
    AuditEvent, ErrorClass, Event, RiskLevel, RiskState, RiskySignIn, RiskyUser, SignIn,
};

/// What one event produced.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Output {
    pub risky_sign_in: Option<RiskySignIn>,
    /// Users whose risk level or state changed: the event's user, and users whose risk
    /// aged out in a sweep this event's time started (see [`Engine::process`]).
    pub user_updates: Vec<RiskyUser>,
    /// The level a user was raised to by this event (newly flagged, or flagged higher):
    /// what "a user reached high risk" alerts count.
    pub raised_to: Option<RiskLevel>,
}

/// The detection engine. Feed it events in event-time order.
#[derive(Debug)]
pub struct Engine {
    cfg: DetectConfig,
    half_life: f64,
    users: UserTable,
    tenant: TenantStats,
    excluded: FxHashSet<u64>,
    travellers: FxHashSet<u64>,
    exclusions: FxHashMap<u64, Vec<String>>,
    /// Users currently flagged, by level (low, medium, high), kept up to date on every
    /// risk change so reading it costs nothing however many users there are.
    flagged: [usize; 3],
    /// Who each flagged user is, so the aging sweep can report users who no longer sign
    /// in. Only flagged users are here: a few names, not one per profile.
    flagged_users: FxHashMap<u64, Identity>,
    /// Event time (seconds) at which the next aging sweep runs; 0 before the first event.
    next_sweep: i64,
}

/// How often, in event time, flagged users' risk is aged without a sign-in of theirs.
pub const AGING_SWEEP_SECS: i64 = 3600;

/// The names a riskyUser record carries.
#[derive(Debug, Clone)]
struct Identity {
    id: String,
    upn: String,
    name: String,
}

impl Identity {
    fn of(u: &RiskyUser) -> Identity {
        Identity {
            id: u.id.clone(),
            upn: u.user_principal_name.clone(),
            name: u.user_display_name.clone(),
        }
    }
}

/// Stable 64-bit key of a user id or UPN (ASCII case-insensitive; UPNs are lower-cased by
/// the decoders).
pub fn user_hash(key: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    let mut buf = [0u8; 64];
    for chunk in key.as_bytes().chunks(64) {
        let b = &mut buf[..chunk.len()];
        b.copy_from_slice(chunk);
        b.make_ascii_lowercase();
        h.write(b);
    }
    h.finish()
}

const RISKY_SIGNIN_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x5d1c_6a1e_2f0b_4c55_9a4e_7b3d_11c0_ffee);

impl Engine {
    pub fn new(cfg: DetectConfig) -> Engine {
        let half_life = cfg.baseline_half_life_days * 86_400.0;
        let s = &cfg.suppression;
        let hashes = |v: &[String]| v.iter().map(|u| user_hash(u)).collect::<FxHashSet<u64>>();
        let excluded = hashes(&s.excluded_users);
        let travellers = hashes(&s.known_travellers);
        let exclusions = s
            .user_detection_exclusions
            .iter()
            .map(|(u, d)| (user_hash(u), d.clone()))
            .collect();
        Engine {
            half_life,
            tenant: TenantStats::new(half_life),
            users: UserTable::default(),
            excluded,
            travellers,
            exclusions,
            flagged: [0; 3],
            flagged_users: FxHashMap::default(),
            next_sweep: 0,
            cfg,
        }
    }

    /// Number of users with a profile.
    pub fn users_tracked(&self) -> usize {
        self.users.len()
    }

    /// Users currently flagged, by level (low, medium, high).
    pub fn flagged_counts(&self) -> [usize; 3] {
        self.flagged
    }

    /// Scores one event (in event-time order) and updates state.
    ///
    /// Risk fades with time (`user_risk.half_life_days`). A user's own sign-in ages their
    /// risk; so that users who never sign in again do not stay flagged for ever (in the
    /// flagged-user gauges alerts key on, and in the risky-users topic), the first event
    /// of every [`AGING_SWEEP_SECS`] of event time also ages every flagged user to its
    /// time and reports those whose level or state changed. Event time drives it, not the
    /// wall clock, so `riskd run` and `riskd replay` age users at the same events.
    pub fn process(&mut self, event: &Event) -> Output {
        let time = event.time();
        let t = time.timestamp();
        let mut aged = Vec::new();
        if t >= self.next_sweep {
            if self.next_sweep != 0 {
                aged = self.sweep(t, time);
            }
            self.next_sweep = (t.div_euclid(AGING_SWEEP_SECS) + 1) * AGING_SWEEP_SECS;
        }
        let mut out = match event {
            Event::SignIn(s) => self.sign_in(s),
            Event::Audit(a) => self.audit(a),
        };
        if !aged.is_empty() {
            aged.append(&mut out.user_updates);
            out.user_updates = aged;
        }
        out
    }

    /// Ages every flagged user to `t`; returns the records of those whose level or state
    /// changed, in user-key order (deterministic whatever the map's history).
    fn sweep(&mut self, t: i64, time: chrono::DateTime<chrono::Utc>) -> Vec<RiskyUser> {
        let mut keys: Vec<u64> = self.flagged_users.keys().copied().collect();
        keys.sort_unstable();
        let mut out = Vec::new();
        for key in keys {
            let Some(p) = self.users.get_mut(key) else {
                continue;
            };
            let before = (p.risk.level, p.risk.state);
            if !p.risk.age(t, &self.cfg.user_risk) {
                continue;
            }
            let after = (p.risk.level, p.risk.state);
            if let Some(who) = self.flagged_users.get(&key) {
                out.push(risky_user(&p.risk, &who.id, &who.upn, &who.name, time));
            }
            self.track(key, before, after, None);
        }
        out
    }

    /// Counts a user's risk change (see [`count_flagged`]) and keeps `flagged_users` to
    /// the users flagged now: `who` (the names of the event's record) replaces what is
    /// stored; `None` (an aging sweep) keeps it.
    fn track(
        &mut self,
        key: u64,
        before: (RiskLevel, RiskState),
        after: (RiskLevel, RiskState),
        who: Option<Identity>,
    ) -> Option<RiskLevel> {
        if !is_flagged(after.0, after.1) {
            self.flagged_users.remove(&key);
        } else if let Some(who) = who {
            self.flagged_users.insert(key, who);
        }
        count_flagged(&mut self.flagged, before, after)
    }

    fn is_in(set: &FxHashSet<u64>, s: &SignIn) -> bool {
        !set.is_empty()
            && ((!s.user_id.is_empty() && set.contains(&user_hash(&s.user_id)))
                || (!s.user_principal_name.is_empty()
                    && set.contains(&user_hash(&s.user_principal_name))))
    }

    fn location_suppressed(&self, s: &SignIn) -> bool {
        let sup = &self.cfg.suppression;
        s.ip_address
            .is_some_and(|ip| sup.trusted_cidrs.iter().any(|n| n.contains(&ip)))
            || s.asn
                .is_some_and(|a| sup.vpn_asns.contains(&a) || sup.carrier_asns.contains(&a))
    }

    fn excluded_detections(&self, s: &SignIn) -> Option<&Vec<String>> {
        if self.exclusions.is_empty() {
            return None;
        }
        self.exclusions
            .get(&user_hash(&s.user_id))
            .or_else(|| self.exclusions.get(&user_hash(&s.user_principal_name)))
    }

    fn sign_in(&mut self, s: &SignIn) -> Output {
        let t = s.time.timestamp();
        let class = ErrorClass::classify(s.status.error_code, &s.status.additional_details);
        let key = user_hash(s.user_key());
        self.users.prefetch(key);
        let features = Features::of(s);
        let location_suppressed = self.location_suppressed(s);
        let traveller = Self::is_in(&self.travellers, s);
        let excluded = Self::is_in(&self.excluded, s);
        let bf = &self.cfg.brute_force;
        let mf = &self.cfg.mfa_fatigue;
        let windows = [bf.window_minutes * 60.0, mf.window_minutes * 60.0];
        let rearm = [bf.min_failures / 2.0, mf.min_denials / 2.0];

        let profile = self.users.get_or_insert(key, t);
        let fail_class = match class {
            ErrorClass::BadCredential | ErrorClass::Lockout => Some(FailClass::Credential),
            ErrorClass::MfaDenied => Some(FailClass::MfaDenied),
            _ => None,
        };
        profile.add_failure(t, fail_class, windows, self.half_life);
        if let Some(c) = fail_class {
            profile.failures.source[c as usize] = features.get(Feature::Asn);
        }
        for i in 0..2 {
            let f = &mut profile.failures;
            // A burst has ended once its count has decayed and the escalation window passed.
            if f.alerted_at[i] != 0
                && (f.short[i] as f64) < rearm[i]
                && (t - f.alerted_at[i]) as f64 > 3.0 * windows[i]
            {
                f.alerted_at[i] = 0;
            }
        }
        let suppress = Suppressions {
            location: location_suppressed,
        };
        let sc = score(
            profile,
            &self.tenant,
            &features,
            t,
            &self.cfg,
            self.half_life,
            suppress,
        );
        let min_shared = self.cfg.suppression.shared_location_min_users;
        let location_shared = location_suppressed
            || [Feature::Ip, Feature::Prefix, Feature::Asn]
                .iter()
                .any(|f| sc.term(*f).tenant_users >= min_shared);
        let session = SessionSeen {
            id: if s.session_id.is_empty() {
                0
            } else {
                hash_str(&s.session_id)
            },
            asn: s.asn.unwrap_or(0),
            lat: s.location.latitude.unwrap_or(0.0) as f32,
            lon: s.location.longitude.unwrap_or(0.0) as f32,
            country: country_bytes(&s.location.country),
            time: t,
            shared: location_shared,
        };
        let prev_session = if class.credential_validated() {
            let sa = &self.cfg.session_anomaly;
            profile.see_session(session, sa.window_hours * 3600.0, sa.min_distance_km)
        } else {
            None
        };
        let familiar_device = !s.device.id.is_empty() && sc.term(Feature::Device).user_count > 0.0;

        let ctx = Ctx {
            s,
            f: &features,
            t,
            class,
            profile,
            score: &sc,
            cfg: &self.cfg,
            half_life: self.half_life,
            location_suppressed,
            traveller,
            familiar_device,
        };
        let mut hits: Vec<Hit> = Vec::new();
        hits.extend(detectors::unfamiliar_features(&ctx));
        hits.extend(detectors::new_country(&ctx));
        hits.extend(detectors::unlikely_travel(&ctx));
        hits.extend(detectors::brute_force(&ctx));
        hits.extend(detectors::mfa_fatigue(&ctx));
        hits.extend(detectors::legacy_authentication(&ctx));
        hits.extend(detectors::atypical_time(&ctx));
        hits.extend(detectors::new_application(&ctx));
        hits.extend(detectors::session_anomaly(&ctx, prev_session));
        hits.extend(detectors::ip_lists(&ctx));
        hits.extend(detectors::microsoft_risk(&ctx));
        if excluded {
            hits.clear();
        } else if let Some(ex) = self.excluded_detections(s) {
            hits.retain(|h| !ex.iter().any(|e| e == h.risk_event_type));
        }
        hits.sort_by(|a, b| {
            b.level
                .cmp(&a.level)
                .then(a.risk_event_type.cmp(b.risk_event_type))
        });
        hits.dedup_by(|a, b| a.risk_event_type == b.risk_event_type);

        // Report a novelty once: drop a detection that fired for the same value recently.
        let profile = self.users.get_mut(key).expect("profile inserted above");
        let repeat = self.cfg.repeat_suppression_hours * 3600.0;
        hits.retain(|h| match repeat_key(h.risk_event_type, s, &features) {
            Some((kind, value)) => !profile.alerted_recently(kind, value, t, repeat),
            None => true,
        });
        for h in &hits {
            if let Some((kind, value)) = repeat_key(h.risk_event_type, s, &features) {
                profile.remember_alert(kind, value, t);
            }
        }
        let level = combined_level(&hits);

        // Bookkeeping on the profile now that detection is done.
        for h in &hits {
            let i = match h.risk_event_type {
                "bruteForce" => FailClass::Credential as usize,
                "mfaFatigue" => FailClass::MfaDenied as usize,
                _ => continue,
            };
            profile.failures.alerted_at[i] = if h.level == RiskLevel::High { 0 } else { t };
        }
        if class == ErrorClass::Success && level < RiskLevel::Medium {
            let new = profile.learn(t, self.half_life, &features);
            self.tenant
                .learn(t, &features.values, &new, features.hour_of_week);
            if let Some((lat, lon)) = s.location.coordinates() {
                profile.last_success = Some(LastSuccess {
                    time: t,
                    lat: lat as f32,
                    lon: lon as f32,
                    country: country_bytes(&s.location.country),
                    interactive: s.category == crate::model::SignInCategory::Interactive,
                    suppressed: location_shared,
                });
            }
        }
        if level > RiskLevel::None {
            profile.risk.last_risky = t;
        }
        let kinds: Vec<(&'static str, RiskLevel)> =
            hits.iter().map(|h| (h.risk_event_type, h.level)).collect();
        let before = (profile.risk.level, profile.risk.state);
        let changed = profile
            .risk
            .add(t, s.time, &kinds, &s.request_id, &self.cfg.user_risk);
        let after = (profile.risk.level, profile.risk.state);
        let update = changed.then(|| {
            risky_user(
                &profile.risk,
                s.user_key(),
                &s.user_principal_name,
                &s.user_display_name,
                s.time,
            )
        });
        let mut out = Output::default();
        if let Some(u) = update {
            out.raised_to = self.track(key, before, after, Some(Identity::of(&u)));
            out.user_updates.push(u);
        }
        if level > RiskLevel::None {
            out.risky_sign_in = Some(risky_sign_in(s, level, &hits, &sc, class));
        }
        out
    }

    fn audit(&mut self, a: &AuditEvent) -> Output {
        let effect = audit::effect(a);
        let Some(subject) = audit::subject(a, effect) else {
            return Output::default();
        };
        if effect == AuditEffect::None || self.excluded.contains(&user_hash(subject)) {
            return Output::default();
        }
        let t = a.time.timestamp();
        let key = user_hash(subject);
        let cfg = &self.cfg;
        let (upn, name) = audit_names(a, effect);
        let before = self
            .users
            .get(key)
            .map_or((RiskLevel::None, RiskState::None), |p| {
                (p.risk.level, p.risk.state)
            });
        let changed = match effect {
            AuditEffect::SetState(state, detail) => {
                let profile = self.users.get_or_insert(key, t);
                profile.risk.set_state(t, state, detail)
            }
            AuditEffect::HighRiskChange => {
                let Some(profile) = self.users.get_mut(key) else {
                    return Output::default();
                };
                let recent = profile.risk.last_risky != 0
                    && ((t - profile.risk.last_risky) as f64)
                        <= cfg.audit_correlation.window_hours * 3600.0;
                if !cfg.audit_correlation.enabled || !recent {
                    return Output::default();
                }
                profile.risk.add(
                    t,
                    a.time,
                    &[("riskyDirectoryChange", RiskLevel::High)],
                    &a.id,
                    &cfg.user_risk,
                )
            }
            AuditEffect::None => false,
        };
        let mut out = Output::default();
        if changed {
            if let Some(p) = self.users.get(key) {
                let after = (p.risk.level, p.risk.state);
                let u = risky_user(&p.risk, subject, &upn, &name, a.time);
                out.raised_to = self.track(key, before, after, Some(Identity::of(&u)));
                out.user_updates.push(u);
            }
        }
        out
    }
}

/// Moves one user between the flagged counts when their risk changes; returns the level
/// they were raised to, if the change newly flags them or flags them higher.
fn count_flagged(
    flagged: &mut [usize; 3],
    before: (RiskLevel, RiskState),
    after: (RiskLevel, RiskState),
) -> Option<RiskLevel> {
    if before == after {
        return None;
    }
    let was = is_flagged(before.0, before.1);
    let is = is_flagged(after.0, after.1);
    if was {
        flagged[before.0 as usize - 1] -= 1;
    }
    if is {
        flagged[after.0 as usize - 1] += 1;
    }
    (is && (!was || after.0 > before.0)).then_some(after.0)
}

/// The (kind, value) under which a detection is reported once per
/// `repeat_suppression_hours`; burst detectors (bruteForce, mfaFatigue) re-arm by
/// themselves and are not listed.
fn repeat_key(kind: &str, s: &SignIn, f: &Features) -> Option<(u8, u32)> {
    Some(match kind {
        "newCountry" => (1, f.get(Feature::Country)),
        "unlikelyTravel" => (2, f.get(Feature::City) ^ f.get(Feature::Country)),
        "unfamiliarFeatures" => (
            3,
            f.get(Feature::Asn) ^ f.get(Feature::UserAgent).rotate_left(7),
        ),
        "sessionAnomaly" => (4, hash_str(&s.session_id) ^ f.get(Feature::Asn)),
        "legacyAuthentication" => (5, f.get(Feature::ClientApp) ^ f.get(Feature::Asn)),
        "atypicalTime" => (6, f.hour_of_week as u32),
        "newApplication" => (7, f.get(Feature::App)),
        "anonymizedIPAddress" => (8, f.get(Feature::Prefix)),
        "maliciousIPAddress" => (9, f.get(Feature::Prefix)),
        _ => return None,
    })
}

fn audit_names(a: &AuditEvent, effect: AuditEffect) -> (String, String) {
    if effect != AuditEffect::HighRiskChange {
        if let Some(t) = a
            .target_resources
            .iter()
            .find(|t| t.kind.eq_ignore_ascii_case("user"))
        {
            return (t.user_principal_name.clone(), t.display_name.clone());
        }
    }
    (
        a.initiated_by.user_principal_name.clone(),
        a.initiated_by.user_display_name.clone(),
    )
}

/// The sign-in's level: the strongest detection, raised to high when two different
/// detections agree at medium or above.
fn combined_level(hits: &[Hit]) -> RiskLevel {
    let max = hits
        .iter()
        .map(|h| h.level)
        .max()
        .unwrap_or(RiskLevel::None);
    let strong = hits.iter().filter(|h| h.level >= RiskLevel::Medium).count();
    if strong >= 2 {
        RiskLevel::High
    } else {
        max
    }
}

fn risky_user(
    r: &super::profile::UserRisk,
    id: &str,
    upn: &str,
    name: &str,
    time: chrono::DateTime<chrono::Utc>,
) -> RiskyUser {
    RiskyUser {
        id: id.to_owned(),
        user_principal_name: upn.to_owned(),
        user_display_name: name.to_owned(),
        risk_level: r.level,
        risk_state: r.state,
        risk_detail: r.detail.to_owned(),
        risk_last_updated_date_time: time,
        is_deleted: false,
        is_processing: false,
        score: (r.points as f64 * 100.0).round() / 100.0,
        detections: r.detections.clone(),
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn explanation(s: &SignIn, sc: &Score) -> Vec<FeatureTerm> {
    let mut terms: Vec<FeatureTerm> = FEATURES
        .iter()
        .zip(sc.terms.iter())
        .filter(|(_, t)| t.contribution != 0.0)
        .map(|(f, t)| FeatureTerm {
            feature: f.name().to_owned(),
            value: display_value(s, *f),
            user_count: round4(t.user_count),
            user_total: round4(t.user_total),
            tenant_share: round4(t.tenant_share),
            contribution: round4(t.contribution),
        })
        .collect();
    if sc.hour.contribution != 0.0 {
        terms.push(FeatureTerm {
            feature: "hourOfWeek".into(),
            value: s.time.format("%a %H:00 UTC").to_string(),
            user_count: round4(sc.hour.user_count),
            user_total: round4(sc.hour.user_total),
            tenant_share: round4(sc.hour.tenant_share),
            contribution: round4(sc.hour.contribution),
        });
    }
    terms.sort_by(|a, b| {
        b.contribution
            .total_cmp(&a.contribution)
            .then(a.feature.cmp(&b.feature))
    });
    terms
}

fn risky_sign_in(
    s: &SignIn,
    level: RiskLevel,
    hits: &[Hit],
    sc: &Score,
    class: ErrorClass,
) -> RiskySignIn {
    let id = uuid::Uuid::new_v5(
        &RISKY_SIGNIN_NAMESPACE,
        format!("{}|{}", s.request_id, s.user_key()).as_bytes(),
    );
    RiskySignIn {
        id: id.to_string(),
        request_id: s.request_id.clone(),
        correlation_id: s.correlation_id.clone(),
        user_id: s.user_key().to_owned(),
        user_principal_name: s.user_principal_name.clone(),
        user_display_name: s.user_display_name.clone(),
        activity_date_time: s.time,
        detected_date_time: s.time,
        detection_timing_type: "realtime".into(),
        activity: "signin".into(),
        source: "riskd".into(),
        risk_level: level,
        risk_state: RiskState::AtRisk,
        risk_event_types: hits.iter().map(|h| h.risk_event_type.to_owned()).collect(),
        ip_address: s.ip_address.map(|i| i.to_string()).unwrap_or_default(),
        location: s.location.clone(),
        app_display_name: s.app_display_name.clone(),
        sign_in_category: s.category.as_str().to_owned(),
        error_code: s.status.error_code,
        error_class: class.as_str().to_owned(),
        score: round4(sc.total),
        learning: sc.learning,
        explanation: explanation(s, sc),
        detections: hits
            .iter()
            .map(|h| DetectionEvidence {
                risk_event_type: h.risk_event_type.to_owned(),
                risk_level: h.level,
                detail: h.detail.clone(),
            })
            .collect(),
    }
}
