//! Detection engine tests: each named detection fires when it should and stays quiet when
//! it should, the explanation adds up, user risk follows Graph's states, and output is
//! deterministic however the input is split.

use chrono::{DateTime, Duration, TimeZone, Utc};
use riskd::config::Config;
use riskd::detect::{DetectConfig, Engine};
use riskd::model::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

/// A sign-in builder with a normal user at home in Seattle.
#[derive(Clone)]
struct B(SignIn);

impl B {
    fn new(user: &str, time: DateTime<Utc>) -> B {
        B(SignIn {
            request_id: format!("{user}-{}", time.timestamp()),
            correlation_id: String::new(),
            session_id: String::new(),
            original_request_id: String::new(),
            time,
            tenant_id: "t".into(),
            user_id: user.into(),
            user_principal_name: format!("{user}@contoso.com"),
            user_display_name: user.into(),
            user_type: "member".into(),
            category: SignInCategory::Interactive,
            app_id: "00000002-0000-0ff1-ce00-000000000000".into(),
            app_display_name: "Office 365 Exchange Online".into(),
            resource_id: String::new(),
            resource_display_name: String::new(),
            ip_address: Some("73.97.10.20".parse().unwrap()),
            asn: Some(7922),
            location: Location {
                city: "Seattle".into(),
                state: "Washington".into(),
                country: "US".into(),
                latitude: Some(47.61),
                longitude: Some(-122.33),
            },
            device: Device {
                id: String::new(),
                operating_system: "Windows 10".into(),
                browser: "Edge 120.0.0".into(),
                is_compliant: None,
                is_managed: None,
                trust_type: String::new(),
            },
            user_agent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edg/120.0".into(),
            client_app_used: "Browser".into(),
            authentication_protocol: "none".into(),
            incoming_token_type: "none".into(),
            authentication_requirement: "multiFactorAuthentication".into(),
            authentication_details: Vec::new(),
            status: Status::default(),
            conditional_access_status: "success".into(),
            microsoft_risk: MicrosoftRisk::default(),
        })
    }
    fn id(mut self, id: &str) -> B {
        self.0.request_id = id.into();
        self
    }
    fn net(mut self, ip: &str, asn: u32, city: &str, country: &str, lat: f64, lon: f64) -> B {
        self.0.ip_address = Some(ip.parse().unwrap());
        self.0.asn = Some(asn);
        self.0.location = Location {
            city: city.into(),
            state: String::new(),
            country: country.into(),
            latitude: Some(lat),
            longitude: Some(lon),
        };
        self
    }
    fn attacker_client(mut self) -> B {
        self.0.user_agent = "python-requests/2.31.0".into();
        self.0.device.browser = "python-requests 2.31".into();
        self.0.device.operating_system = "Linux".into();
        self
    }
    fn code(mut self, code: i64, details: &str) -> B {
        self.0.status.error_code = code;
        self.0.status.additional_details = details.into();
        self
    }
    fn device(mut self, id: &str) -> B {
        self.0.device.id = id.into();
        self
    }
    fn session(mut self, s: &str) -> B {
        self.0.session_id = s.into();
        self
    }
    fn non_interactive(mut self) -> B {
        self.0.category = SignInCategory::NonInteractive;
        self
    }
    fn event(self) -> Event {
        Event::SignIn(Box::new(self.0))
    }
}

/// 40 ordinary workday sign-ins from home, one every ~5 hours of working time over 10 days.
fn history(engine: &mut Engine, user: &str) -> DateTime<Utc> {
    let mut t = t0();
    for day in 0..10 {
        for h in [0, 2, 4, 6] {
            t = t0() + Duration::days(day) + Duration::hours(h);
            engine.process(&B::new(user, t).event());
        }
    }
    t
}

/// Other users who share the tenant (so priors are not empty).
fn tenant(engine: &mut Engine, n: usize) {
    for i in 0..n {
        history(engine, &format!("colleague{i}"));
    }
}

/// `user`'s stolen credentials used from a Lagos hosting network with an attacker's client.
fn phished(user: &str, t: DateTime<Utc>) -> Event {
    B::new(user, t)
        .net("105.112.9.9", 36873, "Lagos", "NG", 6.5, 3.4)
        .attacker_client()
        .event()
}

