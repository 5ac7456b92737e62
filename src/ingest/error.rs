//! Why a record could not be decoded. Each reason names what is wrong in words a person
//! can act on, and has a short stable `kind` for counting (summary, metrics label).

use thiserror::Error;

/// A record or message that could not become an event.
#[derive(Debug, Clone, Error, PartialEq)]
pub enum DecodeError {
    #[error("input is not valid UTF-8 (first bad byte at offset {valid_up_to})")]
    InvalidUtf8 { valid_up_to: usize },
    #[error("input is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("message is {len} bytes, over the {limit}-byte limit (max_message_bytes)")]
    Oversized { len: usize, limit: usize },
    #[error("not an Entra sign-in or audit record: it has no category, createdDateTime, userPrincipalName or activityDisplayName")]
    UnrecognizedShape,
    #[error("required field `{0}` is missing or empty")]
    MissingField(&'static str),
    #[error("field `{field}` holds {value:?}, which is not a timestamp in any supported form")]
    BadTimestamp { field: &'static str, value: String },
    #[error(
        "sign-in has neither a user id nor a user principal name, so it cannot be keyed to a user"
    )]
    MissingUser,
    #[error("a field has the wrong type: {0}")]
    FieldType(String),
    #[error("CSV row is malformed: {0}")]
    Csv(String),
    #[error("input could not be read: {0}")]
    Io(String),
}

impl DecodeError {
    /// Short stable label (`invalid_json`, `missing_field` ...) for summaries and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            DecodeError::InvalidUtf8 { .. } => "invalid_utf8",
            DecodeError::InvalidJson(_) => "invalid_json",
            DecodeError::Oversized { .. } => "oversized",
            DecodeError::UnrecognizedShape => "unrecognized_shape",
            DecodeError::MissingField(_) => "missing_field",
            DecodeError::BadTimestamp { .. } => "bad_timestamp",
            DecodeError::MissingUser => "missing_user",
            DecodeError::FieldType(_) => "bad_field_type",
            DecodeError::Csv(_) => "bad_csv_row",
            DecodeError::Io(_) => "io",
        }
    }
}
