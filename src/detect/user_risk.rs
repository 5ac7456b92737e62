//! User risk: detections accumulate per user as decayed points; the points give the level
//! (several medium detections reach high; low risk ages out); the state follows Graph
//! (`atRisk`, `confirmedCompromised`, `remediated`, `dismissed`, `confirmedSafe`). Every
//! change of level or state is reported so it can be emitted.

use chrono::{DateTime, Utc};

use super::config::UserRiskConfig;
use super::profile::UserRisk;
use crate::model::{RiskLevel, RiskState, UserDetection};

/// Detections kept per user for the `riskyUser` record.
const MAX_DETECTIONS: usize = 8;

/// The level `points` reach, with hysteresis: a level is reached at its threshold and kept
/// (never above `current`) until the points fall below half of it, one half-life of decay.
/// Without it a single medium detection (exactly the medium threshold) would fall to low
/// at the next aging, minutes later, and alerts on flagged users would flap.
fn level_for(points: f64, current: RiskLevel, cfg: &UserRiskConfig) -> RiskLevel {
    let reached = level_at(points, 1.0, cfg);
    let kept = level_at(points, 0.5, cfg).min(current);
    reached.max(kept)
}

/// The highest level whose threshold times `factor` `points` reach.
fn level_at(points: f64, factor: f64, cfg: &UserRiskConfig) -> RiskLevel {
    if points >= cfg.level_high * factor {
        RiskLevel::High
    } else if points >= cfg.level_medium * factor {
        RiskLevel::Medium
    } else if points >= cfg.level_low * factor {
        RiskLevel::Low
    } else {
        RiskLevel::None
    }
}

fn points_for(level: RiskLevel, cfg: &UserRiskConfig) -> f64 {
    match level {
        RiskLevel::None => 0.0,
        RiskLevel::Low => cfg.points_low,
        RiskLevel::Medium => cfg.points_medium,
        RiskLevel::High => cfg.points_high,
    }
}

impl UserRisk {
    fn decayed(&self, t: i64, cfg: &UserRiskConfig) -> f64 {
        let dt = (t - self.points_time).max(0) as f64;
        self.points as f64 * (-dt / (cfg.half_life_days * 86_400.0)).exp2()
    }

    /// Ages the risk to `t`; returns true when the level or state changed.
    pub fn age(&mut self, t: i64, cfg: &UserRiskConfig) -> bool {
        if self.points <= 0.0 || self.state == RiskState::ConfirmedCompromised {
            return false;
        }
        let before = (self.level, self.state);
        let points = self.decayed(t, cfg);
        self.points = points as f32;
        self.points_time = t;
        self.level = level_for(points, self.level, cfg);
        if self.level == RiskLevel::None && self.state == RiskState::AtRisk {
            self.state = RiskState::None;
            self.detail = "none";
            self.detections.clear();
        }
        before != (self.level, self.state)
    }

