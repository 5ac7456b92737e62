//! The per-user baseline, bounded in size whatever the input (about 700 bytes, no heap
//! unless the user is at risk): top-K value tables per feature with forward-decayed counts,
//! a circular hour-of-day histogram with a weekday/weekend split, failure rates by class
//! (short burst windows and a long base rate), the last successful sign-in (for travel),
//! recent sessions (for token theft) and the user's risk state.

use super::decay::Clock;
use super::features::{Feature, Features, NF};
use super::topk;
use crate::model::{RiskLevel, RiskState, UserDetection};

/// Table size per feature.
pub const K: [usize; NF] = [4, 4, 4, 4, 3, 4, 3, 3, 3, 6, 3];

const fn offsets() -> [usize; NF + 1] {
    let mut o = [0; NF + 1];
    let mut i = 0;
    while i < NF {
        o[i + 1] = o[i] + K[i];
        i += 1;
    }
    o
}

/// Start of each feature's slots in the flat arrays (last entry: total slots).
pub const OFFSETS: [usize; NF + 1] = offsets();
/// Total table slots.
pub const SLOTS: usize = OFFSETS[NF];
/// Sessions remembered per user.
pub const SESSIONS: usize = 4;

/// Failure classes tracked for bursts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum FailClass {
    /// Bad password, unknown user, lockout.
    Credential,
    /// MFA denied or not answered.
    MfaDenied,
}

/// Decayed failure counters.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Failures {
    /// Time of the last update (unix seconds).
    pub last: i64,
    /// Burst-window counts (half-life = the detector's window).
    pub short: [f32; 2],
    /// Long-run counts (half-life = the baseline's).
    pub long: [f32; 2],
    /// When a burst of each class was last alerted (0 = never); re-armed when the burst ends.
    pub alerted_at: [i64; 2],
    /// ASN (hash) of the latest failure of each class: a success escalates a burst only
    /// when it comes from the same network.
    pub source: [u32; 2],
}

/// Where and when the user last signed in successfully.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LastSuccess {
    pub time: i64,
    pub lat: f32,
    pub lon: f32,
    pub country: [u8; 2],
    pub interactive: bool,
    /// From a trusted, shared, VPN or carrier network: not a travel endpoint.
    pub suppressed: bool,
}

/// A session id seen recently: where it started (its origin) and when it was last used
/// near there.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SessionSeen {
    pub id: u32,
    pub asn: u32,
    pub lat: f32,
    pub lon: f32,
    pub country: [u8; 2],
    /// Last use near the origin (unix seconds).
    pub time: i64,
    /// Started from a trusted or shared network (VPN egress): its geo-IP says nothing.
    pub shared: bool,
}

/// A recent alert: (detection, value hash, time), to report a novelty once, not on every
/// sign-in that repeats it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RecentAlert {
    pub kind: u8,
    pub value: u32,
    pub time: i64,
}

/// Recent alerts remembered per user.
pub const RECENT_ALERTS: usize = 4;

/// The user's risk: accumulated decayed points, level and Graph risk state.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRisk {
    pub points: f32,
    pub points_time: i64,
    pub level: RiskLevel,
    pub state: RiskState,
    pub detail: &'static str,
    /// Active detections behind the level, newest first (bounded).
    pub detections: Vec<UserDetection>,
    /// Event time of the user's last risky sign-in (0 = none).
    pub last_risky: i64,
}

impl Default for UserRisk {
    fn default() -> Self {
        UserRisk {
            points: 0.0,
            points_time: 0,
            level: RiskLevel::None,
            state: RiskState::None,
            detail: "none",
            detections: Vec::new(),
            last_risky: 0,
        }
    }
}

