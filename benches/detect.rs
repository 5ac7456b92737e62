//! Score-and-update per sign-in with 100k users loaded (each with ~20 sign-ins of
//! history), one core. Run: `cargo bench --bench detect`; criterion prints sign-ins/s.

use chrono::{TimeZone, Utc};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use riskd::detect::{DetectConfig, Engine};
use riskd::model::Event;
use riskd::sim::load_sign_in;

const USERS: u64 = 100_000;
const HISTORY: u64 = 20;
const BATCH: u64 = 10_000;

fn bench(c: &mut Criterion) {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
    let mut engine = Engine::new(DetectConfig::default());
    for k in 0..HISTORY {
        for u in 0..USERS {
            engine.process(&Event::SignIn(Box::new(load_sign_in(u, k, start))));
        }
    }
    assert_eq!(engine.users_tracked(), USERS as usize);
    // A stream of later sign-ins spread over all users (decoded already: this measures
    // detection, not decoding).
    let stream: Vec<Event> = (0..BATCH)
        .map(|i| {
            let u = i.wrapping_mul(7919) % USERS;
            Event::SignIn(Box::new(load_sign_in(u, HISTORY + i / USERS, start)))
        })
        .collect();
    let mut group = c.benchmark_group("detect");
    group.throughput(Throughput::Elements(BATCH));
    group.bench_function("score_and_update_100k_users", |b| {
        b.iter(|| {
            let mut flagged = 0usize;
            for e in &stream {
                flagged += engine.process(black_box(e)).risky_sign_in.is_some() as usize;
            }
            flagged
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
