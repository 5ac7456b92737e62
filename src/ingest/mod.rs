//! Decoders: every shape in which Entra sign-in and audit logs reach people, to normalized
//! [`Event`]s.
//!
//! | input | where it comes from | handled by |
//! |---|---|---|
//! | `{"records":[...]}` envelopes and bare records | Azure diagnostic settings → Event Hubs / storage | [`json`] |
//! | one object, an array, `{"value":[...]}` | Microsoft Graph, admin-center JSON download | [`json`] |
//! | PascalCase rows, dynamic columns as JSON text | Log Analytics / Sentinel JSON and CSV export | [`json`], [`csv`] |
//! | human-named columns (`Date (UTC)`, `Request ID`) | admin-center CSV download | [`csv`] |
//! | NDJSON of any of the above, gzip of any file | files, stdin | [`input`] |
//!
//! Shapes are detected per file and per message. Nothing here panics on any input: what
//! cannot be decoded becomes a [`DeadLetter`] with its origin, a reason and the original
//! bytes. Categories riskd does not read (e.g. `MicrosoftGraphActivityLogs`) are counted as
//! skipped.

pub mod csv;
pub mod dead_letter;
pub mod error;
pub mod input;
pub mod json;
pub mod lenient;
pub mod normalize;
pub mod raw;
pub mod time;

use std::collections::BTreeMap;

pub use dead_letter::{DeadLetter, Origin};
pub use error::DecodeError;
pub use input::decode_input;
pub use normalize::Hints;

use crate::model::Event;

/// Where decoders put what they produce.
pub trait Sink {
    /// A decoded event.
    fn event(&mut self, event: Event);
    /// An undecodable record.
    fn dead_letter(&mut self, dead_letter: DeadLetter);
    /// A record of a category riskd does not read.
    fn skipped(&mut self, category: &str);
}

/// A [`Sink`] that collects everything (replay, tests).
#[derive(Debug, Default)]
pub struct Collected {
    pub events: Vec<Event>,
    pub dead_letters: Vec<DeadLetter>,
    /// Skipped records by category.
    pub skipped: BTreeMap<String, u64>,
}

impl Sink for Collected {
    fn event(&mut self, event: Event) {
        self.events.push(event);
    }
    fn dead_letter(&mut self, dead_letter: DeadLetter) {
        self.dead_letters.push(dead_letter);
    }
    fn skipped(&mut self, category: &str) {
        *self.skipped.entry(category.to_owned()).or_default() += 1;
    }
}
