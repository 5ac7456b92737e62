//! Whole inputs (a file's bytes, stdin, a Kafka message): gzip, then format detection.
//!
//! - gzip (magic `1f 8b`) is decompressed first, whatever the name;
//! - text starting with `{` or `[` is JSON: NDJSON, one line a document, when the first
//!   line is a complete JSON value (or broken in a way more text would not fix); otherwise
//!   one or more pretty-printed documents;
//! - text whose first line is a known CSV header is CSV ([`super::csv`]);
//! - anything else is read as NDJSON, so each bad line becomes its own dead letter.

use std::io::Read;

use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use super::csv::decode_csv;
use super::dead_letter::{DeadLetter, Origin};
use super::error::DecodeError;
use super::json::{decode_document, trim_json};
use super::normalize::Hints;
use super::Sink;

/// Decodes a whole input. `origin` names the file (its line is set per record).
pub fn decode_input(data: &[u8], origin: &Origin, hints: Hints, sink: &mut impl Sink) {
    if data.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        match flate2::read::MultiGzDecoder::new(data).read_to_end(&mut out) {
            Ok(_) => return decode_input(&out, origin, hints, sink),
            Err(e) => {
                let err = DecodeError::Io(format!("gzip data is corrupt: {e}"));
                sink.dead_letter(DeadLetter::new(origin.at_line(1), &err, data));
                return;
            }
        }
    }
    let body = trim_json(data);
    match body.first() {
        None => {}
        Some(b'{') | Some(b'[') => {
            if first_line_is_document(body) {
                decode_lines(data, origin, hints, sink);
            } else {
                decode_pretty(data, origin, hints, sink);
            }
        }
        Some(_) => {
            let decoded_as_csv = match std::str::from_utf8(data) {
                Ok(text) => decode_csv(text, &origin.at_line(1), hints, sink),
                Err(_) => false,
            };
            if !decoded_as_csv {
                decode_lines(data, origin, hints, sink);
            }
        }
    }
}

fn first_line_is_document(body: &[u8]) -> bool {
    let line = body.split(|&c| c == b'\n').next().unwrap_or(body);
    match serde_json::from_slice::<IgnoredAny>(line) {
        Ok(_) => true,
        Err(e) => !e.is_eof(),
    }
}

/// NDJSON: each non-blank line is one document.
fn decode_lines(data: &[u8], origin: &Origin, hints: Hints, sink: &mut impl Sink) {
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', data).chain(std::iter::once(data.len()));
    for (i, end) in ends.enumerate() {
        let line = &data[start..end];
        start = end + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        decode_document(line, &origin.at_line(i as u64 + 1), hints, sink);
    }
}

/// One or more pretty-printed documents; a broken one ends the file as one dead letter.
fn decode_pretty(data: &[u8], origin: &Origin, hints: Hints, sink: &mut impl Sink) {
    let line_at = |offset: usize| {
        1 + data[..offset.min(data.len())]
            .iter()
            .filter(|&&c| c == b'\n')
            .count() as u64
    };
    let text = match std::str::from_utf8(data) {
        Ok(t) => t,
        Err(e) => {
            let err = DecodeError::InvalidUtf8 {
                valid_up_to: e.valid_up_to(),
            };
            sink.dead_letter(DeadLetter::new(origin.at_line(1), &err, data));
            return;
        }
    };
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
    loop {
        let start = stream.byte_offset();
        match stream.next() {
            None => break,
            Some(Ok(raw)) => {
                let skipped_ws = text[start..].len() - text[start..].trim_start().len();
                let o = origin.at_line(line_at(start + skipped_ws));
                decode_document(raw.get().as_bytes(), &o, hints, sink);
            }
            Some(Err(e)) => {
                let err = DecodeError::InvalidJson(e.to_string());
                let rest = &data[start..];
                let skipped_ws = rest.len() - trim_json(rest).len();
                sink.dead_letter(DeadLetter::new(
                    origin.at_line(line_at(start + skipped_ws.min(rest.len()))),
                    &err,
                    trim_json(rest),
                ));
                break;
            }
        }
    }
}