fn types(r: &RiskySignIn) -> Vec<&str> {
    r.risk_event_types.iter().map(String::as_str).collect()
}

#[test]
fn habitual_sign_ins_are_not_risky() {
    let mut e = Engine::new(DetectConfig::default());
    tenant(&mut e, 3);
    let last = history(&mut e, "alice");
    let out = e.process(&B::new("alice", last + Duration::hours(20)).event());
    assert!(out.risky_sign_in.is_none(), "{:?}", out.risky_sign_in);
}

#[test]
fn unfamiliar_features_explains_itself() {
    let mut e = Engine::new(DetectConfig::default());
    tenant(&mut e, 3);
    let last = history(&mut e, "alice");
    let attack = B::new("alice", last + Duration::hours(20))
        .net("5.9.26.227", 24940, "Nuremberg", "US", 47.0, -120.0)
        .attacker_client();
    let r = e.process(&attack.event()).risky_sign_in.expect("flagged");
    assert!(types(&r).contains(&"unfamiliarFeatures"));
    let th = DetectConfig::default().score;
    let expected = if r.score >= th.high {
        RiskLevel::High
    } else if r.score >= th.medium {
        RiskLevel::Medium
    } else {
        RiskLevel::Low
    };
    assert!(r.score >= th.low, "score {}", r.score);
    assert_eq!(r.risk_level, expected, "level follows the score thresholds");
    assert!(!r.learning);
    let sum: f64 = r.explanation.iter().map(|t| t.contribution).sum();
    assert!(
        (sum - r.score).abs() < 0.01,
        "explanation sums to the score: {sum} vs {}",
        r.score
    );
    assert!(r.explanation[0].contribution >= r.explanation[r.explanation.len() - 1].contribution);
    let ua = r
        .explanation
        .iter()
        .find(|t| t.feature == "userAgent")
        .unwrap();
    assert_eq!(ua.value, "python-requests/2.31.0");
    assert_eq!(ua.user_count, 0.0);
    assert!(ua.user_total > 30.0);
    assert!(ua.contribution > 0.0);
}

#[test]
fn learning_mode_scores_against_the_tenant_instead_of_passing() {
    let mut e = Engine::new(DetectConfig::default());
    tenant(&mut e, 20);
    // A brand-new user whose first sign-in comes from a network and tool no one uses.
    let s = B::new("newbie", t0() + Duration::days(11))
        .net("5.9.26.227", 24940, "Lagos", "NG", 6.5, 3.4)
        .attacker_client();
    let r = e
        .process(&s.event())
        .risky_sign_in
        .expect("scored, not passed");
    assert!(r.learning);
    assert!(r.score > 1.0, "{}", r.score);
    // ... while a new user at the tenant's usual place and client is not flagged.
    let ok = e.process(&B::new("newbie2", t0() + Duration::days(11)).event());
    assert!(
        ok.risky_sign_in.is_none(),
        "{:?}",
        ok.risky_sign_in.map(|r| r.score)
    );
}

#[test]
fn new_country_and_impossible_travel() {
    let mut e = Engine::new(DetectConfig::default());
    tenant(&mut e, 3);
    let last = history(&mut e, "alice");
    let s = B::new("alice", last + Duration::minutes(45)).net(
        "81.2.69.142",
        2856,
        "London",
        "GB",
        51.5,
        -0.12,
    );
    let r = e.process(&s.event()).risky_sign_in.expect("flagged");
    assert!(
        types(&r).contains(&"newCountry"),
        "{:?}",
        r.risk_event_types
    );
    assert!(
        types(&r).contains(&"unlikelyTravel"),
        "{:?}",
        r.risk_event_types
    );
    assert_eq!(r.risk_level, RiskLevel::High, "two medium detections agree");
    let travel = r
        .detections
        .iter()
        .find(|d| d.risk_event_type == "unlikelyTravel")
        .unwrap();
    assert!(travel.detail.contains("km/h"), "{}", travel.detail);
}

