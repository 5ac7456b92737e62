//! Decoding Event Hub sign-in records into `SignIn`, against a generic
//! `serde_json::from_slice::<serde_json::Value>` over the same bytes, in the same run.
//!
//! Input: the real-format Event Hub sign-in samples (2-5 KB each, as Azure sends them),
//! each as one Kafka-message-sized document `{"records":[record]}`.
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
            let mut sink = Collected::default();
            for m in &msgs {
                decode_document(black_box(m), &origin, Hints::default(), &mut sink);
            }
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
        b.iter(|| {
            let mut sink = Collected::default();
            for m in &msgs {
                decode_document(black_box(m), &origin, Hints::default(), &mut sink);
            }
            sink
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
