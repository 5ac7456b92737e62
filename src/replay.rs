//! `riskd replay`: the detection engine over files, in one process, no Kafka.
//!
//! Inputs (files, directories walked in name order, `-` for stdin) are decoded in any mix
//! of formats, all events are ordered by event time (admin-center downloads are newest
//! first; ties are broken by record id so the order does not depend on how the input was
//! split into files), fed through [`Engine`], and written as NDJSON:
//! `risky-signins.ndjson`, `risky-users.ndjson`, `dead-letter.ndjson`, plus `summary.json`.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use thiserror::Error;

use crate::config::Config;
use crate::detect::Engine;
use crate::ingest::{decode_input, Collected, Hints, Origin};
use crate::model::{Event, RiskLevel, RiskState, RiskySignIn, RiskyUser, SignInCategory};

/// What went wrong running a replay (bad input data is not an error: it is dead-lettered).
#[derive(Debug, Error)]
pub enum ReplayError {
    #[error("input {path} does not exist")]
    MissingInput { path: String },
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// How to run a replay.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    pub inputs: Vec<PathBuf>,
    pub out_dir: PathBuf,
    pub config: Config,
    /// Show progress bars (only on a terminal).
    pub progress: bool,
}

/// Counts a person reads after a replay (also written as `summary.json`).
#[derive(Debug, Default, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub inputs: usize,
    pub input_bytes: u64,
    pub events: u64,
    pub events_by_category: BTreeMap<String, u64>,
    pub skipped_by_category: BTreeMap<String, u64>,
    pub dead_letters: u64,
    pub dead_letters_by_reason: BTreeMap<String, u64>,
    pub first_event: Option<String>,
    pub last_event: Option<String>,
    pub risky_sign_ins: u64,
    pub risky_sign_ins_by_level: BTreeMap<String, u64>,
    pub detections_by_type: BTreeMap<String, u64>,
    /// Users at risk at the end of the replay, by level.
    pub users_flagged_by_level: BTreeMap<String, u64>,
    pub user_risk_changes: u64,
    /// The riskiest sign-ins, one line each, for the person reading the summary.
    pub highlights: Vec<String>,
    pub out_dir: String,
}

/// How many highlights the summary shows.
const HIGHLIGHTS: usize = 6;

fn highlight(r: &RiskySignIn) -> String {
    let place = match (r.location.city.as_str(), r.location.country.as_str()) {
        ("", "") => r.ip_address.clone(),
        ("", c) => format!("{c}, {}", r.ip_address),
        (city, c) => format!("{city}, {c}, {}", r.ip_address),
    };
    let why = r
        .detections
        .first()
        .map(|d| d.detail.as_str())
        .unwrap_or("");
    format!(
        "{:<6} {} {} from {}: {} ({})",
        r.risk_level.as_str().to_uppercase(),
        crate::ingest::time::format_timestamp(r.activity_date_time),
        r.user_principal_name,
        place,
        r.risk_event_types.join(", "),
        why
    )
}

/// Lists input files: files as given, directories walked recursively in name order.
fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, ReplayError> {
    let mut out = Vec::new();
    for p in inputs {
        if p.as_os_str() == "-" {
            out.push(p.clone());
        } else if p.is_dir() {
            let mut stack = vec![p.clone()];
            let mut files = Vec::new();
            while let Some(dir) = stack.pop() {
                let rd = std::fs::read_dir(&dir).map_err(|source| ReplayError::Read {
                    path: dir.display().to_string(),
                    source,
                })?;
                for entry in rd.flatten() {
                    let path = entry.path();
                    let hidden = path
                        .file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with('.'));
                    if hidden {
                        continue;
                    }
                    if path.is_dir() {
                        stack.push(path);
                    } else if is_log_file(&path) {
                        files.push(path);
                    }
                }
            }
            files.sort();
            out.extend(files);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(ReplayError::MissingInput {
                path: p.display().to_string(),
            });
        }
    }
    Ok(out)
}

/// File types read when walking a directory (files named explicitly are always read).
pub const LOG_EXTENSIONS: [&str; 6] = ["json", "ndjson", "jsonl", "csv", "log", "gz"];

fn is_log_file(path: &Path) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        None => true,
        Some(ext) => LOG_EXTENSIONS.iter().any(|x| ext.eq_ignore_ascii_case(x)),
    }
}

/// Category hint from admin-center download file names (`NonInteractiveSignIns_...csv`).
pub fn hints_for(path: &Path) -> Hints {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let category = if name.contains("noninteractivesignins") {
        Some(SignInCategory::NonInteractive)
    } else if name.contains("interactivesignins") {
        Some(SignInCategory::Interactive)
    } else if name.contains("applicationsignins") {
        Some(SignInCategory::ServicePrincipal)
    } else if name.contains("msisignins") {
        Some(SignInCategory::ManagedIdentity)
    } else {
        None
    };
    Hints { category }
}