    /// Adds detections of one event; returns true when the level or state changed.
    pub fn add(
        &mut self,
        t: i64,
        time: DateTime<Utc>,
        hits: &[(&'static str, RiskLevel)],
        request_id: &str,
        cfg: &UserRiskConfig,
    ) -> bool {
        if hits.is_empty() {
            return self.age(t, cfg);
        }
        let before = (self.level, self.state);
        let mut points = self.decayed(t, cfg);
        for (kind, level) in hits {
            points += points_for(*level, cfg);
            self.detections.insert(
                0,
                UserDetection {
                    risk_event_type: (*kind).to_owned(),
                    risk_level: *level,
                    request_id: request_id.to_owned(),
                    activity_date_time: time,
                },
            );
        }
        self.detections.truncate(MAX_DETECTIONS);
        self.points = points as f32;
        self.points_time = t;
        if self.state != RiskState::ConfirmedCompromised {
            self.level = level_for(points, self.level, cfg);
            if self.level > RiskLevel::None {
                self.state = RiskState::AtRisk;
                self.detail = "none";
            }
        }
        before != (self.level, self.state)
    }

    /// Sets a terminal state (remediation or admin feedback); returns true on change.
    pub fn set_state(&mut self, t: i64, state: RiskState, detail: &'static str) -> bool {
        let before = (self.level, self.state, self.detail);
        self.state = state;
        self.detail = detail;
        self.points_time = t;
        if state == RiskState::ConfirmedCompromised {
            self.level = RiskLevel::High;
        } else {
            self.level = RiskLevel::None;
            self.points = 0.0;
            self.detections.clear();
        }
        before != (self.level, self.state, self.detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(t, 0).unwrap()
    }

    #[test]
    fn medium_signals_accumulate_to_high_and_low_ages_out() {
        let cfg = UserRiskConfig::default();
        let mut r = UserRisk::default();
        assert!(r.add(0, at(0), &[("newCountry", RiskLevel::Medium)], "a", &cfg));
        assert_eq!((r.level, r.state), (RiskLevel::Medium, RiskState::AtRisk));
        r.add(
            60,
            at(60),
            &[("unlikelyTravel", RiskLevel::Medium)],
            "b",
            &cfg,
        );
        assert!(r.add(
            120,
            at(120),
            &[("unfamiliarFeatures", RiskLevel::Medium)],
            "c",
            &cfg
        ));
        assert_eq!(
            r.level,
            RiskLevel::High,
            "three medium detections make a high-risk user"
        );
        assert_eq!(r.detections[0].request_id, "c");

        let mut low = UserRisk::default();
        low.add(0, at(0), &[("atypicalTime", RiskLevel::Low)], "d", &cfg);
        assert_eq!(
            low.level,
            RiskLevel::None,
            "one low detection does not flag a user"
        );
        for i in 1..5 {
            low.add(i, at(i), &[("atypicalTime", RiskLevel::Low)], "d", &cfg);
        }
        assert_eq!(low.level, RiskLevel::Low, "several low detections do");
        // 14-day half-life: after 30 days 1 point is below the low threshold.
        assert!(low.age(30 * 86_400, &cfg));
        assert_eq!((low.level, low.state), (RiskLevel::None, RiskState::None));
    }

    #[test]
    fn a_level_holds_for_a_half_life_then_steps_down() {
        let cfg = UserRiskConfig::default();
        let day = 86_400;
        let mut r = UserRisk::default();
        r.add(0, at(0), &[("newCountry", RiskLevel::Medium)], "a", &cfg);
        assert_eq!(r.level, RiskLevel::Medium);
        assert!(
            !r.age(3600, &cfg),
            "one hour later the user is still medium"
        );
        assert!(!r.age(13 * day, &cfg), "and after 13 days (half-life 14)");
        assert!(
            r.age(15 * day, &cfg),
            "below half the medium threshold: low"
        );
        assert_eq!((r.level, r.state), (RiskLevel::Low, RiskState::AtRisk));
        // 3 points fall below half the low threshold (0.5) after 2.6 half-lives.
        assert!(!r.age(35 * day, &cfg));
        assert!(r.age(37 * day, &cfg));
        assert_eq!((r.level, r.state), (RiskLevel::None, RiskState::None));
        // High (9 points) holds while above 4 points (half of 8), then steps to medium.
        let mut r = UserRisk::default();
        r.add(0, at(0), &[("bruteForce", RiskLevel::High)], "b", &cfg);
        assert_eq!(r.level, RiskLevel::High);
        assert!(!r.age(14 * day, &cfg), "4.5 points: still high");
        assert!(r.age(17 * day, &cfg), "3.9 points: medium");
        assert_eq!(r.level, RiskLevel::Medium);
    }

    #[test]
    fn remediation_clears_and_confirmation_holds() {
        let cfg = UserRiskConfig::default();
        let mut r = UserRisk::default();
        r.add(0, at(0), &[("bruteForce", RiskLevel::High)], "a", &cfg);
        assert!(r.set_state(
            10,
            RiskState::Remediated,
            "userPerformedSecuredPasswordReset"
        ));
        assert_eq!((r.level, r.state), (RiskLevel::None, RiskState::Remediated));
        assert!(r.set_state(
            20,
            RiskState::ConfirmedCompromised,
            "adminConfirmedUserCompromised"
        ));
        assert!(
            !r.age(100 * 86_400, &cfg),
            "confirmed compromise does not age out"
        );
        assert_eq!(r.level, RiskLevel::High);
    }
}
