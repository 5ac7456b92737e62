//! Bounded per-user value tables: the K heaviest values of a feature with decayed counts.
//!
//! A table is a slice of `(key, count)` slots inside the profile's flat arrays (no heap).
//! A new value takes an empty slot, or replaces the lightest one. Unlike textbook
//! space-saving, the newcomer starts from its own weight rather than inheriting the evicted
//! count: overestimating a brand-new value's familiarity would hide the attacker's second
//! sign-in. With decay, stale values are the light ones, so the table tracks current habits.

/// Finds `key` in a table; returns its count (0.0 when absent).
#[inline]
pub fn count(keys: &[u32], counts: &[f32], key: u32) -> f32 {
    if key == 0 {
        return 0.0;
    }
    keys.iter()
        .position(|&k| k == key)
        .map_or(0.0, |i| counts[i])
}

/// Adds `w` to `key`; returns true when the key was not in the table.
#[inline]
pub fn add(keys: &mut [u32], counts: &mut [f32], key: u32, w: f32) -> bool {
    if key == 0 {
        return false;
    }
    if let Some(i) = keys.iter().position(|&k| k == key) {
        counts[i] += w;
        return false;
    }
    // Empty slot, else the lightest.
    let mut slot = 0;
    let mut min = f32::INFINITY;
    for (i, (&k, &c)) in keys.iter().zip(counts.iter()).enumerate() {
        if k == 0 {
            slot = i;
            break;
        }
        if c < min {
            min = c;
            slot = i;
        }
    }
    keys[slot] = key;
    counts[slot] = w;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_heaviest_and_evicts_the_lightest() {
        let mut k = [0u32; 3];
        let mut c = [0f32; 3];
        assert!(add(&mut k, &mut c, 10, 5.0));
        assert!(!add(&mut k, &mut c, 10, 1.0));
        assert!(add(&mut k, &mut c, 11, 2.0));
        assert!(add(&mut k, &mut c, 12, 3.0));
        assert_eq!(count(&k, &c, 10), 6.0);
        // Full: 13 replaces the lightest (11) and starts from its own weight.
        assert!(add(&mut k, &mut c, 13, 1.0));
        assert_eq!(count(&k, &c, 11), 0.0);
        assert_eq!(count(&k, &c, 13), 1.0);
        assert_eq!(count(&k, &c, 0), 0.0);
    }
}
