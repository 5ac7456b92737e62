//! `riskd eval`: scores replay output against a simulation's labels, beside the classic
//! rule baselines (Sentinel and Elastic thresholds from
//! ../shared/reference/peers-and-detections.md) run over the same sign-ins.
//!
//! - attacks detected: an attack instance counts when any of its sign-ins is flagged at
//!   medium or above; time to detection runs from the attack's first sign-in to the first
//!   flagged one (event time: riskd scores each sign-in as it arrives);
//! - false positives: benign interactive sign-ins flagged at medium or above;
//! - benign users flagged: users never attacked whose risk reached medium or above.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::detect::geo::distance_km;
use crate::model::{Event, RiskLevel, RiskySignIn, RiskyUser, SignIn, SignInCategory};
use crate::sim::Labels;

/// Detection figures for one attack kind.
#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KindStats {
    pub instances: usize,
    pub detected: usize,
    pub median_seconds_to_detection: Option<f64>,
}

/// One detector's (riskd's or a rule's) figures.
#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DetectorStats {
    pub name: String,
    pub attacks: usize,
    pub detected: usize,
    pub benign_interactive: usize,
    pub benign_interactive_flagged: usize,
    pub by_kind: BTreeMap<String, KindStats>,
}

impl DetectorStats {
    pub fn recall(&self) -> f64 {
        ratio(self.detected, self.attacks)
    }
    pub fn false_positive_rate(&self) -> f64 {
        ratio(self.benign_interactive_flagged, self.benign_interactive)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// The whole evaluation.
#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub riskd: DetectorStats,
    /// Benign interactive sign-ins flagged low (shown, not counted as false positives).
    pub benign_interactive_flagged_low: usize,
    pub benign_users: usize,
    pub benign_users_flagged: usize,
    pub rules: Vec<DetectorStats>,
}

fn read_ndjson<T: serde::de::DeserializeOwned>(path: &Path) -> std::io::Result<Vec<T>> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{}: {e}", path.display()),
                )
            })
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// Figures for one set of flagged sign-ins (request id -> flag time).
fn stats(
    name: &str,
    labels: &Labels,
    flagged: &HashMap<String, DateTime<Utc>>,
    benign: &[&SignIn],
) -> DetectorStats {
    let mut by_kind: BTreeMap<String, (usize, usize, Vec<f64>)> = BTreeMap::new();
    let mut detected = 0;
    for a in &labels.attacks {
        let e = by_kind.entry(a.kind.clone()).or_default();
        e.0 += 1;
        let first = a.request_ids.iter().filter_map(|r| flagged.get(r)).min();
        if let Some(t) = first {
            detected += 1;
            e.1 += 1;
            e.2.push((*t - a.start).num_milliseconds() as f64 / 1000.0);
        }
    }
    let benign_flagged = benign
        .iter()
        .filter(|s| flagged.contains_key(&s.request_id))
        .count();
    DetectorStats {
        name: name.to_owned(),
        attacks: labels.attacks.len(),
        detected,
        benign_interactive: benign.len(),
        benign_interactive_flagged: benign_flagged,
        by_kind: by_kind
            .into_iter()
            .map(|(k, (n, d, t))| {
                (
                    k,
                    KindStats {
                        instances: n,
                        detected: d,
                        median_seconds_to_detection: median(t),
                    },
                )
            })
            .collect(),
    }
}

