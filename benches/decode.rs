//! Decoding Event Hub sign-in records into `SignIn`, against a generic
//! `serde_json::from_slice::<serde_json::Value>` over the same bytes, in the same run.
//!
//! Input: the real-format Event Hub sign-in samples (2-5 KB each, as Azure sends them),
//! each as one Kafka-message-sized document `{"records":[record]}`.
//! A second group decodes 4,000 distinct messages of 4 simulated records each (the e2e
//! bench's input, 48 MB, far more than the caches hold), as a consumer meets them: each
//! message once per pass, no key or byte pattern warm from the previous iteration.
//!
//! Run: `cargo bench --bench decode`; criterion prints MB/s (bytes) per case.

use std::path::Path;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use riskd::ingest::json::decode_document;
use riskd::ingest::{Collected, Hints, Origin};

fn messages() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/entra-samples");
    let mut out = Vec::new();
    for name in [
        "eventhub-signinlogs.ndjson",
        "eventhub-noninteractiveusersigninlogs.ndjson",
    ] {
        let text = std::fs::read_to_string(dir.join(name)).expect("tests/fixtures/entra-samples");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            out.push(format!("{{\"records\":[{line}]}}").into_bytes());
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let msgs = messages();
    let bytes: u64 = msgs.iter().map(|m| m.len() as u64).sum();
    let origin = Origin::Kafka {
        topic: "bench".into(),
        partition: 0,
        offset: 0,
        record: None,
    };
    let mut group = c.benchmark_group("decode_eventhub_signins");
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("riskd_decode_to_SignIn", |b| {
        b.iter(|| {
            let sink = decode_all(&msgs, &origin);
            assert_eq!(sink.events.len(), msgs.len());
            sink
        })
    });
    group.bench_function("serde_json_Value_generic", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for m in &msgs {
                let v: serde_json::Value = serde_json::from_slice(black_box(m)).unwrap();
                n += v.as_object().map_or(0, |o| o.len());
            }
            n
        })
    });
    group.finish();

    let mut group = c.benchmark_group("decode_eventhub_signins_records");
    group.throughput(Throughput::Elements(msgs.len() as u64));
    group.bench_function("riskd_decode_to_SignIn", |b| {
        b.iter(|| decode_all(&msgs, &origin))
    });
    group.finish();

    let cold = distinct_messages(4000, 4);
    let bytes: u64 = cold.iter().map(|m| m.len() as u64).sum();
    let mut group = c.benchmark_group("decode_distinct_simulated_messages");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("riskd_decode_to_SignIn", |b| {
        b.iter(|| {
            let sink = decode_all(&cold, &origin);
            assert_eq!(sink.events.len(), cold.len() * 4);
            sink.events.len()
        })
    });
    group.finish();
}

/// Every message of `msgs` through riskd's decoder, as a consumer would.
fn decode_all(msgs: &[Vec<u8>], origin: &Origin) -> Collected {
    let mut sink = Collected::default();
    for m in msgs {
        decode_document(black_box(m), origin, Hints::default(), &mut sink);
    }
    sink
}

/// `n` Event Hub messages of `per` simulated sign-ins each, every record of another user.
fn distinct_messages(n: u64, per: u64) -> Vec<Vec<u8>> {
    use chrono::TimeZone;
    let start = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
    (0..n)
        .map(|i| {
            let records: Vec<serde_json::Value> = (0..per)
                .map(|j| {
                    riskd::sim::eventhub::sign_in_record(&riskd::sim::load_sign_in(
                        i * per + j,
                        0,
                        start,
                    ))
                })
                .collect();
            serde_json::json!({ "records": records })
                .to_string()
                .into_bytes()
        })
        .collect()
}

criterion_group!(benches, bench);
criterion_main!(benches);
