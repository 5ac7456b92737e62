//! Dead letters: input that could not be decoded, kept with where it came from, why, and the
//! original bytes, so nothing is lost and an operator can fix and re-feed it.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::error::DecodeError;

/// Original bytes kept per dead letter, at most; longer input is cut and marked.
pub const MAX_ORIGINAL_BYTES: usize = 64 * 1024;

/// Where a record came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", untagged)]
pub enum Origin {
    /// A file (`-` for standard input); `line` is 1-based; `record` is the 0-based index of
    /// the record inside a multi-record document (Event Hub `records`, Graph `value`).
    File {
        file: String,
        line: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        record: Option<u64>,
    },
    /// A Kafka message.
    Kafka {
        topic: String,
        partition: i32,
        offset: i64,
        #[serde(skip_serializing_if = "Option::is_none")]
        record: Option<u64>,
    },
}

impl Origin {
    /// The same origin, pointing at record `i` of its document.
    pub fn with_record(&self, i: usize) -> Origin {
        let mut o = self.clone();
        match &mut o {
            Origin::File { record, .. } | Origin::Kafka { record, .. } => *record = Some(i as u64),
        }
        o
    }

    /// The same file origin at another line (no-op for Kafka).
    pub fn at_line(&self, n: u64) -> Origin {
        let mut o = self.clone();
        if let Origin::File { line, .. } = &mut o {
            *line = n;
        }
        o
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::File { file, line, record } => {
                write!(f, "{file}:{line}")?;
                if let Some(r) = record {
                    write!(f, " record {r}")?;
                }
                Ok(())
            }
            Origin::Kafka {
                topic,
                partition,
                offset,
                record,
            } => {
                write!(f, "{topic}[{partition}]@{offset}")?;
                if let Some(r) = record {
                    write!(f, " record {r}")?;
                }
                Ok(())
            }
        }
    }
}

/// One undecodable record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    pub source: Origin,
    /// Short stable label, see [`DecodeError::kind`].
    pub reason_kind: String,
    /// What is wrong, in words.
    pub reason: String,
    /// The original bytes: as text when they are UTF-8, else base64 (`originalEncoding`).
    pub original: String,
    /// `utf8` or `base64`.
    pub original_encoding: String,
    /// Length of the original input in bytes.
    pub original_len: usize,
    /// True when `original` holds only the first [`MAX_ORIGINAL_BYTES`] bytes.
    pub truncated: bool,
}

impl DeadLetter {
    /// Builds a dead letter from the error and the original bytes (bounded).
    pub fn new(source: Origin, error: &DecodeError, original: &[u8]) -> DeadLetter {
        let truncated = original.len() > MAX_ORIGINAL_BYTES;
        let mut kept = &original[..original.len().min(MAX_ORIGINAL_BYTES)];
        // Do not split a UTF-8 character when cutting valid text.
        if truncated && std::str::from_utf8(original).is_ok() {
            while std::str::from_utf8(kept).is_err() {
                kept = &kept[..kept.len() - 1];
            }
        }
        let (text, encoding) = match std::str::from_utf8(kept) {
            Ok(s) => (s.to_owned(), "utf8"),
            Err(_) => (
                base64::engine::general_purpose::STANDARD.encode(kept),
                "base64",
            ),
        };
        DeadLetter {
            source,
            reason_kind: error.kind().to_owned(),
            reason: error.to_string(),
            original: text,
            original_encoding: encoding.to_owned(),
            original_len: original.len(),
            truncated,
        }
    }

    /// The original bytes as kept (decoding base64 when needed).
    pub fn original_bytes(&self) -> Vec<u8> {
        if self.original_encoding == "base64" {
            base64::engine::general_purpose::STANDARD
                .decode(&self.original)
                .unwrap_or_default()
        } else {
            self.original.clone().into_bytes()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin::File {
            file: "x".into(),
            line: 3,
            record: None,
        }
    }

    #[test]
    fn keeps_text_and_binary_and_bounds_size() {
        let e = DecodeError::UnrecognizedShape;
        let d = DeadLetter::new(origin(), &e, b"{\"a\":1}");
        assert_eq!(d.original, "{\"a\":1}");
        assert_eq!(d.original_encoding, "utf8");
        assert!(!d.truncated);

        let bin = [0xff, 0xfe, 0x00, 0x41];
        let d = DeadLetter::new(origin(), &e, &bin);
        assert_eq!(d.original_encoding, "base64");
        assert_eq!(d.original_bytes(), bin);

        let big = "é".repeat(MAX_ORIGINAL_BYTES);
        let d = DeadLetter::new(origin(), &e, big.as_bytes());
        assert!(d.truncated);
        assert_eq!(d.original_encoding, "utf8");
        assert!(d.original.len() <= MAX_ORIGINAL_BYTES);
        assert_eq!(d.original_len, big.len());
    }

    #[test]
    fn origin_displays_where_it_came_from() {
        assert_eq!(origin().with_record(2).to_string(), "x:3 record 2");
        let k = Origin::Kafka {
            topic: "t".into(),
            partition: 1,
            offset: 9,
            record: None,
        };
        assert_eq!(k.to_string(), "t[1]@9");
    }
}
