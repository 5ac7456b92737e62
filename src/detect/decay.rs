//! Forward exponential decay (Cormode et al.): an event at time t adds weight
//! 2^((t - landmark) / half_life) instead of decaying every stored count at every event.
//! Ratios of counts stored this way equal ratios of exponentially decayed counts, and a
//! count in "events at time t" units is `stored / weight(t)`. When weights grow large the
//! owner rescales its counts and moves the landmark ([`Clock::rescale_if_needed`]).

/// Forward-decay clock for one set of counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    /// Unix seconds.
    pub landmark: i64,
}

/// Rescale when a weight exceeds 2^RESCALE_EXP (f32 counts stay far from overflow).
const RESCALE_EXP: f64 = 40.0;

impl Clock {
    pub fn new(landmark: i64) -> Clock {
        Clock { landmark }
    }

    /// The weight of an event at `t`.
    #[inline]
    pub fn weight(&self, t: i64, half_life_secs: f64) -> f64 {
        ((t - self.landmark) as f64 / half_life_secs).exp2()
    }

    /// If the weight at `t` is too large, moves the landmark forward and returns the factor
    /// every stored count must be multiplied by.
    pub fn rescale_if_needed(&mut self, t: i64, half_life_secs: f64) -> Option<f32> {
        let exp = (t - self.landmark) as f64 / half_life_secs;
        if exp <= RESCALE_EXP {
            return None;
        }
        let shift = exp.floor();
        self.landmark += (shift * half_life_secs) as i64;
        Some((-shift).exp2() as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_matches_decay() {
        let c = Clock::new(0);
        let h = 100.0;
        // An event one half-life older counts half.
        let r = c.weight(100, h) / c.weight(200, h);
        assert!((r - 0.5).abs() < 1e-12);
    }

    #[test]
    fn rescale_keeps_ratios() {
        let mut c = Clock::new(0);
        let h = 1.0;
        let w_old = c.weight(10, h);
        let factor = c.rescale_if_needed(45, h).expect("rescales past 2^40");
        let w_new = c.weight(45, h);
        // A count stored at 10, rescaled, compared with a fresh weight at 45:
        let ratio = (w_old * factor as f64) / w_new;
        assert!((ratio - (-35f64).exp2()).abs() < 1e-15);
        assert!(c.rescale_if_needed(46, h).is_none());
    }
}