#[test]
fn known_travellers_and_familiar_devices_are_low() {
    let mut cfg = DetectConfig::default();
    cfg.suppression.known_travellers = vec!["alice@contoso.com".into()];
    let mut e = Engine::new(cfg);
    tenant(&mut e, 3);
    let last = history(&mut e, "alice");
    let s = B::new("alice", last + Duration::days(2)).net(
        "81.2.69.142",
        2856,
        "London",
        "GB",
        51.5,
        -0.12,
    );
    let r = e.process(&s.event()).risky_sign_in.expect("reported");
    let nc = r
        .detections
        .iter()
        .find(|d| d.risk_event_type == "newCountry")
        .unwrap();
    assert_eq!(nc.risk_level, RiskLevel::Low);

    // Bob's registered laptop goes abroad with him.
    let mut e = Engine::new(DetectConfig::default());
    tenant(&mut e, 3);
    let mut t = t0();
    for day in 0..10 {
        for h in [0, 3, 6] {
            t = t0() + Duration::days(day) + Duration::hours(h);
            e.process(&B::new("bob", t).device("laptop-1").event());
        }
    }
    let s = B::new("bob", t + Duration::days(2)).device("laptop-1").net(
        "81.2.69.142",
        2856,
        "London",
        "GB",
        51.5,
        -0.12,
    );
    let r = e.process(&s.event()).risky_sign_in.expect("reported");
    let nc = r
        .detections
        .iter()
        .find(|d| d.risk_event_type == "newCountry")
        .unwrap();
    assert_eq!(nc.risk_level, RiskLevel::Low);
}

#[test]
fn a_novelty_is_reported_once_not_on_every_repeat() {
    let mut e = Engine::new(DetectConfig::default());
    tenant(&mut e, 3);
    let last = history(&mut e, "alice");
    let abroad = |m: i64| {
        B::new("alice", last + Duration::days(2) + Duration::minutes(m)).net(
            "81.2.69.142",
            2856,
            "London",
            "GB",
            51.5,
            -0.12,
        )
    };
    let first = e
        .process(&abroad(0).event())
        .risky_sign_in
        .expect("first flagged");
    assert!(types(&first).contains(&"newCountry"));
    let second = e.process(&abroad(30).event()).risky_sign_in;
    assert!(
        second
            .as_ref()
            .is_none_or(|r| !types(r).contains(&"newCountry")),
        "{second:?}"
    );
}

#[test]
fn vpn_and_trusted_networks_do_not_travel() {
    let mut cfg = DetectConfig::default();
    cfg.suppression.vpn_asns = vec![62044];
    let mut e = Engine::new(cfg);
    tenant(&mut e, 3);
    let last = history(&mut e, "alice");
    let s = B::new("alice", last + Duration::minutes(30)).net(
        "165.225.72.10",
        62044,
        "Frankfurt am Main",
        "DE",
        50.1,
        8.7,
    );
    let out = e.process(&s.event());
    let r = out.risky_sign_in;
    assert!(
        r.as_ref().is_none_or(|r| !types(r)
            .iter()
            .any(|t| *t == "unlikelyTravel" || *t == "newCountry")),
        "{r:?}"
    );
}

#[test]
fn shared_office_networks_are_familiar_without_configuration() {
    let mut e = Engine::new(DetectConfig::default());
    // Twelve colleagues work from the office egress in Frankfurt.
    for i in 0..12 {
        for d in 0..10 {
            let s = B::new(
                &format!("c{i}"),
                t0() + Duration::days(d) + Duration::hours(i as i64 % 5),
            )
            .net("192.0.2.10", 3320, "Frankfurt am Main", "DE", 50.1, 8.7);
            e.process(&s.event());
        }
    }
    // A new hire's first sign-ins there are not anomalies.
    let s = B::new("newhire", t0() + Duration::days(11)).net(
        "192.0.2.10",
        3320,
        "Frankfurt am Main",
        "DE",
        50.1,
        8.7,
    );
    let out = e.process(&s.event());
    assert!(
        out.risky_sign_in.is_none(),
        "{:?}",
        out.risky_sign_in.map(|r| (r.score, r.explanation))
    );
}