fn read_input(path: &Path) -> Result<Vec<u8>, ReplayError> {
    let mut buf = Vec::new();
    let res = if path.as_os_str() == "-" {
        std::io::stdin().lock().read_to_end(&mut buf).map(|_| ())
    } else {
        File::open(path)
            .and_then(|mut f| f.read_to_end(&mut buf))
            .map(|_| ())
    };
    res.map_err(|source| ReplayError::Read {
        path: path.display().to_string(),
        source,
    })?;
    Ok(buf)
}

/// Decodes every input into one collection.
pub fn decode_files(
    inputs: &[PathBuf],
    bar: &ProgressBar,
) -> Result<(Collected, u64, usize), ReplayError> {
    let files = expand_inputs(inputs)?;
    let mut collected = Collected::default();
    let mut bytes = 0u64;
    for path in &files {
        let data = read_input(path)?;
        bytes += data.len() as u64;
        let name = if path.as_os_str() == "-" {
            "-".to_owned()
        } else {
            path.display().to_string()
        };
        let origin = Origin::File {
            file: name,
            line: 1,
            record: None,
        };
        decode_input(&data, &origin, hints_for(path), &mut collected);
        bar.inc(1);
    }
    Ok((collected, bytes, files.len()))
}

/// Orders events by event time; ties by kind and id, so splitting input differently does
/// not change the order.
pub fn order_events(events: &mut [Event]) {
    events.sort_by(|a, b| {
        a.time()
            .cmp(&b.time())
            .then_with(|| tie_key(a).cmp(&tie_key(b)))
    });
}

fn tie_key(e: &Event) -> (u8, &str, &str) {
    match e {
        Event::SignIn(s) => (0, s.request_id.as_str(), s.user_key()),
        Event::Audit(a) => (1, a.id.as_str(), a.activity_display_name.as_str()),
    }
}

struct NdjsonWriter {
    path: PathBuf,
    out: BufWriter<File>,
}

impl NdjsonWriter {
    fn create(path: PathBuf) -> Result<Self, ReplayError> {
        let f = File::create(&path).map_err(|source| ReplayError::Write {
            path: path.display().to_string(),
            source,
        })?;
        Ok(NdjsonWriter {
            path,
            out: BufWriter::new(f),
        })
    }

    fn write<T: Serialize>(&mut self, value: &T) -> Result<(), ReplayError> {
        let res = serde_json::to_writer(&mut self.out, value)
            .map_err(std::io::Error::from)
            .and_then(|_| self.out.write_all(b"\n"));
        res.map_err(|source| ReplayError::Write {
            path: self.path.display().to_string(),
            source,
        })
    }

    fn finish(mut self) -> Result<(), ReplayError> {
        self.out.flush().map_err(|source| ReplayError::Write {
            path: self.path.display().to_string(),
            source,
        })
    }
}

fn progress_bar(enabled: bool, len: u64, what: &str) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>9} [{bar:40}] {pos}/{len} {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_prefix(what.to_owned());
    bar
}

