//! Property tests: no input makes the decoders panic, and everything that is not a valid
//! empty container yields events, skips or dead letters with reasons.

mod common;

use common::*;
use proptest::prelude::*;

fn sample_lines() -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    for name in [
        "eventhub-signinlogs.ndjson",
        "eventhub-auditlogs.ndjson",
        "graph-directoryaudit.ndjson",
    ] {
        let text = std::fs::read(shared_samples().join(name)).unwrap();
        lines.extend(
            text.split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .map(<[u8]>::to_vec),
        );
    }
    lines
}

fn check_accounted(data: &[u8]) {
    let c = decode_bytes(data);
    for d in &c.dead_letters {
        assert!(!d.reason.is_empty() && !d.reason_kind.is_empty());
        assert!(d.original_len > 0);
    }
    let produced = c.events.len() + c.dead_letters.len() + c.skipped.values().sum::<u64>() as usize;
    let blank = data.iter().all(u8::is_ascii_whitespace);
    if !blank && !is_valid_empty_container(data) {
        assert!(
            produced > 0,
            "input {:?} produced nothing",
            String::from_utf8_lossy(data)
        );
    }
}

/// `[]`, `{"records":[]}`, `{"value":[]}` and NDJSON of only those legitimately hold nothing.
fn is_valid_empty_container(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let mut any = false;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(_) => return whole_is_empty_container(text),
        };
        any = true;
        if !empty_container(&v) {
            return false;
        }
    }
    any || whole_is_empty_container(text)
}

fn whole_is_empty_container(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| empty_container(&v))
}

fn empty_container(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Array(items) => items.iter().all(empty_container),
        serde_json::Value::Object(m) => ["records", "value"].iter().any(|k| {
            m.get(*k)
                .and_then(|x| x.as_array())
                .is_some_and(|a| a.iter().all(empty_container))
        }),
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_accounted(&data);
    }

    #[test]
    fn arbitrary_text_never_panics(s in "[{}\\[\\]\",:a-z0-9 \n\\\\]{0,200}") {
        check_accounted(s.as_bytes());
    }

    #[test]
    fn mutated_records_never_panic(
        idx in 0usize..200,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let lines = sample_lines();
        let mut line = lines[idx % lines.len()].clone();
        for (pos, byte, op) in edits {
            if line.is_empty() { break; }
            let p = pos % line.len();
            match op {
                0 => line[p] = byte,
                1 => { line.remove(p); }
                _ => line.insert(p, byte),
            }
        }
        check_accounted(&line);
    }

    #[test]
    fn truncated_records_never_panic(idx in 0usize..200, cut in any::<usize>()) {
        let lines = sample_lines();
        let line = &lines[idx % lines.len()];
        check_accounted(&line[..cut % line.len()]);
    }
}