#[test]
fn brute_force_then_success_escalates() {
    let mut e = Engine::new(DetectConfig::default());
    tenant(&mut e, 2);
    let last = history(&mut e, "alice");
    let start = last + Duration::hours(20);
    let attacker = |i: i64| {
        B::new("alice", start + Duration::seconds(20 * i))
            .id(&format!("bf{i}"))
            .net("5.9.1.1", 24940, "Moscow", "RU", 55.7, 37.6)
    };
    let mut first_alert = None;
    for i in 0..12 {
        let out = e.process(&attacker(i).code(50126, "").event());
        if let Some(r) = out.risky_sign_in {
            if types(&r).contains(&"bruteForce") && first_alert.is_none() {
                first_alert = Some((i, r.risk_level));
            }
        }
    }
    let (at, level) = first_alert.expect("burst detected");
    assert!(
        at >= 7,
        "fires once the burst is clear, not on the first typo (fired at {at})"
    );
    assert_eq!(level, RiskLevel::Medium);
    let ok = e
        .process(&attacker(13).event())
        .risky_sign_in
        .expect("success flagged");
    let bf = ok
        .detections
        .iter()
        .find(|d| d.risk_event_type == "bruteForce")
        .unwrap();
    assert_eq!(bf.risk_level, RiskLevel::High);
}

#[test]
fn typos_are_not_brute_force() {
    let mut e = Engine::new(DetectConfig::default());
    let last = history(&mut e, "alice");
    for i in 0..2 {
        let out = e.process(
            &B::new("alice", last + Duration::hours(20) + Duration::seconds(i))
                .code(50126, "")
                .event(),
        );
        assert!(out.risky_sign_in.is_none());
    }
}

#[test]
fn mfa_fatigue_then_approval_escalates() {
    let mut e = Engine::new(DetectConfig::default());
    tenant(&mut e, 2);
    let last = history(&mut e, "alice");
    let start = last + Duration::hours(20);
    let a = |i: i64| {
        B::new("alice", start + Duration::seconds(40 * i))
            .id(&format!("mfa{i}"))
            .net("105.112.1.1", 36873, "Lagos", "NG", 6.5, 3.4)
    };
    let mut levels = Vec::new();
    for i in 0..4 {
        let out = e.process(
            &a(i)
                .code(
                    500121,
                    "MFA denied; user did not respond to mobile app notification",
                )
                .event(),
        );
        levels.push(
            out.risky_sign_in
                .map(|r| (types(&r).contains(&"mfaFatigue"), r.risk_level)),
        );
    }
    // The first denial is flagged for where it comes from, not (yet) as fatigue.
    assert!(matches!(levels[0], Some((false, _))), "{levels:?}");
    assert!(
        levels
            .iter()
            .any(|l| matches!(l, Some((true, RiskLevel::Medium)))),
        "{levels:?}"
    );
    let ok = e
        .process(&a(5).code(0, "MFA successfully completed").event())
        .risky_sign_in
        .unwrap();
    let mf = ok
        .detections
        .iter()
        .find(|d| d.risk_event_type == "mfaFatigue")
        .unwrap();
    assert_eq!(mf.risk_level, RiskLevel::High);
}

#[test]
fn legacy_authentication_against_the_users_habits() {
    let mut e = Engine::new(DetectConfig::default());
    let last = history(&mut e, "alice");
    let mut imap = B::new("alice", last + Duration::hours(20));
    imap.0.client_app_used = "IMAP4".into();
    imap.0.user_agent = "BAV2ROPC".into();
    imap.0.authentication_protocol = "ropc".into();
    let r = e
        .process(&imap.clone().event())
        .risky_sign_in
        .expect("flagged");
    assert!(types(&r).contains(&"legacyAuthentication"));
    assert!(r.risk_level >= RiskLevel::Medium);

    // A user whose mail client has always used IMAP is not flagged for it.
    let mut e = Engine::new(DetectConfig::default());
    for d in 0..12 {
        let mut s = imap.clone();
        s.0.user_id = "carol".into();
        s.0.user_principal_name = "carol@contoso.com".into();
        s.0.time = t0() + Duration::days(d);
        s.0.request_id = format!("c{d}");
        let out = e.process(&s.event());
        if d >= 10 {
            let legacy = out
                .risky_sign_in
                .as_ref()
                .is_some_and(|r| types(r).contains(&"legacyAuthentication"));
            assert!(!legacy, "day {d}: {:?}", out.risky_sign_in);
        }
    }
}

