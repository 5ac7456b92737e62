//! The user table: profiles in one dense `Vec`, found through a small hash index
//! (user key hash -> slot). A hash map of 700-byte values would keep up to half its
//! buckets empty after growing and touch them all when rehashing; a vector only ever
//! touches the slots in use, so memory per user stays close to the profile's size.

use rustc_hash::FxHashMap;

use super::profile::UserProfile;

/// Per-user profiles keyed by user hash.
#[derive(Debug, Default)]
pub struct UserTable {
    index: FxHashMap<u64, u32>,
    profiles: Vec<UserProfile>,
}

impl UserTable {
    /// Number of users.
    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    pub fn get(&self, key: u64) -> Option<&UserProfile> {
        self.index.get(&key).map(|&i| &self.profiles[i as usize])
    }

    pub fn get_mut(&mut self, key: u64) -> Option<&mut UserProfile> {
        self.index
            .get(&key)
            .map(|&i| &mut self.profiles[i as usize])
    }

    /// The user's profile, created (first seen at `t`) when missing.
    pub fn get_or_insert(&mut self, key: u64, t: i64) -> &mut UserProfile {
        let next = self.profiles.len() as u32;
        let i = *self.index.entry(key).or_insert(next);
        if i == next {
            self.profiles.push(UserProfile::new(t));
        }
        &mut self.profiles[i as usize]
    }

    /// Asks the CPU to start loading a user's whole profile into cache, so the
    /// load overlaps with feature extraction instead of stalling the scoring.
    #[inline]
    pub fn prefetch(&self, key: u64) {
        #[cfg(target_arch = "x86_64")]
        if let Some(&i) = self.index.get(&key) {
            let start = &self.profiles[i as usize] as *const UserProfile as *const i8;
            for offset in (0..std::mem::size_of::<UserProfile>()).step_by(64) {
                // SAFETY: prefetching is a hint with no memory effects; the address is
                // inside a live `UserProfile`.
                unsafe {
                    std::arch::x86_64::_mm_prefetch(
                        start.add(offset),
                        std::arch::x86_64::_MM_HINT_T0,
                    );
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = key;
    }

    /// All profiles.
    pub fn iter(&self) -> impl Iterator<Item = &UserProfile> {
        self.profiles.iter()
    }
}
