//! The `riskd` command line: parses arguments and hands off to the library.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use riskd::config::Config;
use riskd::replay::{self, ReplayOptions};

/// Spots compromised Microsoft Entra ID accounts from their sign-in logs.
///
/// riskd keeps a behavioural baseline per user (locations, devices, apps, hours, failure
/// rates) and flags sign-ins that depart from it, explaining every score feature by feature.
/// It runs as a Kafka daemon (`riskd run`) or over exported log files (`riskd replay`).
#[derive(Parser, Debug)]
#[command(name = "riskd", version, about, long_about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the detection engine over exported log files and write risk records.
    ///
    /// Accepts any mix of: Azure diagnostic-settings / Event Hub JSON (`{"records":[...]}`),
    /// Microsoft Graph JSON (object, array, `{"value":[...]}`), Log Analytics / Sentinel
    /// exports (CSV or JSON), Entra admin center downloads (CSV or JSON), NDJSON of any of
    /// these, gzip-compressed or not. Directories are read recursively (files ending in
    /// .json, .ndjson, .jsonl, .csv, .log, .gz or with no extension).
    ///
    /// Writes OUT/risky-signins.ndjson, OUT/risky-users.ndjson, OUT/dead-letter.ndjson and
    /// OUT/summary.json, and prints a summary. Undecodable records go to the dead-letter
    /// file with the reason and their original bytes; they never stop the replay.
    ///
    /// Example: riskd replay --out out/ samples/
    Replay {
        /// Configuration file (TOML); see config/riskd.example.toml. Defaults apply without one.
        #[arg(long, short, env = "RISKD_CONFIG")]
        config: Option<PathBuf>,
        /// Output directory (created if missing).
        #[arg(long, short, default_value = "out")]
        out: PathBuf,
        /// Do not show progress bars.
        #[arg(long)]
        quiet: bool,
        /// Files, directories, or `-` for standard input.
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<PathBuf>,
    },
    /// Generate a synthetic tenant's sign-in and audit logs with labelled attacks.
    ///
    /// Writes OUT/logs/ with Event Hub-shaped NDJSON (one file per Event Hub:
    /// insights-logs-signinlogs, insights-logs-noninteractiveusersigninlogs,
    /// insights-logs-auditlogs), OUT/labels.json
    /// (every attack with its sign-ins) and riskd.toml (the operator lists the tenant would
    /// configure, e.g. its anonymizer list). The same options always give the same files.
    ///
    /// Example, generate a tenant, score it, and measure the scoring against the labels:
    ///
    /// riskd simulate --users 300 --days 30 --seed 7 --out sim/
    ///
    /// riskd replay --config sim/riskd.toml --out out/ sim/logs
    ///
    /// riskd eval --labels sim/labels.json --results out/ sim/logs
    Simulate {
        /// Output directory.
        #[arg(long, short, default_value = "sim")]
        out: PathBuf,
        /// Number of users.
        #[arg(long, default_value_t = 300)]
        users: usize,
        /// Days of activity.
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// Random seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Attack instances to inject (spread evenly over the attack kinds).
        #[arg(long, default_value_t = 48)]
        attacks: usize,
        /// Write gzip-compressed files (.ndjson.gz).
        #[arg(long)]
        gzip: bool,
    },
    /// Score replay results against a simulation's labels, beside classic rule baselines.
    ///
    /// Reports attacks detected per kind (at medium or above) with time to detection, the
    /// false-positive rate on benign interactive sign-ins, benign users flagged, and the
    /// same figures for Sentinel / Elastic style rules run over the same sign-ins.
    Eval {
        /// labels.json written by `riskd simulate`.
        #[arg(long)]
        labels: PathBuf,
        /// Directory written by `riskd replay` (risky-signins.ndjson, risky-users.ndjson).
        #[arg(long)]
        results: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// The log files that were replayed.
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<PathBuf>,
    },
    /// Run the daemon: consume Entra logs from Kafka, publish risk records.
    ///
    /// Reads the input topics (by default the Event Hubs Azure diagnostic settings create:
    /// insights-logs-signinlogs, ...-noninteractiveusersigninlogs, ...-serviceprincipalsigninlogs,
    /// ...-managedidentitysigninlogs, ...-auditlogs), re-keys decoded events by user through
    /// riskd.events-by-user, scores them in event-time order and publishes
    /// riskd.risky-signins and riskd.risky-users (compacted); undecodable input goes to
    /// riskd.dead-letter. Offsets are committed only after the records derived from them are
    /// acknowledged. Serves /metrics, /healthz and /readyz on telemetry.listen
    /// (127.0.0.1:9464). SIGTERM or Ctrl-C: drain, flush, commit and exit.
    ///
    /// Every setting can be overridden from the environment: RISKD__KAFKA__BOOTSTRAP_SERVERS=...
    ///
    /// Example: scripts/kafka-local start && riskd run --config config/local.toml
    Run {
        /// Configuration file (TOML); see config/riskd.example.toml.
        #[arg(long, short, env = "RISKD_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Check a configuration file and print the effective configuration.
    CheckConfig {
        /// Configuration file (TOML).
        config: PathBuf,
    },
}

