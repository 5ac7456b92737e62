//! Tenant-wide statistics: the population prior p(x) of every feature value, and how many
//! distinct users use each location and app value (shared office / VPN egress, app
//! rollouts). Bounded whatever the input: two count-min sketches (2 x 2^18 cells each),
//! the value counts with forward decay.

use super::decay::Clock;
use super::features::{Feature, NF};

const ROWS: usize = 2;
const WIDTH_BITS: u32 = 18;
const WIDTH: usize = 1 << WIDTH_BITS;

/// A decayed count-min sketch keyed by (feature, value hash).
#[derive(Debug, Clone)]
struct Sketch {
    cells: Vec<f32>,
}

impl Sketch {
    fn new() -> Sketch {
        Sketch {
            cells: vec![0.0; ROWS * WIDTH],
        }
    }

    #[inline]
    fn slots(f: Feature, key: u32) -> [usize; ROWS] {
        let x = (key as u64) | ((f as u64) << 32);
        let a = x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let b = x.wrapping_mul(0xC2B2_AE3D_27D4_EB4F) ^ (x >> 29);
        let shift = 64 - WIDTH_BITS;
        [
            (a >> shift) as usize,
            WIDTH + (b.wrapping_mul(0x1656_67B1_9E37_79F9) >> shift) as usize,
        ]
    }

    #[inline]
    fn get(&self, f: Feature, key: u32) -> f32 {
        let [i, j] = Sketch::slots(f, key);
        self.cells[i].min(self.cells[j])
    }

    #[inline]
    fn add(&mut self, f: Feature, key: u32, w: f32) {
        // Conservative update: raise each cell only as far as the new estimate.
        let [i, j] = Sketch::slots(f, key);
        let est = self.cells[i].min(self.cells[j]) + w;
        self.cells[i] = self.cells[i].max(est);
        self.cells[j] = self.cells[j].max(est);
    }

    fn scale(&mut self, factor: f32) {
        self.cells.iter_mut().for_each(|c| *c *= factor);
    }
}

/// Tenant-wide decayed frequencies.
#[derive(Debug, Clone)]
pub struct TenantStats {
    clock: Option<Clock>,
    half_life: f64,
    values: Sketch,
    users: Sketch,
    /// Decayed total of successful sign-ins (stored units).
    total: f64,
    /// Per feature, how many times a value was new to a user (not decayed): an upper
    /// bound on the number of distinct values the tenant has seen.
    first_uses: [f64; NF],
    /// Decayed successful sign-ins by hour of day and by day type (weekday, weekend).
    hours: [f64; 24],
    days: [f64; 2],
}

impl TenantStats {
    pub fn new(half_life_secs: f64) -> TenantStats {
        TenantStats {
            clock: None,
            half_life: half_life_secs,
            values: Sketch::new(),
            users: Sketch::new(),
            total: 0.0,
            first_uses: [0.0; NF],
            hours: [0.0; 24],
            days: [0.0; 2],
        }
    }

    fn weight(&mut self, t: i64) -> f64 {
        let clock = self.clock.get_or_insert_with(|| Clock::new(t));
        if let Some(factor) = clock.rescale_if_needed(t, self.half_life) {
            self.values.scale(factor);
            self.total *= factor as f64;
            self.hours.iter_mut().for_each(|h| *h *= factor as f64);
            self.days.iter_mut().for_each(|d| *d *= factor as f64);
        }
        self.clock.map_or(1.0, |c| c.weight(t, self.half_life))
    }

    /// How many distinct values of `f` the smoothing reserves probability for: the values
    /// the tenant has seen (at least 10), at most the feature's nominal count.
    pub fn distinct(&self, f: Feature) -> f64 {
        self.first_uses[f as usize].clamp(10.0, f.nominal_distinct())
    }

    /// Share of the tenant's successful sign-ins with this value, smoothed for unseen values
    /// (never 0).
    pub fn share(&self, t: i64, f: Feature, key: u32) -> f64 {
        let (c, n) = self.counts(t, f, key);
        (c + 1.0) / (n + self.distinct(f))
    }

    /// (decayed count of the value, decayed total), in sign-ins at time t.
    pub fn counts(&self, t: i64, f: Feature, key: u32) -> (f64, f64) {
        let Some(clock) = self.clock else {
            return (0.0, 0.0);
        };
        let w = clock.weight(t, self.half_life);
        let c = if key == 0 {
            0.0
        } else {
            self.values.get(f, key) as f64 / w
        };
        (c, self.total / w)
    }

    /// Number of distinct users that took up this value (not decayed: an office network
    /// stays shared while its users keep using it, even if nobody new joins).
    pub fn users_of(&self, f: Feature, key: u32) -> f64 {
        if key == 0 {
            return 0.0;
        }
        self.users.get(f, key) as f64
    }

    /// The tenant's share of sign-ins in this hour of the week (hour and day type taken as
    /// independent); uniform before anything is learned.
    pub fn hour_share(&self, hour_of_week: usize) -> f64 {
        if self.total <= 0.0 {
            return 1.0 / 168.0;
        }
        let weekend = hour_of_week >= 120;
        let hour = self.hours[hour_of_week % 24] / self.total;
        let day = self.days[weekend as usize] / self.total;
        hour * day / if weekend { 2.0 } else { 5.0 }
    }

    /// Total decayed successful sign-ins at time t.
    pub fn total(&self, t: i64) -> f64 {
        self.clock
            .map_or(0.0, |c| self.total / c.weight(t, self.half_life))
    }

    /// Records a successful sign-in's values; `new_for_user[f]` says the value entered the
    /// user's own table (counts towards distinct users).
    pub fn learn(
        &mut self,
        t: i64,
        values: &[u32; NF],
        new_for_user: &[bool; NF],
        hour_of_week: usize,
    ) {
        let w = self.weight(t);
        self.total += w;
        self.hours[hour_of_week % 24] += w;
        self.days[(hour_of_week >= 120) as usize] += w;
        for (i, f) in super::features::FEATURES.iter().enumerate() {
            if values[i] == 0 {
                continue;
            }
            self.values.add(*f, values[i], w as f32);
            if new_for_user[i] {
                self.users.add(*f, values[i], 1.0);
                self.first_uses[i] += 1.0;
            }
        }
    }
}
