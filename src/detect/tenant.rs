//! Tenant-wide statistics: the population prior p(x) of every feature value, and how many
//! distinct users use each location and app value (shared office / VPN egress, app
//! rollouts). Bounded whatever the input: one blocked count-min sketch of 2 MiB, the
//! value counts with forward decay.

use super::decay::Clock;
use super::features::{Feature, NF};

/// Lines of the sketch (one cache line each): 2^15 x 64 bytes = 2 MiB.
const LINE_BITS: u32 = 15;
const LINES: usize = 1 << LINE_BITS;
/// (value count, distinct users) pairs per 64-byte line.
const PAIRS: usize = 8;

/// A blocked count-min sketch keyed by (feature, value hash): both of a key's cells sit in
/// one cache line, so a lookup costs one memory access. Each cell holds the value's
/// decayed sign-in count and its (undecayed) number of distinct users.
#[derive(Debug, Clone)]
struct Sketch {
    lines: Vec<[[f32; 2]; PAIRS]>,
}

impl Sketch {
    fn new() -> Sketch {
        Sketch {
            lines: vec![[[0.0; 2]; PAIRS]; LINES],
        }
    }

    #[inline]
    fn slots(f: Feature, key: u32) -> (usize, usize, usize) {
        let x = (key as u64) | ((f as u64) << 32);
        let a = x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let line = (a >> (64 - LINE_BITS)) as usize;
        let i = (a & 7) as usize;
        // A second, different slot in the same line.
        let j = (i + 1 + ((a >> 3) % 7) as usize) % PAIRS;
        (line, i, j)
    }

    /// (count, users) estimates.
    #[inline]
    fn get(&self, f: Feature, key: u32) -> (f32, f32) {
        let (l, i, j) = Sketch::slots(f, key);
        let line = &self.lines[l];
        (line[i][0].min(line[j][0]), line[i][1].min(line[j][1]))
    }

    /// Conservative update: raise each cell only as far as the new estimate.
    #[inline]
    fn add(&mut self, f: Feature, key: u32, w: f32, new_user: bool) {
        let (l, i, j) = Sketch::slots(f, key);
        let line = &mut self.lines[l];
        for (part, add) in [(0, w), (1, if new_user { 1.0 } else { 0.0 })] {
            if add == 0.0 {
                continue;
            }
            let est = line[i][part].min(line[j][part]) + add;
            line[i][part] = line[i][part].max(est);
            line[j][part] = line[j][part].max(est);
        }
    }

    /// Rescales the decayed counts (not the user counts).
    fn scale(&mut self, factor: f32) {
        for line in &mut self.lines {
            for pair in line.iter_mut() {
                pair[0] *= factor;
            }
        }
    }
}

/// Tenant-wide decayed frequencies.
#[derive(Debug, Clone)]
pub struct TenantStats {
    clock: Option<Clock>,
    half_life: f64,
    values: Sketch,
    /// Decayed total of successful sign-ins (stored units).
    total: f64,
    /// Per feature, how many times a value was new to a user (not decayed): an upper
    /// bound on the number of distinct values the tenant has seen.
    first_uses: [f64; NF],
    log_distinct: [f64; NF],
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
            total: 0.0,
            first_uses: [0.0; NF],
            log_distinct: [1.0; NF],
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

    /// The decay weight at `t` (None before anything is learned), for [`Self::counts_with`].
    pub fn weight_at(&self, t: i64) -> Option<f64> {
        self.clock.map(|c| c.weight(t, self.half_life))
    }

    /// (decayed count of the value, decayed total), in sign-ins at the time of weight `w`.
    pub fn counts_with(&self, w: Option<f64>, f: Feature, key: u32) -> (f64, f64) {
        let Some(w) = w else {
            return (0.0, 0.0);
        };
        let c = if key == 0 {
            0.0
        } else {
            self.values.get(f, key).0 as f64 / w
        };
        (c, self.total / w)
    }

    /// (decayed count of the value, decayed total), in sign-ins at time t.
    pub fn counts(&self, t: i64, f: Feature, key: u32) -> (f64, f64) {
        self.counts_with(self.weight_at(t), f, key)
    }

    /// Raw sketch cells for a value: (stored decayed count, distinct users). Score code
    /// reads all features' cells first so the memory accesses overlap.
    #[inline]
    pub fn lookup(&self, f: Feature, key: u32) -> (f32, f32) {
        self.values.get(f, key)
    }

    /// Total decayed sign-ins in stored units (divide by the weight, as counts are).
    pub fn total_stored(&self) -> f64 {
        self.total
    }

    /// log10 of [`Self::distinct`], kept up to date on learning.
    pub fn log_distinct(&self, f: Feature) -> f64 {
        self.log_distinct[f as usize]
    }

    /// Number of distinct users that took up this value (not decayed: an office network
    /// stays shared while its users keep using it, even if nobody new joins).
    pub fn users_of(&self, f: Feature, key: u32) -> f64 {
        if key == 0 {
            return 0.0;
        }
        self.values.get(f, key).1 as f64
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
            self.values.add(*f, values[i], w as f32, new_for_user[i]);
            if new_for_user[i] {
                self.first_uses[i] += 1.0;
                self.log_distinct[i] = self.distinct(*f).log10();
            }
        }
    }
}