/// Runs a replay end to end and returns its summary.
pub fn run(opts: &ReplayOptions) -> Result<Summary, ReplayError> {
    std::fs::create_dir_all(&opts.out_dir).map_err(|source| ReplayError::Write {
        path: opts.out_dir.display().to_string(),
        source,
    })?;
    let file_count = expand_inputs(&opts.inputs)?.len() as u64;
    let bar = progress_bar(opts.progress, file_count, "decoding");
    let (collected, input_bytes, inputs) = decode_files(&opts.inputs, &bar)?;
    bar.finish_and_clear();

    let Collected {
        mut events,
        dead_letters,
        skipped,
    } = collected;
    order_events(&mut events);

    let mut summary = Summary {
        inputs,
        input_bytes,
        events: events.len() as u64,
        skipped_by_category: skipped,
        dead_letters: dead_letters.len() as u64,
        out_dir: opts.out_dir.display().to_string(),
        first_event: events
            .first()
            .map(|e| crate::ingest::time::format_timestamp(e.time())),
        last_event: events
            .last()
            .map(|e| crate::ingest::time::format_timestamp(e.time())),
        ..Summary::default()
    };

    let mut dl_out = NdjsonWriter::create(opts.out_dir.join("dead-letter.ndjson"))?;
    for d in &dead_letters {
        *summary
            .dead_letters_by_reason
            .entry(d.reason_kind.clone())
            .or_default() += 1;
        dl_out.write(d)?;
    }
    dl_out.finish()?;

    let mut signins_out = NdjsonWriter::create(opts.out_dir.join("risky-signins.ndjson"))?;
    let mut users_out = NdjsonWriter::create(opts.out_dir.join("risky-users.ndjson"))?;
    let mut engine = Engine::new(opts.config.detect.clone());
    let mut latest: BTreeMap<String, (RiskLevel, RiskState)> = BTreeMap::new();
    let mut top: Vec<RiskySignIn> = Vec::new();
    let bar = progress_bar(
        opts.progress && events.len() > 50_000,
        events.len() as u64,
        "scoring",
    );
    for event in &events {
        *summary
            .events_by_category
            .entry(event.category_label().to_owned())
            .or_default() += 1;
        let out = engine.process(event);
        if let Some(r) = &out.risky_sign_in {
            summary.risky_sign_ins += 1;
            *summary
                .risky_sign_ins_by_level
                .entry(r.risk_level.as_str().to_owned())
                .or_default() += 1;
            for t in &r.risk_event_types {
                *summary.detections_by_type.entry(t.clone()).or_default() += 1;
            }
            signins_out.write(r)?;
            top.push(r.clone());
            top.sort_by(|a, b| {
                b.risk_level
                    .cmp(&a.risk_level)
                    .then(b.score.total_cmp(&a.score))
            });
            top.truncate(HIGHLIGHTS);
        }
        for u in &out.user_updates {
            summary.user_risk_changes += 1;
            latest.insert(u.id.clone(), (u.risk_level, u.risk_state));
            users_out.write(u)?;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    signins_out.finish()?;
    users_out.finish()?;

    summary.highlights = top.iter().map(highlight).collect();
    for (level, state) in latest.values() {
        if crate::model::risk::is_flagged(*level, *state) {
            *summary
                .users_flagged_by_level
                .entry(level.as_str().to_owned())
                .or_default() += 1;
        }
    }

    let path = opts.out_dir.join("summary.json");
    let text = serde_json::to_string_pretty(&summary).unwrap_or_default();
    std::fs::write(&path, text + "\n").map_err(|source| ReplayError::Write {
        path: path.display().to_string(),
        source,
    })?;
    Ok(summary)
}

/// Keeps only the latest record per user.
pub fn latest_per_user(updates: &[RiskyUser]) -> BTreeMap<&str, &RiskyUser> {
    updates.iter().map(|u| (u.id.as_str(), u)).collect()
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn join_counts(m: &BTreeMap<String, u64>) -> String {
    let mut v: Vec<_> = m.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn by_level(m: &BTreeMap<String, u64>) -> String {
    let parts: Vec<String> = ["high", "medium", "low"]
        .iter()
        .filter_map(|l| m.get(*l).map(|n| format!("{l} {n}")))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("  ({})", parts.join(", "))
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "riskd replay: {} input file(s), {}",
            self.inputs,
            human_bytes(self.input_bytes)
        )?;
        if let (Some(a), Some(b)) = (&self.first_event, &self.last_event) {
            writeln!(f, "  time span          {a} .. {b}")?;
        }
        writeln!(f, "  events decoded     {}", self.events)?;
        let mut cats: Vec<_> = self.events_by_category.iter().collect();
        cats.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (c, n) in cats {
            writeln!(f, "    {c:<32} {n}")?;
        }
        if !self.skipped_by_category.is_empty() {
            writeln!(
                f,
                "  skipped (not read) {}",
                join_counts(&self.skipped_by_category)
            )?;
        }
        write!(f, "  dead letters       {}", self.dead_letters)?;
        if self.dead_letters > 0 {
            write!(
                f,
                "  ({})  -> {}/dead-letter.ndjson",
                join_counts(&self.dead_letters_by_reason),
                self.out_dir
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "  risky sign-ins     {}{}  -> {}/risky-signins.ndjson",
            self.risky_sign_ins,
            by_level(&self.risky_sign_ins_by_level),
            self.out_dir
        )?;
        if !self.detections_by_type.is_empty() {
            writeln!(
                f,
                "    detections       {}",
                join_counts(&self.detections_by_type)
            )?;
        }
        let flagged: u64 = self.users_flagged_by_level.values().sum();
        writeln!(
            f,
            "  users flagged      {}{}  ({} risk changes -> {}/risky-users.ndjson)",
            flagged,
            by_level(&self.users_flagged_by_level),
            self.user_risk_changes,
            self.out_dir
        )?;
        if !self.highlights.is_empty() {
            writeln!(f, "  riskiest sign-ins")?;
            for h in &self.highlights {
                writeln!(f, "    {h}")?;
            }
        }
        Ok(())
    }
}