#[test]
fn atypical_time_and_new_application_are_low() {
    let mut e = Engine::new(DetectConfig::default());
    tenant(&mut e, 2);
    let last = history(&mut e, "alice");
    // 03:00 in the night, a rarely used app.
    let night = t0() + Duration::days(12) - Duration::hours(6);
    let mut s = B::new("alice", night);
    s.0.app_id = "rare-app".into();
    s.0.app_display_name = "Rare App".into();
    let r = e.process(&s.event()).risky_sign_in.expect("reported");
    assert!(
        types(&r).contains(&"atypicalTime"),
        "{:?}",
        r.risk_event_types
    );
    assert!(
        types(&r).contains(&"newApplication"),
        "{:?}",
        r.risk_event_types
    );
    assert_eq!(r.risk_level, RiskLevel::Low);
    let _ = last;
}

#[test]
fn a_tenant_wide_rollout_is_not_a_new_application() {
    let mut e = Engine::new(DetectConfig::default());
    tenant(&mut e, 8);
    let last = history(&mut e, "alice");
    let rollout = |u: &str, t| {
        let mut s = B::new(u, t);
        s.0.app_id = "copilot".into();
        s
    };
    for i in 0..8 {
        e.process(&rollout(&format!("colleague{i}"), last + Duration::hours(1)).event());
    }
    let out = e.process(&rollout("alice", last + Duration::hours(2)).event());
    assert!(
        out.risky_sign_in
            .as_ref()
            .is_none_or(|r| !types(r).contains(&"newApplication")),
        "{:?}",
        out.risky_sign_in
    );
}

#[test]
fn a_stolen_session_used_from_afar_is_high() {
    let mut e = Engine::new(DetectConfig::default());
    tenant(&mut e, 2);
    let last = history(&mut e, "alice");
    let t = last + Duration::hours(20);
    e.process(&B::new("alice", t).session("sess-1").event());
    let replay = B::new("alice", t + Duration::minutes(25))
        .session("sess-1")
        .non_interactive()
        .net("105.112.9.9", 36873, "Lagos", "NG", 6.5, 3.4);
    let r = e.process(&replay.event()).risky_sign_in.expect("flagged");
    let sa = r
        .detections
        .iter()
        .find(|d| d.risk_event_type == "sessionAnomaly")
        .expect("sessionAnomaly");
    assert_eq!(sa.risk_level, RiskLevel::High);
    // The victim's own next use of the session at home is not flagged again.
    let home = e.process(
        &B::new("alice", t + Duration::minutes(40))
            .session("sess-1")
            .event(),
    );
    assert!(home
        .risky_sign_in
        .as_ref()
        .is_none_or(|r| !types(r).contains(&"sessionAnomaly")));
}

#[test]
fn operator_ip_lists_and_microsoft_risk() {
    let cfg: Config = Config::from_toml(
        "[detect.lists]\nanonymizer_cidrs = [\"185.220.100.0/22\"]\nmalicious_asns = [666]\n",
    )
    .unwrap();
    let mut e = Engine::new(cfg.detect);
    let last = history(&mut e, "alice");
    let tor = B::new("alice", last + Duration::hours(20)).net(
        "185.220.101.7",
        60729,
        "Amsterdam",
        "NL",
        52.3,
        4.9,
    );
    let r = e.process(&tor.event()).risky_sign_in.unwrap();
    assert!(types(&r).contains(&"anonymizedIPAddress"));
    let bad = B::new("alice", last + Duration::hours(21))
        .net("10.0.0.1", 666, "Seattle", "US", 47.61, -122.33);
    let r = e.process(&bad.event()).risky_sign_in.unwrap();
    assert!(types(&r).contains(&"maliciousIPAddress"));
    assert_eq!(r.risk_level, RiskLevel::High);

    let mut ms = B::new("alice", last + Duration::hours(22));
    ms.0.microsoft_risk.level_during_sign_in = "high".into();
    ms.0.microsoft_risk.state = "atRisk".into();
    ms.0.microsoft_risk.event_types = vec!["leakedCredentials".into()];
    let r = e.process(&ms.event()).risky_sign_in.unwrap();
    assert!(types(&r).contains(&"leakedCredentials"));
    let mut hidden = B::new("alice", last + Duration::hours(23));
    hidden.0.microsoft_risk.level_during_sign_in = "hidden".into();
    assert!(
        e.process(&hidden.event()).risky_sign_in.is_none(),
        "`hidden` (no P2) is not a verdict"
    );
}

