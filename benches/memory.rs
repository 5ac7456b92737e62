//! Memory per user: builds realistic profiles for 1M users (20 sign-ins each) and reports
//! the resident-set growth per user. Run: `cargo bench --bench memory` (Linux: /proc).

use chrono::{TimeZone, Utc};
use riskd::detect::{DetectConfig, Engine};
use riskd::model::Event;
use riskd::sim::load_sign_in;

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("rss field");
    pages * 4096
}

fn main() {
    let users: u64 = std::env::var("RISKD_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let history = 20;
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
    let before = rss_bytes();
    let mut engine = Engine::new(DetectConfig::default());
    let t = std::time::Instant::now();
    for k in 0..history {
        for u in 0..users {
            engine.process(&Event::SignIn(Box::new(load_sign_in(u, k, start))));
        }
    }
    let after = rss_bytes();
    let per_user = (after - before) as f64 / users as f64;
    println!(
        "memory: {} users, {} sign-ins each: RSS {:.1} MiB -> {:.1} MiB, {:.0} bytes per user (target <= 1024); {} profiles; built in {:.1} s",
        users,
        history,
        before as f64 / 1048576.0,
        after as f64 / 1048576.0,
        per_user,
        engine.users_tracked(),
        t.elapsed().as_secs_f64()
    );
    assert_eq!(engine.users_tracked() as u64, users);
}