/// Evaluates replay results (`results` dir) for the sign-ins in `events` against `labels`.
pub fn evaluate(labels: &Labels, events: &[Event], results: &Path) -> std::io::Result<Report> {
    let risky: Vec<RiskySignIn> = read_ndjson(&results.join("risky-signins.ndjson"))?;
    let users: Vec<RiskyUser> = read_ndjson(&results.join("risky-users.ndjson"))?;
    let attack_ids: HashSet<&str> = labels
        .attacks
        .iter()
        .flat_map(|a| a.request_ids.iter().map(String::as_str))
        .collect();
    let attacked: HashSet<&str> = labels.attacks.iter().map(|a| a.user_id.as_str()).collect();
    let sign_ins: Vec<&SignIn> = events
        .iter()
        .filter_map(|e| match e {
            Event::SignIn(s) => Some(s.as_ref()),
            _ => None,
        })
        .collect();
    let benign: Vec<&SignIn> = sign_ins
        .iter()
        .copied()
        .filter(|s| {
            s.category == SignInCategory::Interactive && !attack_ids.contains(s.request_id.as_str())
        })
        .collect();

    let medium: HashMap<String, DateTime<Utc>> = risky
        .iter()
        .filter(|r| r.risk_level >= RiskLevel::Medium)
        .map(|r| (r.request_id.clone(), r.activity_date_time))
        .collect();
    let low_benign = risky
        .iter()
        .filter(|r| {
            r.risk_level == RiskLevel::Low
                && !attack_ids.contains(r.request_id.as_str())
                && r.sign_in_category == "SignInLogs"
        })
        .count();
    let all_users: HashSet<&str> = sign_ins.iter().map(|s| s.user_key()).collect();
    let benign_users = all_users.iter().filter(|u| !attacked.contains(**u)).count();
    let benign_users_flagged: HashSet<&str> = users
        .iter()
        .filter(|u| u.risk_level >= RiskLevel::Medium && !attacked.contains(u.id.as_str()))
        .map(|u| u.id.as_str())
        .collect();

    let rules = rule_baselines(&sign_ins);
    let mut union: HashMap<String, DateTime<Utc>> = HashMap::new();
    let mut rule_stats = Vec::new();
    for (name, flagged) in &rules {
        for (k, t) in flagged {
            let e = union.entry(k.clone()).or_insert(*t);
            *e = (*e).min(*t);
        }
        rule_stats.push(stats(name, labels, flagged, &benign));
    }
    rule_stats.push(stats("all rules together", labels, &union, &benign));
    Ok(Report {
        riskd: stats("riskd (medium or high)", labels, &medium, &benign),
        benign_interactive_flagged_low: low_benign,
        benign_users,
        benign_users_flagged: benign_users_flagged.len(),
        rules: rule_stats,
    })
}

fn is_failure_code(c: i64) -> bool {
    matches!(c, 50126 | 50053 | 50055)
}

/// A failed sign-in in a spray window: (time, user, request id).
type Failure<'a> = (DateTime<Utc>, &'a str, &'a str);