fn audit(activity: &str, actor: &str, target: &str, time: DateTime<Utc>) -> Event {
    Event::Audit(Box::new(AuditEvent {
        id: format!("a-{}", time.timestamp()),
        time,
        tenant_id: "t".into(),
        correlation_id: String::new(),
        activity_display_name: activity.into(),
        category: "UserManagement".into(),
        result: "success".into(),
        result_reason: String::new(),
        logged_by_service: String::new(),
        operation_type: String::new(),
        initiated_by: Initiator {
            user_id: actor.into(),
            ..Default::default()
        },
        target_resources: vec![TargetResource {
            id: target.into(),
            kind: "User".into(),
            ..Default::default()
        }],
    }))
}

#[test]
fn user_risk_lifecycle() {
    let mut e = Engine::new(DetectConfig::default());
    tenant(&mut e, 3);
    let last = history(&mut e, "alice");
    let t = last + Duration::hours(20);
    let out = e.process(&phished("alice", t));
    let u = out.user_updates.last().expect("user risk changed");
    assert_eq!(u.id, "alice");
    assert_eq!(u.risk_state, RiskState::AtRisk);
    assert!(u.risk_level >= RiskLevel::Medium);
    assert_eq!(u.risk_last_updated_date_time, t);
    assert!(!u.detections.is_empty());

    // The attacker registers an MFA method: risk rises to high.
    let out = e.process(&audit(
        "User registered security info",
        "alice",
        "alice",
        t + Duration::minutes(5),
    ));
    assert_eq!(out.user_updates.last().unwrap().risk_level, RiskLevel::High);
    assert!(out.user_updates[0]
        .detections
        .iter()
        .any(|d| d.risk_event_type == "riskyDirectoryChange"));

    // A secure self-service password reset remediates.
    let out = e.process(&audit(
        "Reset password (self-service)",
        "alice",
        "alice",
        t + Duration::hours(2),
    ));
    let u = out.user_updates.last().unwrap();
    assert_eq!(
        (u.risk_state, u.risk_level),
        (RiskState::Remediated, RiskLevel::None)
    );
    assert_eq!(u.risk_detail, "userPerformedSecuredPasswordReset");

    // An admin confirms compromise.
    let out = e.process(&audit(
        "ConfirmAccountCompromised",
        "admin",
        "alice",
        t + Duration::hours(3),
    ));
    assert_eq!(
        out.user_updates.last().unwrap().risk_state,
        RiskState::ConfirmedCompromised
    );
}

#[test]
fn excluded_users_are_never_flagged() {
    let mut cfg = DetectConfig::default();
    cfg.suppression.excluded_users = vec!["alice@contoso.com".into()];
    let mut e = Engine::new(cfg);
    let last = history(&mut e, "alice");
    let out = e.process(&phished("alice", last + Duration::hours(20)));
    assert!(out.risky_sign_in.is_none() && out.user_updates.is_empty());
}