/// One user's baseline.
#[derive(Debug, Clone)]
pub struct UserProfile {
    pub keys: [u32; SLOTS],
    pub counts: [f32; SLOTS],
    /// Circular hour-of-day histogram (each sign-in adds w to its hour, w/2 to each
    /// neighbour).
    pub hours: [f32; 24],
    /// Weekday, weekend.
    pub day_type: [f32; 2],
    /// Decayed successful sign-ins (stored units).
    pub total: f32,
    pub clock: Clock,
    pub first_seen: i64,
    pub successes: u32,
    pub failures: Failures,
    pub last_success: Option<LastSuccess>,
    pub sessions: [SessionSeen; SESSIONS],
    pub recent_alerts: [RecentAlert; RECENT_ALERTS],
    pub risk: UserRisk,
}

/// What a user's history says about one feature value, in sign-ins at the event's time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Familiarity {
    pub count: f64,
    pub total: f64,
}

impl UserProfile {
    pub fn new(t: i64) -> UserProfile {
        UserProfile {
            keys: [0; SLOTS],
            counts: [0.0; SLOTS],
            hours: [0.0; 24],
            day_type: [0.0; 2],
            total: 0.0,
            clock: Clock::new(t),
            first_seen: t,
            successes: 0,
            failures: Failures::default(),
            last_success: None,
            sessions: [SessionSeen::default(); SESSIONS],
            recent_alerts: [RecentAlert::default(); RECENT_ALERTS],
            risk: UserRisk::default(),
        }
    }

    fn table(&self, f: Feature) -> (&[u32], &[f32]) {
        let r = OFFSETS[f as usize]..OFFSETS[f as usize + 1];
        (&self.keys[r.clone()], &self.counts[r])
    }

    /// The stored (forward-decayed) count of `key` for feature `f`.
    pub fn count(&self, f: Feature, key: u32) -> f32 {
        let (k, c) = self.table(f);
        topk::count(k, c, key)
    }

    /// How often the user had `key` for feature `f`, decayed to time `t`.
    pub fn familiarity(&self, t: i64, half_life: f64, f: Feature, key: u32) -> Familiarity {
        let w = self.clock.weight(t, half_life);
        let (k, c) = self.table(f);
        Familiarity {
            count: topk::count(k, c, key) as f64 / w,
            total: self.total as f64 / w,
        }
    }

    /// The user's share of sign-ins in this hour-of-week cell (of 168; smoothed histogram).
    pub fn hour_share(&self, hour_of_week: usize) -> f64 {
        let total = self.total as f64;
        if total <= 0.0 {
            return 0.0;
        }
        let hour = (self.hours[hour_of_week % 24] as f64) / (2.0 * total);
        let weekend = hour_of_week >= 120;
        let day = self.day_type[weekend as usize] as f64 / total;
        // Hour and day type taken as independent; a day type spans 5 or 2 days of the week.
        hour * day / if weekend { 2.0 } else { 5.0 }
    }

    /// Teaches a successful sign-in. Returns, per feature, whether the value was new to the
    /// user (for the tenant's distinct-user counts).
    pub fn learn(&mut self, t: i64, half_life: f64, features: &Features) -> [bool; NF] {
        if let Some(factor) = self.clock.rescale_if_needed(t, half_life) {
            self.counts.iter_mut().for_each(|c| *c *= factor);
            self.hours.iter_mut().for_each(|c| *c *= factor);
            self.day_type.iter_mut().for_each(|c| *c *= factor);
            self.total *= factor;
        }
        let w = self.clock.weight(t, half_life) as f32;
        let mut new = [false; NF];
        for (i, n) in new.iter_mut().enumerate() {
            let r = OFFSETS[i]..OFFSETS[i + 1];
            *n = topk::add(
                &mut self.keys[r.clone()],
                &mut self.counts[r],
                features.values[i],
                w,
            );
        }
        let h = features.hour_of_week % 24;
        self.hours[h] += w;
        self.hours[(h + 1) % 24] += w / 2.0;
        self.hours[(h + 23) % 24] += w / 2.0;
        self.day_type[(features.hour_of_week >= 120) as usize] += w;
        self.total += w;
        self.successes = self.successes.saturating_add(1);
        new
    }

    /// Whether the user is still in learning mode at `t`.
    pub fn learning(&self, t: i64, min_signins: u32, min_days: f64) -> bool {
        self.successes < min_signins || ((t - self.first_seen) as f64) < min_days * 86_400.0
    }