fn load_config(path: Option<&PathBuf>) -> Result<Config, ExitCode> {
    match path {
        None => Ok(Config::default()),
        Some(p) => Config::load(p).map_err(|e| {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }),
    }
}

fn run_eval(
    labels: &std::path::Path,
    results: &std::path::Path,
    inputs: &[PathBuf],
    json: bool,
) -> Result<(), String> {
    let text = std::fs::read_to_string(labels)
        .map_err(|e| format!("cannot read {}: {e}", labels.display()))?;
    let labels: riskd::sim::Labels = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a labels file: {e}", labels.display()))?;
    let (collected, _, _) = replay::decode_files(inputs, &indicatif::ProgressBar::hidden())
        .map_err(|e| e.to_string())?;
    let mut events = collected.events;
    replay::order_events(&mut events);
    let report = riskd::eval::evaluate(&labels, &events, results).map_err(|e| e.to_string())?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        print!("{report}");
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Replay {
            config,
            out,
            quiet,
            inputs,
        } => {
            let config = match load_config(config.as_ref()) {
                Ok(c) => c,
                Err(code) => return code,
            };
            let opts = ReplayOptions {
                inputs,
                out_dir: out,
                config,
                progress: !quiet && std::io::stderr().is_terminal(),
            };
            match replay::run(&opts) {
                Ok(summary) => {
                    print!("{summary}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Simulate {
            out,
            users,
            days,
            seed,
            attacks,
            gzip,
        } => {
            let opts = riskd::sim::SimOptions {
                users,
                days,
                seed,
                attacks,
                ..Default::default()
            };
            let sim = riskd::sim::simulate(&opts);
            match riskd::sim::eventhub::write(&sim, &out, gzip) {
                Ok(files) => {
                    println!(
                        "simulated {} users over {} days: {} sign-ins, {} audit events, {} labelled attacks",
                        users,
                        days,
                        sim.sign_ins.len(),
                        sim.audits.len(),
                        sim.labels.attacks.len()
                    );
                    for f in files {
                        println!("  wrote {f}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: cannot write {}: {e}", out.display());
                    ExitCode::FAILURE
                }
            }
        }
        Command::Eval {
            labels,
            results,
            json,
            inputs,
        } => match run_eval(&labels, &results, &inputs, json) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Run { config } => {
            let cfg = match riskd::config::Config::load_with_env(config.as_deref()) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            riskd::telemetry::init_tracing(&cfg.telemetry.log_format, &cfg.telemetry.log_level);
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("error: cannot start the async runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match rt.block_on(riskd::run::run_until_signal(cfg)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::CheckConfig { config } => match load_config(Some(&config)) {
            Ok(cfg) => {
                println!("{} is valid. Effective configuration:\n", config.display());
                print!("{}", toml::to_string_pretty(&cfg).unwrap_or_default());
                ExitCode::SUCCESS
            }
            Err(code) => code,
        },
    }
}