#[test]
fn config_validation_names_the_key() {
    let e = Config::from_toml("[detect.score]\nlow = 3.0\nmedium = 2.0\nhigh = 4.0\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("detect.score"), "{e}");
    let e = Config::from_toml("[detect]\nbaseline_half_life_days = 0\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("detect.baseline_half_life_days"), "{e}");
}

/// Users flagged by level (low, medium, high), counted over each user's latest record.
fn flagged_in(latest: &std::collections::BTreeMap<String, (RiskLevel, RiskState)>) -> [usize; 3] {
    let mut n = [0usize; 3];
    for (level, state) in latest.values() {
        if riskd::model::risk::is_flagged(*level, *state) {
            n[*level as usize - 1] += 1;
        }
    }
    n
}

#[test]
fn flagged_counts_follow_every_emitted_risk_change() {
    // The gauge alerting keys on is kept incrementally; it must equal a count over the
    // latest riskyUser record of every user, at every point of a tenant's history.
    let sim = riskd::sim::simulate(&riskd::sim::SimOptions {
        users: 60,
        days: 14,
        seed: 5,
        attacks: 8,
        ..Default::default()
    });
    let mut events: Vec<Event> = sim
        .sign_ins
        .into_iter()
        .map(|s| Event::SignIn(Box::new(s)))
        .chain(sim.audits.into_iter().map(|a| Event::Audit(Box::new(a))))
        .collect();
    riskd::replay::order_events(&mut events);
    let mut engine = Engine::new(DetectConfig::default());
    let mut latest = std::collections::BTreeMap::new();
    let mut changes = 0;
    let mut raised_high = 0;
    for (i, e) in events.iter().enumerate() {
        let out = engine.process(e);
        // Users aged by a sweep come first and are never raised; the event's own user,
        // last, is what `raised_to` describes.
        let mut raised_last = None;
        for u in &out.user_updates {
            let before = latest.insert(u.id.clone(), (u.risk_level, u.risk_state));
            changes += 1;
            let was = before.filter(|(l, s)| riskd::model::risk::is_flagged(*l, *s));
            let raised = riskd::model::risk::is_flagged(u.risk_level, u.risk_state)
                && was.is_none_or(|(l, _)| u.risk_level > l);
            raised_last = raised.then_some(u.risk_level);
        }
        assert_eq!(out.raised_to, raised_last, "event {i}");
        raised_high += (out.raised_to == Some(RiskLevel::High)) as usize;
        if out.user_updates.is_empty() {
            assert_eq!(out.raised_to, None, "event {i}");
        }
        if i % 500 == 0 || i + 1 == events.len() {
            assert_eq!(
                engine.flagged_counts(),
                flagged_in(&latest),
                "after event {i}"
            );
        }
    }
    assert!(
        changes > 8,
        "the tenant's attacks changed users' risk ({changes})"
    );
    assert!(raised_high > 0, "some attacks raised their victim to high");
    assert!(engine.flagged_counts().iter().sum::<usize>() > 0);

    // Remediation and admin feedback in the audit log move users too.
    let end = events.last().unwrap().time();
    let users: Vec<String> = latest.keys().cloned().collect();
    let actions = [
        "Reset password (self-service)",
        "confirmAccountCompromised",
        "dismissUser",
        "confirmSafe",
    ];
    for (i, user) in users.iter().enumerate() {
        let at = end + Duration::minutes(i as i64 + 1);
        let e = audit(actions[i % actions.len()], "admin", user, at);
        for u in engine.process(&e).user_updates {
            latest.insert(u.id.clone(), (u.risk_level, u.risk_state));
        }
    }
    let expected = flagged_in(&latest);
    assert_eq!(engine.flagged_counts(), expected, "after the audit events");
    assert!(
        expected[2] >= users.len() / 4,
        "confirmed-compromised users are high: {expected:?}"
    );
}

#[test]
fn risk_ages_out_for_users_who_never_sign_in_again() {
    // Alice is attacked, then never signs in again while her colleagues go on working.
    // Her risk must fade by itself (half-life 14 days): reported step by step down to
    // none, and the flagged counts back to zero, without any event of hers.
    let mut e = Engine::new(DetectConfig::default());
    tenant(&mut e, 3);
    let last = history(&mut e, "alice");
    let attack = last + Duration::hours(20);
    let out = e.process(&phished("alice", attack));
    let start = out.user_updates.last().expect("alice flagged").risk_level;
    assert!(start >= RiskLevel::Medium);
    assert_eq!(e.flagged_counts().iter().sum::<usize>(), 1);

    let mut alice = Vec::new();
    for day in 1..=90 {
        for h in [0, 3, 6] {
            let t = attack + Duration::days(day) + Duration::hours(h);
            let out = e.process(&B::new("colleague0", t).event());
            assert_eq!(out.raised_to, None, "aging never raises");
            alice.extend(out.user_updates.into_iter().filter(|u| u.id == "alice"));
        }
    }
    let levels: Vec<RiskLevel> = alice.iter().map(|u| u.risk_level).collect();
    assert!(
        levels.windows(2).all(|w| w[1] < w[0]) && levels.first() < Some(&start),
        "each report lowers her level: {start:?} then {levels:?}"
    );
    let end = alice.last().expect("her risk aged out");
    assert_eq!(
        (end.risk_level, end.risk_state),
        (RiskLevel::None, RiskState::None)
    );
    assert!(end.risk_last_updated_date_time > attack + Duration::days(30));
    assert_eq!(e.flagged_counts(), [0, 0, 0]);
}