    /// How far the user is out of learning mode, 0..=1 (blends user and tenant scoring).
    pub fn maturity(&self, t: i64, min_signins: u32, min_days: f64) -> f64 {
        let by_count = if min_signins == 0 {
            1.0
        } else {
            (self.successes as f64 / min_signins as f64).min(1.0)
        };
        let by_age = if min_days <= 0.0 {
            1.0
        } else {
            (((t - self.first_seen) as f64) / (min_days * 86_400.0)).clamp(0.0, 1.0)
        };
        by_count * by_age
    }

    /// Updates failure counters to time `t` (decaying them) and adds a failure of `class`.
    pub fn add_failure(
        &mut self,
        t: i64,
        class: Option<FailClass>,
        window_secs: [f64; 2],
        long_secs: f64,
    ) {
        self.decay_failures(t, window_secs, long_secs);
        if let Some(c) = class {
            self.failures.short[c as usize] += 1.0;
            self.failures.long[c as usize] += 1.0;
        }
    }

    /// Decays the failure counters to time `t`.
    pub fn decay_failures(&mut self, t: i64, window_secs: [f64; 2], long_secs: f64) {
        let f = &mut self.failures;
        if f.short == [0.0; 2] && f.long == [0.0; 2] {
            f.last = f.last.max(t);
            return;
        }
        let dt = (t - f.last).max(0) as f64;
        if f.last != 0 && dt > 0.0 {
            let long = (-dt / long_secs).exp2() as f32;
            for (short, window) in f.short.iter_mut().zip(window_secs) {
                *short *= (-dt / window).exp2() as f32;
            }
            f.long.iter_mut().for_each(|l| *l *= long);
        }
        f.last = f.last.max(t);
    }

    /// Remembers a session id. Returns its origin as it was before this sighting (with the
    /// time it was last used near the origin) if the session was known; a sighting near
    /// the origin (same country, within `near_km`) refreshes that time.
    pub fn see_session(
        &mut self,
        s: SessionSeen,
        window_secs: f64,
        near_km: f64,
    ) -> Option<SessionSeen> {
        if s.id == 0 {
            return None;
        }
        if let Some(slot) = self
            .sessions
            .iter_mut()
            .find(|p| p.id == s.id && (s.time - p.time) as f64 <= window_secs)
        {
            let prev = *slot;
            let d = super::geo::distance_km(
                (prev.lat as f64, prev.lon as f64),
                (s.lat as f64, s.lon as f64),
            );
            if prev.country == s.country && d < near_km {
                slot.time = slot.time.max(s.time);
            }
            return Some(prev);
        }
        // Replace the oldest slot.
        let slot = self
            .sessions
            .iter()
            .enumerate()
            .min_by_key(|(_, p)| p.time)
            .map_or(0, |(i, _)| i);
        self.sessions[slot] = s;
        None
    }
}

impl UserProfile {
    /// Whether the same (detection, value) alerted within `window_secs` before `t`.
    pub fn alerted_recently(&self, kind: u8, value: u32, t: i64, window_secs: f64) -> bool {
        self.recent_alerts.iter().any(|a| {
            a.kind == kind
                && a.value == value
                && a.time != 0
                && ((t - a.time) as f64) <= window_secs
        })
    }

    /// Records an alert, replacing the oldest.
    pub fn remember_alert(&mut self, kind: u8, value: u32, t: i64) {
        let slot = self
            .recent_alerts
            .iter()
            .enumerate()
            .min_by_key(|(_, a)| a.time)
            .map_or(0, |(i, _)| i);
        self.recent_alerts[slot] = RecentAlert {
            kind,
            value,
            time: t,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_bounded() {
        assert_eq!(SLOTS, 41);
        // Fixed size, no per-value heap: the memory bench measures the whole map.
        assert!(
            std::mem::size_of::<UserProfile>() <= 800,
            "{}",
            std::mem::size_of::<UserProfile>()
        );
    }
}
