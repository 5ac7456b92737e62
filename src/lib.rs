#![recursion_limit = "256"]
//! # riskd
//!
//! Streaming account-takeover detection for Microsoft Entra ID sign-in and audit logs.
//!
//! ## Layout
//!
//! - [`model`]: normalized `SignIn` / `AuditEvent` and the output records (`RiskySignIn`,
//!   Graph `riskDetection`-shaped; `RiskyUser`, Graph `riskyUser`-shaped).
//! - [`ingest`]: decoders for every input shape (Event Hub, Graph, Log Analytics, admin
//!   center downloads; JSON, NDJSON, CSV, gzip). Bad input becomes dead letters, never a
//!   panic.
//! - [`detect`]: the pure detection core: per-user baselines, scoring, named detections,
//!   user risk. No I/O, no wall clock: event time is passed in.
//! - [`config`]: TOML configuration, validated at start-up.
//! - [`replay`]: batch mode: files in, NDJSON risk records and a summary out.
//! - [`kafka`], [`run`]: the daemon: input topics → ingest (decode, re-key by user) → events
//!   topic → detect → risk topics; offsets committed after the outputs are acknowledged.
//! - [`telemetry`]: Prometheus metrics, /metrics /healthz /readyz, tracing.
//! - [`sim`], [`eval`]: synthetic tenants with labelled attacks, and scoring against them.
//!
//! ## Data flow
//!
//! ```text
//! bytes ──ingest──> Event ──(ordered by event time)──> detect::Engine ──> RiskySignIn / RiskyUser
//!    └──> DeadLetter (origin, reason, original bytes)
//! ```

/// Decoding allocates and frees many short-lived strings per record, on whichever thread
/// runs a stage; mimalloc's per-thread free lists make that cheaper than the system
/// allocator (see `benches/e2e.rs`). Declared in the library so the binary, tests and
/// benchmarks all measure the same allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod config;
pub mod detect;
pub mod eval;
pub mod ingest;
pub mod kafka;
pub mod model;
pub mod replay;
pub mod run;
pub mod sim;
pub mod telemetry;
