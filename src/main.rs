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
