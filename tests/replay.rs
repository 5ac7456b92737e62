//! Replay end to end: the `riskd` binary's exit codes and outputs, and byte-identical
//! output however the same events are split into files or batched.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Command;

use riskd::config::Config;
use riskd::replay::{run, ReplayOptions};
use riskd::sim::{eventhub, simulate, SimOptions};

fn riskd() -> Command {
    Command::new(env!("CARGO_BIN_EXE_riskd"))
}

fn small_sim() -> riskd::sim::Simulation {
    simulate(&SimOptions {
        users: 30,
        days: 14,
        seed: 5,
        attacks: 8,
        ..Default::default()
    })
}

fn replay_dir(
    inputs: Vec<std::path::PathBuf>,
    out: &Path,
    config: &Config,
) -> riskd::replay::Summary {
    run(&ReplayOptions {
        inputs,
        out_dir: out.to_path_buf(),
        config: config.clone(),
        progress: false,
    })
    .unwrap()
}

#[test]
fn output_is_byte_identical_however_the_input_is_split() {
    let sim = small_sim();
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    eventhub::write(&sim, &a, false).unwrap();
    let config =
        Config::from_toml(&std::fs::read_to_string(a.join("riskd.toml")).unwrap()).unwrap();

    // Same records, one per message, spread over three files in reverse order, gzipped.
    let b = tmp.path().join("b");
    std::fs::create_dir_all(&b).unwrap();
    let mut records: Vec<String> = sim
        .sign_ins
        .iter()
        .map(|s| eventhub::sign_in_record(s).to_string())
        .collect();
    records.extend(
        sim.audits
            .iter()
            .map(|x| eventhub::audit_record(x).to_string()),
    );
    records.reverse();
    for (i, chunk) in records.chunks(records.len() / 3 + 1).enumerate() {
        let f = std::fs::File::create(b.join(format!("part{i}.ndjson.gz"))).unwrap();
        let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
        for r in chunk {
            writeln!(gz, "{r}").unwrap();
        }
        gz.finish().unwrap();
    }

    let (out_a, out_b) = (tmp.path().join("out-a"), tmp.path().join("out-b"));
    let sa = replay_dir(vec![a.join("logs")], &out_a, &config);
    let sb = replay_dir(vec![b], &out_b, &config);
    assert_eq!(sa.events, sb.events);
    assert!(sa.risky_sign_ins > 0, "the simulated attacks are found");
    for name in ["risky-signins.ndjson", "risky-users.ndjson"] {
        let x = std::fs::read(out_a.join(name)).unwrap();
        let y = std::fs::read(out_b.join(name)).unwrap();
        assert!(!x.is_empty());
        assert!(x == y, "{name} differs between the two splits");
    }
}

#[test]
fn cli_replays_garbage_with_dead_letters_and_exit_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let out = riskd()
        .args(["replay", "--quiet", "--out"])
        .arg(tmp.path())
        .arg(common::fixture("garbage.ndjson"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("dead letters       4"), "{stdout}");
    let dl = std::fs::read_to_string(tmp.path().join("dead-letter.ndjson")).unwrap();
    assert_eq!(dl.lines().count(), 4);
    for line in dl.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["reason"].as_str().is_some_and(|r| !r.is_empty()));
        assert!(v["source"]["line"].as_u64().is_some());
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["deadLetters"], 4);
    assert_eq!(summary["events"], 2);
}

#[test]
fn cli_errors_name_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = riskd()
        .args(["replay", "--quiet", "--out"])
        .arg(tmp.path())
        .arg("/no/such/file")
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/no/such/file does not exist"));

    let cfg = tmp.path().join("bad.toml");
    std::fs::write(&cfg, "[detect]\nlearning_min_signins = 10\nbogus = true\n").unwrap();
    let bad = riskd()
        .args(["replay", "--quiet", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(tmp.path())
        .arg(common::fixture("garbage.ndjson"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("bogus") && err.contains("bad.toml"), "{err}");
}

#[test]
fn bundled_samples_show_detections() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let out = riskd()
        .args(["replay", "--quiet", "--config"])
        .arg(root.join("samples/riskd.toml"))
        .arg("--out")
        .arg(tmp.path())
        .arg(root.join("samples/logs"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["deadLetters"], 0);
    assert!(
        summary["riskySignInsByLevel"]["high"].as_u64().unwrap_or(0) > 0,
        "{summary}"
    );
    // Every labelled attack in the bundled samples is flagged at medium or above.
    let labels: riskd::sim::Labels =
        serde_json::from_str(&std::fs::read_to_string(root.join("samples/labels.json")).unwrap())
            .unwrap();
    let (collected, _, _) = riskd::replay::decode_files(
        &[root.join("samples/logs")],
        &indicatif::ProgressBar::hidden(),
    )
    .unwrap();
    let report = riskd::eval::evaluate(&labels, &collected.events, tmp.path()).unwrap();
    assert_eq!(report.riskd.detected, report.riskd.attacks, "{report}");
}

#[test]
fn example_config_documents_the_defaults() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/riskd.example.toml");
    let cfg = Config::load(&path).unwrap();
    assert_eq!(
        cfg,
        Config::default(),
        "config/riskd.example.toml must show every default"
    );
}
