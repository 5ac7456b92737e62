//! The detection core. PURE: no I/O, no Kafka types, no wall clock; event time comes with
//! each event, so the same events always give the same records (replay = streaming).
//!
//! | file | what |
//! |---|---|
//! | `features.rs` | a sign-in to hashed feature values (location and client hierarchies, app, protocol, hour) |
//! | `decay.rs` | forward exponential decay by event time |
//! | `topk.rs` | bounded per-user value tables |
//! | `profile.rs` | the per-user baseline (~700 bytes, fixed size) |
//! | `tenant.rs` | tenant-wide priors and distinct-user counts (count-min sketches) |
//! | `score.rs` | Freeman et al.'s likelihood ratio as a sum of explained per-feature terms |
//! | `detectors.rs` | the named detections (Graph `riskEventType` names) |
//! | `user_risk.rs` | user risk accumulation and Graph risk states |
//! | `audit.rs` | remediation, admin feedback and high-risk changes from audit logs |
//! | `users.rs` | the user table (dense, bounded per user) |
//! | `engine.rs` | wires it together per event |
//! | `config.rs` | every threshold and switch |

pub mod audit;
pub mod config;
pub mod decay;
pub mod detectors;
pub mod engine;
pub mod features;
pub mod geo;
pub mod profile;
pub mod score;
pub mod tenant;
pub mod topk;
pub mod user_risk;
pub mod users;

pub use config::DetectConfig;
pub use engine::{Engine, Output};