/// The classic scheduled rules, run over the same sign-ins (ordered by time).
fn rule_baselines(sign_ins: &[&SignIn]) -> Vec<(String, HashMap<String, DateTime<Utc>>)> {
    let mut new_country = HashMap::new();
    let mut travel = HashMap::new();
    let mut brute = HashMap::new();
    let mut mfa = HashMap::new();
    let mut spray = HashMap::new();
    let mut legacy = HashMap::new();

    // Per-user histories.
    let mut countries: HashMap<&str, VecDeque<(DateTime<Utc>, &str)>> = HashMap::new();
    let mut last_interactive: HashMap<&str, &SignIn> = HashMap::new();
    let mut failures: HashMap<&str, VecDeque<DateTime<Utc>>> = HashMap::new();
    let mut denials: HashMap<&str, VecDeque<DateTime<Utc>>> = HashMap::new();
    let mut ip_failures: HashMap<String, VecDeque<Failure>> = HashMap::new();

    for s in sign_ins {
        let u = s.user_key();
        let t = s.time;
        let ok = s.status.error_code == 0;
        // Sentinel "new country with correct password": a country with no success by the
        // user in the previous 7 days (and some history in that window).
        let hist = countries.entry(u).or_default();
        while hist
            .front()
            .is_some_and(|(ht, _)| t - *ht > Duration::days(7))
        {
            hist.pop_front();
        }
        let validated = ok
            || matches!(
                s.status.error_code,
                50055
                    | 50057
                    | 50155
                    | 50105
                    | 50133
                    | 50005
                    | 50076
                    | 50079
                    | 50173
                    | 50158
                    | 50072
                    | 50074
                    | 53003
                    | 53000
                    | 53001
                    | 50129
            );
        if validated
            && !s.location.country.is_empty()
            && !hist.is_empty()
            && !hist.iter().any(|(_, c)| *c == s.location.country)
        {
            new_country.insert(s.request_id.clone(), t);
        }
        if ok && !s.location.country.is_empty() {
            hist.push_back((t, s.location.country.as_str()));
        }
        // Elastic impossible travel: successive successful interactive sign-ins.
        if ok && s.category == SignInCategory::Interactive {
            if let (Some(prev), Some(here)) = (last_interactive.get(u), s.location.coordinates()) {
                if let Some(there) = prev.location.coordinates() {
                    let d = distance_km(there, here);
                    let h = ((t - prev.time).num_seconds().max(1) as f64) / 3600.0;
                    if t - prev.time <= Duration::minutes(90) && d >= 500.0 && d / h >= 800.0 {
                        travel.insert(s.request_id.clone(), t);
                    }
                }
            }
            last_interactive.insert(u, s);
        }
        // Sentinel brute force: >= 10 failures within 20 minutes before a success.
        let f = failures.entry(u).or_default();
        while f.front().is_some_and(|ft| t - *ft > Duration::minutes(20)) {
            f.pop_front();
        }
        if is_failure_code(s.status.error_code) {
            f.push_back(t);
        } else if ok && f.len() >= 10 {
            brute.insert(s.request_id.clone(), t);
        }
        // Sentinel MFA spamming: > 10 denials within 5 minutes, then a success.
        let d = denials.entry(u).or_default();
        while d.front().is_some_and(|dt| t - *dt > Duration::minutes(5)) {
            d.pop_front();
        }
        let denial = s.status.error_code == 500121
            || crate::model::error_class::is_mfa_denial(&s.status.additional_details);
        if denial {
            d.push_back(t);
        } else if ok && d.len() > 10 {
            mfa.insert(s.request_id.clone(), t);
        }
        // Sentinel password spray: >= 5 distinct users failing from one IP within 20 minutes.
        if let Some(ip) = s.ip_address {
            if is_failure_code(s.status.error_code) {
                let q = ip_failures.entry(ip.to_string()).or_default();
                while q
                    .front()
                    .is_some_and(|(qt, _, _)| t - *qt > Duration::minutes(20))
                {
                    q.pop_front();
                }
                q.push_back((t, u, s.request_id.as_str()));
                let distinct: HashSet<&str> = q.iter().map(|(_, u, _)| *u).collect();
                if distinct.len() >= 5 {
                    for (_, _, r) in q.iter() {
                        spray.entry((*r).to_owned()).or_insert(t);
                    }
                }
            }
        }
        // Sentinel legacy-auth user agents.
        if ["BAV2ROPC", "CBAinPROD", "CBAinTAR"]
            .iter()
            .any(|p| s.user_agent.starts_with(p))
        {
            legacy.insert(s.request_id.clone(), t);
        }
    }
    vec![
        (
            "Sentinel new country (7 d, correct password)".to_owned(),
            new_country,
        ),
        (
            "Elastic impossible travel (500 km, 800 km/h, 90 min)".to_owned(),
            travel,
        ),
        (
            "Sentinel brute force (10 failures then success, 20 min)".to_owned(),
            brute,
        ),
        (
            "Sentinel MFA spamming (>10 denials in 5 min, then success)".to_owned(),
            mfa,
        ),
        (
            "Sentinel password spray (5 users per IP, 20 min)".to_owned(),
            spray,
        ),
        ("Sentinel legacy-auth user agents".to_owned(), legacy),
    ]
}

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = &self.riskd;
        writeln!(f, "riskd eval")?;
        writeln!(
            f,
            "  attacks detected (medium+)     {}/{} = {}",
            r.detected,
            r.attacks,
            pct(r.recall())
        )?;
        for (k, s) in &r.by_kind {
            let ttd = s
                .median_seconds_to_detection
                .map_or("-".to_owned(), |t| format!("{t:.0} s"));
            writeln!(
                f,
                "    {k:<24} {}/{}  median time to detection {ttd}",
                s.detected, s.instances
            )?;
        }
        writeln!(
            f,
            "  benign interactive flagged     {}/{} = {} at medium+ ({} more at low)",
            r.benign_interactive_flagged,
            r.benign_interactive,
            pct(r.false_positive_rate()),
            self.benign_interactive_flagged_low
        )?;
        writeln!(
            f,
            "  benign users flagged (medium+) {}/{}",
            self.benign_users_flagged, self.benign_users
        )?;
        writeln!(f, "  rule baselines on the same sign-ins:")?;
        for rule in &self.rules {
            writeln!(
                f,
                "    {:<60} attacks {:>3}/{} ({:>7})  benign flagged {} ({})",
                rule.name,
                rule.detected,
                rule.attacks,
                pct(rule.recall()),
                rule.benign_interactive_flagged,
                pct(rule.false_positive_rate())
            )?;
        }
        Ok(())
    }
}
