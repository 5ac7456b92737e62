//! JSON documents: Event Hub `{"records":[...]}` envelopes, bare records, Graph objects,
//! arrays and `{"value":[...]}` pages, Log Analytics JSON rows.
//!
//! Fast path: one typed pass into [`RawRecord`] (no `serde_json::Value`). Only when that
//! fails, or a record fails normalization, is the document split into its records as raw
//! JSON slices, so each bad record becomes its own dead letter with its own bytes and the
//! good records around it still decode.

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::dead_letter::{DeadLetter, Origin};
use super::error::DecodeError;
use super::normalize::{normalize, Hints, Normalized};
use super::raw::RawRecord;
use super::Sink;

/// Decodes one JSON document (one NDJSON line, one Kafka message, one file).
pub fn decode_document(bytes: &[u8], origin: &Origin, hints: Hints, sink: &mut impl Sink) {
    let body = trim_json(bytes);
    if body.is_empty() {
        return;
    }
    match parse_fast(body) {
        Ok(records) => {
            let mut failed = Vec::new();
            for (i, rec) in records.into_iter().enumerate() {
                emit(normalize(rec, hints), i, &mut failed, sink);
            }
            if !failed.is_empty() {
                let raws = split_records(body).unwrap_or_default();
                let several = raws.len() > 1;
                for (i, err) in failed {
                    let raw = raws.get(i).map(|r| r.get().as_bytes()).unwrap_or(body);
                    let o = if several {
                        origin.with_record(i)
                    } else {
                        origin.clone()
                    };
                    sink.dead_letter(DeadLetter::new(o, &err, raw));
                }
            }
        }
        Err(e) => {
            if let Err(u) = std::str::from_utf8(body) {
                let err = DecodeError::InvalidUtf8 {
                    valid_up_to: u.valid_up_to(),
                };
                sink.dead_letter(DeadLetter::new(origin.clone(), &err, bytes));
                return;
            }
            match (e.is_data(), split_records(body)) {
                (true, Ok(raws)) => decode_each(&raws, origin, hints, sink),
                _ => {
                    let err = DecodeError::InvalidJson(e.to_string());
                    sink.dead_letter(DeadLetter::new(origin.clone(), &err, bytes));
                }
            }
        }
    }
}

fn emit(
    result: Result<Normalized, DecodeError>,
    index: usize,
    failed: &mut Vec<(usize, DecodeError)>,
    sink: &mut impl Sink,
) {
    match result {
        Ok(Normalized::Event(e)) => sink.event(e),
        Ok(Normalized::Skipped(category)) => sink.skipped(&category),
        Err(err) => failed.push((index, err)),
    }
}

/// Slow path: decode records one by one, naming the field path of type errors.
fn decode_each(raws: &[&RawValue], origin: &Origin, hints: Hints, sink: &mut impl Sink) {
    let several = raws.len() > 1;
    for (i, raw) in raws.iter().enumerate() {
        let text = raw.get();
        let mut de = serde_json::Deserializer::from_str(text);
        let result = serde_path_to_error::deserialize::<_, RawRecord>(&mut de)
            .map_err(|e| DecodeError::FieldType(format!("at `{}`: {}", e.path(), e.inner())))
            .and_then(|rec| normalize(rec, hints));
        let mut failed = Vec::new();
        emit(result, i, &mut failed, sink);
        for (_, err) in failed {
            let o = if several {
                origin.with_record(i)
            } else {
                origin.clone()
            };
            sink.dead_letter(DeadLetter::new(o, &err, text.as_bytes()));
        }
    }
}

/// Strips a UTF-8 byte-order mark and surrounding ASCII whitespace.
pub fn trim_json(bytes: &[u8]) -> &[u8] {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &b[start..end]
}

fn parse_fast(body: &[u8]) -> Result<Vec<RawRecord>, serde_json::Error> {
    // One UTF-8 check of the whole document, then a `str` parse: cheaper than
    // `from_slice`, which checks every string on its own.
    let text = std::str::from_utf8(body).map_err(|_| not_json_container())?;
    match body.first() {
        // One object, usually an Event Hub envelope: its records are returned as parsed,
        // not moved one by one (a `RawRecord` is about 2 KB).
        Some(b'{') => {
            let mut rec: RawRecord = serde_json::from_str(text)?;
            Ok(take_records(&mut rec).unwrap_or_else(|| vec![rec]))
        }
        Some(b'[') => {
            let top: Vec<RawRecord> = serde_json::from_str(text)?;
            let mut out = Vec::with_capacity(top.len());
            for mut rec in top {
                match take_records(&mut rec) {
                    Some(records) => out.extend(records),
                    None => out.push(rec),
                }
            }
            Ok(out)
        }
        _ => Err(not_json_container()),
    }
}

/// A container's records (`records` of an envelope, `value` of a Graph page); `None` when
/// `rec` is a record, not a container.
fn take_records(rec: &mut RawRecord) -> Option<Vec<RawRecord>> {
    rec.records.take().or_else(|| rec.value.take())
}

fn not_json_container() -> serde_json::Error {
    serde_json::from_str::<IgnoredAny>("x").unwrap_err()
}

#[derive(Deserialize)]
struct Container<'a> {
    #[serde(borrow, default)]
    records: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    value: Option<Vec<&'a RawValue>>,
}

/// Splits a document into its records as raw JSON, mirroring [`parse_fast`]'s flattening.
fn split_records(body: &[u8]) -> Result<Vec<&RawValue>, serde_json::Error> {
    let text = std::str::from_utf8(body).map_err(|_| not_json_container())?;
    let top: Vec<&RawValue> = match body.first() {
        Some(b'[') => serde_json::from_str(text)?,
        Some(b'{') => vec![serde_json::from_str(text)?],
        _ => return Err(not_json_container()),
    };
    let mut out = Vec::with_capacity(top.len());
    for raw in top {
        match serde_json::from_str::<Container>(raw.get()) {
            Ok(Container {
                records: Some(r), ..
            })
            | Ok(Container { value: Some(r), .. }) => out.extend(r),
            _ => out.push(raw),
        }
    }
    Ok(out)
}
