//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use riskd::ingest::{decode_input, Collected, Origin};
use riskd::model::{AuditEvent, Event, SignIn};
use riskd::replay::hints_for;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Real-format Event Hub and Graph records from public test fixtures
/// (`tests/fixtures/entra-samples`, origins in its SOURCES.md).
pub fn shared_samples() -> PathBuf {
    fixture("entra-samples")
}

pub fn decode_path(path: &Path) -> Collected {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    decode_bytes_named(&data, &path.display().to_string(), path)
}

pub fn decode_bytes_named(data: &[u8], name: &str, path: &Path) -> Collected {
    let mut c = Collected::default();
    let origin = Origin::File {
        file: name.to_owned(),
        line: 1,
        record: None,
    };
    decode_input(data, &origin, hints_for(path), &mut c);
    c
}

pub fn decode_bytes(data: &[u8]) -> Collected {
    decode_bytes_named(data, "mem", Path::new("mem"))
}

pub fn signins(c: &Collected) -> Vec<&SignIn> {
    c.events
        .iter()
        .filter_map(|e| match e {
            Event::SignIn(s) => Some(s.as_ref()),
            _ => None,
        })
        .collect()
}

pub fn audits(c: &Collected) -> Vec<&AuditEvent> {
    c.events
        .iter()
        .filter_map(|e| match e {
            Event::Audit(a) => Some(a.as_ref()),
            _ => None,
        })
        .collect()
}
