//! The composite score: Freeman et al.'s likelihood ratio Π p(x_k) / p(x_k | user), in
//! log10, as a sum of per-feature terms (the explanation).
//!
//! - p(x) is the tenant's smoothed share of the value (never 0: a Good-Turing style reserve
//!   for as many unseen values as the tenant has distinct ones, see `TenantStats::distinct`).
//! - p(x | user) is the user's decayed frequency, smoothed towards p(x) with a prior worth
//!   one sign-in, so an unseen value scores log10(N_user + 1) and a habitual one scores
//!   strongly negative.
//! - Learning mode: while a user has too little history (`learning_min_signins`,
//!   `learning_min_days`), each term is blended with a tenant-rarity term
//!   log10((1 / distinct) / p(x)): values rare in the whole tenant stand out even
//!   for a brand-new user, values most of the tenant uses read as familiar.
//! - Past learning mode, half of the positive rarity term is added too: a value no one in
//!   the tenant uses (a hosting ASN, an attack tool's user agent) is more telling than one
//!   the user merely has not used yet.
//! - Terms are clipped to [-1, 3] before weighting, so one very familiar feature cannot hide
//!   several unfamiliar ones, and one rare value cannot alone make a sign-in high risk.
//! - Location terms are capped at 0 for trusted networks and for values many users share
//!   (office and VPN egress); the app term likewise for tenant-wide apps.

use super::config::DetectConfig;
use super::features::{Feature, Features, FEATURES, NF};
use super::profile::UserProfile;
use super::tenant::TenantStats;

/// Clip bounds for one term, before weighting.
const TERM_MIN: f64 = -1.0;
const TERM_MAX: f64 = 3.0;
/// Share of a value's tenant-wide rarity added for users past learning mode.
pub const TENANT_NOVELTY: f64 = 0.5;
/// Weight of the hour-of-week term.
pub const HOUR_WEIGHT: f64 = 0.3;

/// One feature's numbers for the explanation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Term {
    pub user_count: f64,
    pub user_total: f64,
    pub tenant_share: f64,
    /// Distinct users of the tenant who took up the value (location and app features).
    pub tenant_users: f64,
    pub contribution: f64,
}

/// The score of one sign-in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub terms: [Term; NF],
    pub hour: Term,
    pub total: f64,
    pub learning: bool,
}

/// Why location or app terms may not count as unusual.
#[derive(Debug, Clone, Copy, Default)]
pub struct Suppressions {
    /// Trusted network, VPN or carrier ASN: no location term above 0.
    pub location: bool,
}

/// log10 in single precision: scores are reported to 4 decimals, f32's 7 digits are
/// plenty, and `log10f` costs about half of `log10`.
#[inline]
fn log10(x: f64) -> f64 {
    (x as f32).log10() as f64
}

fn clip(x: f64) -> f64 {
    x.clamp(TERM_MIN, TERM_MAX)
}

/// Scores a sign-in against the user's profile (before it is learned) and the tenant.
pub fn score(
    profile: &UserProfile,
    tenant: &TenantStats,
    features: &Features,
    t: i64,
    cfg: &DetectConfig,
    half_life: f64,
    suppress: Suppressions,
) -> Score {
    let maturity = profile.maturity(t, cfg.learning_min_signins, cfg.learning_min_days);
    let learning = profile.learning(t, cfg.learning_min_signins, cfg.learning_min_days);
    let shared_min = cfg.suppression.shared_location_min_users;
    // Decay weights once per event (exp2 is the costly part of a lookup).
    let w_user = profile.clock.weight(t, half_life);
    let user_total = profile.total as f64 / w_user;
    let w_tenant = tenant.weight_at(t);
    let mut terms = [Term::default(); NF];
    let mut total = 0.0;
    // Pass 1: every memory access (tenant sketch line, user table slot), independent of
    // each other so the CPU overlaps the cache misses.
    let mut cells = [(0f32, 0f32); NF];
    let mut counts = [0f32; NF];
    for (i, f) in FEATURES.iter().enumerate() {
        let key = features.values[i];
        if key != 0 {
            cells[i] = tenant.lookup(*f, key);
            counts[i] = profile.count(*f, key);
        }
    }
    // Pass 2: the arithmetic.
    let n_t = w_tenant.map_or(0.0, |w| tenant.total_stored() / w);
    for (i, f) in FEATURES.iter().enumerate() {
        let key = features.values[i];
        if key == 0 {
            continue;
        }
        let c_t = w_tenant.map_or(0.0, |w| cells[i].0 as f64 / w);
        let share = (c_t + 1.0) / (n_t + tenant.distinct(*f));
        let count = counts[i] as f64 / w_user;
        let p_user = (count + share) / (user_total + 1.0);
        let log_share = log10(share);
        let user_term = clip(log_share - log10(p_user));
        let rarity_term = clip(-tenant.log_distinct(*f) - log_share);
        // Values new to the whole tenant (hosting ASNs, attack tools) add part of their
        // rarity even for users with history.
        let mut raw = maturity * (user_term + TENANT_NOVELTY * rarity_term.max(0.0))
            + (1.0 - maturity) * rarity_term;
        let tenant_users = if f.is_location() || *f == Feature::App {
            cells[i].1 as f64
        } else {
            0.0
        };
        let shared = match f {
            _ if f.is_location() => suppress.location || tenant_users >= shared_min,
            Feature::App => tenant_users >= cfg.new_application.max_tenant_users,
            _ => false,
        };
        if shared {
            raw = raw.min(0.0);
        }
        let contribution = f.weight() * raw;
        total += contribution;
        terms[i] = Term {
            user_count: count,
            user_total,
            tenant_share: share,
            tenant_users,
            contribution,
        };
    }
    let hour = hour_term(profile, tenant, features.hour_of_week, maturity);
    total += hour.contribution;
    Score {
        terms,
        hour,
        total,
        learning,
    }
}

fn hour_term(profile: &UserProfile, tenant: &TenantStats, how: usize, maturity: f64) -> Term {
    let tenant_share = tenant.hour_share(how).max(1.0 / 168.0 / 10.0);
    let user_share = profile.hour_share(how);
    // Smooth with a prior worth one sign-in at the tenant's share.
    let n = profile.successes as f64;
    let p_user = (user_share * n + tenant_share) / (n + 1.0);
    let user_term = clip(log10(tenant_share / p_user));
    // In learning mode, hours are judged against the tenant (no rarity reserve: hours are few).
    let raw = maturity * user_term;
    Term {
        user_count: user_share * n,
        user_total: n,
        tenant_share,
        tenant_users: 0.0,
        contribution: HOUR_WEIGHT * raw,
    }
}

impl Score {
    /// The numbers behind one feature.
    pub fn term(&self, f: Feature) -> &Term {
        &self.terms[f as usize]
    }
}
