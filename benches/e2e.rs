//! End-to-end throughput and latency against a real broker (scripts/kafka-local).
//!
//! 1. Preloads RISKD_BENCH_RECORDS (default 1,000,000) realistic Event Hub sign-in records
//!    (2-3 KB each, 4 per message) into a fresh input topic.
//! 2. Measures (a) a consume-only client reading the topic to the end, (b') `riskd run`
//!    with the repartition hop off and (b) `riskd run` as deployed by default (ingest,
//!    repartition, detect), each processing it to the end, in the same run; prints the
//!    rates and b/a.
//! 3. Measures latency from produce to risk record at a steady RISKD_BENCH_RATE sign-ins/s
//!    (default 5,000) for RISKD_BENCH_SECONDS (default 20), 1% of them attacks: p50, p99.
//! 4. Prints the process's peak RSS.
//!
//! Each phase also prints the cores it kept busy (this process, and the whole machine with
//! the broker), so a rate can be read as "bound by CPU" or "waiting". For profiling one
//! phase, RISKD_BENCH_PHASES picks phases (default `a,direct,deployed,latency`).
//!
//! Before each phase the bench runs `sync` and waits 2 s, so the disk writeback of the
//! previous phase's gigabytes does not land in the next phase's figures.
//!
//! Run: scripts/kafka-local start && cargo bench --bench e2e

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::ClientConfig;
use riskd::config::Config;
use riskd::sim::{eventhub, load_sign_in};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn bootstrap() -> String {
    std::env::var("RISKD_TEST_BOOTSTRAP").unwrap_or_else(|_| "127.0.0.1:9092".into())
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn producer() -> FutureProducer {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .set("linger.ms", "20")
        .set("compression.type", "lz4")
        .set("queue.buffering.max.messages", "200000")
        .set("queue.buffering.max.kbytes", "1048576")
        .create()
        .expect("producer")
}

fn config(prefix: &str) -> Config {
    let mut cfg = Config::default();
    let k = &mut cfg.kafka;
    k.bootstrap_servers = bootstrap();
    k.group_id = format!("{prefix}-riskd");
    k.input_topics = vec![format!("{prefix}.insights-logs-signinlogs")];
    k.events_topic = format!("{prefix}.events-by-user");
    k.risky_signins_topic = format!("{prefix}.risky-signins");
    k.risky_users_topic = format!("{prefix}.risky-users");
    k.dead_letter_topic = format!("{prefix}.dead-letter");
    k.topic_partitions = 2;
    cfg.telemetry.listen = "127.0.0.1:0".into();
    cfg
}

/// Sign-in `k` of user `u`, as an Event Hub record; `attack` moves it to a hosting ASN abroad.
fn record(u: u64, k: u64, attack: bool) -> serde_json::Value {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
    let mut s = load_sign_in(u, k, start);
    if attack {
        s.ip_address = Some("105.112.9.9".parse().unwrap());
        s.asn = Some(36873);
        s.location.city = "Lagos".into();
        s.location.country = "NG".into();
        s.location.latitude = Some(6.5);
        s.location.longitude = Some(3.4);
        s.user_agent = "python-requests/2.31.0".into();
        s.device.id.clear();
        s.category = riskd::model::SignInCategory::Interactive;
    }
    eventhub::sign_in_record(&s)
}

async fn scrape_count(addr: std::net::SocketAddr, metric: &str) -> f64 {
    use riskd::telemetry::probe;
    let text = probe::get(addr, "/metrics").await.unwrap_or_default();
    probe::metric_sum(&text, metric)
}

/// CPU time, in seconds: (this process, the whole machine busy, the whole machine idle),
/// from /proc, so each phase can say how many cores it kept busy and how many sat idle.
fn cpu_now() -> (f64, f64, f64) {
    let tick = 100.0; // USER_HZ on Linux
    let own = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = own
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of /proc/self/stat, 12 and 13 after the ')'.
    let process = (field(11) + field(12)) / tick;
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let cpu: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let idle = cpu.get(3).copied().unwrap_or(0.0) + cpu.get(4).copied().unwrap_or(0.0);
    let total: f64 = cpu.iter().take(8).sum();
    (process, (total - idle) / tick, idle / tick)
}

/// "cores used" over a phase that took `secs`, from two [`cpu_now`] readings.
fn cores_used(before: (f64, f64, f64), secs: f64) -> String {
    let after = cpu_now();
    format!(
        "this process {:.2} cores, whole machine {:.2} busy / {:.2} idle",
        (after.0 - before.0) / secs,
        (after.1 - before.1) / secs,
        (after.2 - before.2) / secs
    )
}

/// Lets the broker's writes of the previous phase reach the disk (`sync`, then a pause), so
/// the OS writing back gigabytes of dirty pages does not land in the next phase's figures.
async fn settle() {
    let _ = tokio::task::spawn_blocking(|| std::process::Command::new("sync").status()).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
}

/// (a): a plain librdkafka consumer reads `messages` messages of `topic` (holding `n`
/// records) and touches every payload, parsing nothing; prints and returns records/s.
fn consume_only(prefix: &str, topic: &str, n: u64, messages: u64) -> f64 {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .set("group.id", format!("{prefix}-consume-only"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    c.subscribe(&[topic]).unwrap();
    let (t, cpu) = (Instant::now(), cpu_now());
    let mut seen = 0u64;
    let mut touched = 0usize;
    while seen < messages && t.elapsed() < Duration::from_secs(1200) {
        if let Some(Ok(m)) = c.poll(Duration::from_millis(100)) {
            touched += m.payload().map_or(0, |p| p.len());
            seen += 1;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let a = n as f64 / secs;
    println!(
        "(a) consume-only client: {seen} messages, {:.0} MB in {secs:.1} s = {a:.0} records/s ({})",
        touched as f64 / 1e6,
        cores_used(cpu, secs)
    );
    a
}

/// Starts riskd and waits until it has scored `n` sign-ins; returns it, the seconds taken
/// from start-up to the last record (as (a) counts from subscribing), and a summary with
/// the cores used and the rate once running (from the first scored record on, so without
/// start-up and the consumer group join).
async fn run_to_end(cfg: Config, n: u64) -> (riskd::run::Daemon, f64, String) {
    let (t, cpu) = (Instant::now(), cpu_now());
    let daemon = riskd::run::start(cfg).await.expect("daemon");
    let mut first: Option<(f64, f64)> = None;
    loop {
        let scored = scrape_count(daemon.http_addr, "riskd_processing_seconds_count").await;
        if scored > 0.0 && first.is_none() {
            first = Some((t.elapsed().as_secs_f64(), scored));
        }
        if scored as u64 >= n || t.elapsed() > Duration::from_secs(3600) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let secs = t.elapsed().as_secs_f64();
    let running = first.map_or(f64::NAN, |(t0, s0)| (n as f64 - s0) / (secs - t0));
    let summary = format!(
        "{running:.0} records/s once running; {}",
        cores_used(cpu, secs)
    );
    (daemon, secs, summary)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n = env_or("RISKD_BENCH_RECORDS", 1_000_000);
    let phases =
        std::env::var("RISKD_BENCH_PHASES").unwrap_or_else(|_| "a,direct,deployed,latency".into());
    let phase = |name: &str| phases.split(',').any(|p| p.trim() == name);
    let users = (n / 50).max(1000);
    let prefix = format!("bench{}", std::process::id());
    let cfg = config(&prefix);
    riskd::kafka::topics::ensure(&cfg.kafka)
        .await
        .expect("topics");
    let topic = cfg.kafka.input_topics[0].clone();

    // 1. Preload.
    let p = producer();
    let t = Instant::now();
    let mut bytes = 0usize;
    let mut pending = Vec::new();
    let per_message = env_or("RISKD_BENCH_PER_MESSAGE", 4);
    for chunk_start in (0..n).step_by(per_message as usize) {
        let records: Vec<serde_json::Value> = (chunk_start..(chunk_start + per_message).min(n))
            .map(|i| record(i % users, i / users, false))
            .collect();
        let payload = serde_json::json!({ "records": records }).to_string();
        bytes += payload.len();
        loop {
            match p.send_result(FutureRecord::<(), _>::to(&topic).payload(&payload)) {
                Ok(f) => {
                    pending.push(f);
                    break;
                }
                Err(_) => {
                    for f in pending.drain(..) {
                        let _ = f.await;
                    }
                }
            }
        }
        if pending.len() > 50_000 {
            for f in pending.drain(..) {
                let _ = f.await;
            }
        }
    }
    for f in pending.drain(..) {
        let _ = f.await;
    }
    p.flush(Duration::from_secs(60)).unwrap();
    println!(
        "preloaded {n} sign-in records ({:.0} MB, {:.0} bytes per record) in {:.1} s",
        bytes as f64 / 1e6,
        bytes as f64 / n as f64,
        t.elapsed().as_secs_f64()
    );

    settle().await;

    // 2a. Consume-only client.
    let a = if phase("a") {
        consume_only(&prefix, &topic, n, n.div_ceil(per_message))
    } else {
        f64::NAN
    };

    // 2b. riskd run to the end, without the repartition hop (input already keyed by user),
    // to show what the hop costs.
    let mut direct = cfg.clone();
    direct.kafka.group_id = format!("{prefix}-riskd-direct");
    direct.kafka.repartition = false;
    if phase("direct") {
        settle().await;
        let (direct_daemon, secs, cpu) = run_to_end(direct, n).await;
        direct_daemon.stop().await.expect("clean shutdown");
        let c = n as f64 / secs;
        println!("(b') riskd run, repartition off (decode, score, publish): {n} records in {secs:.1} s = {c:.0} records/s; b'/a = {:.2} ({cpu})", c / a);
    }

    // 2c. riskd run to the end, as deployed by default.
    let daemon = if phase("deployed") {
        settle().await;
        let (daemon, secs, cpu) = run_to_end(cfg.clone(), n).await;
        let b = n as f64 / secs;
        println!("(b) riskd run (decode, repartition, score, publish): {n} records in {secs:.1} s = {b:.0} records/s ({cpu})");
        println!("b/a = {:.2}", b / a);
        daemon
    } else {
        riskd::run::start(cfg.clone()).await.expect("daemon")
    };
    if !phase("latency") {
        daemon.stop().await.expect("clean shutdown");
        delete_topics(&cfg).await;
        return;
    }

    // 3. Latency at a steady rate, 1% attacks.
    settle().await;
    let rate = env_or("RISKD_BENCH_RATE", 5000);
    let seconds = env_or("RISKD_BENCH_SECONDS", 20);
    let out: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .set("group.id", format!("{prefix}-latency"))
        .create()
        .unwrap();
    // Read from the current end of every partition: an explicit position, so no record
    // produced from here on is skipped while a subscription would still be resolving
    // "latest".
    let risky_topic = cfg.kafka.risky_signins_topic.as_str();
    let mut from = rdkafka::TopicPartitionList::new();
    for partition in 0..cfg.kafka.topic_partitions {
        let (_, high) = out
            .fetch_watermarks(risky_topic, partition, Duration::from_secs(10))
            .expect("watermarks");
        from.add_partition_offset(risky_topic, partition, rdkafka::Offset::Offset(high))
            .expect("partition");
    }
    out.assign(&from).expect("assign");
    // Read risky sign-ins concurrently, noting when each arrives.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut arrived: HashMap<String, Instant> = HashMap::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(Ok(m)) = out.poll(Duration::from_millis(20)) {
                    let v: serde_json::Value =
                        serde_json::from_slice(m.payload().unwrap_or_default()).unwrap_or_default();
                    if let Some(r) = v["requestId"].as_str() {
                        arrived.entry(r.to_owned()).or_insert_with(Instant::now);
                    }
                }
            }
            arrived
        })
    };
    // Sent as Azure would, one message at a time without batching delay (the preload
    // producer lingers 20 ms to batch, which would count against riskd).
    let steady: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .set("linger.ms", "0")
        .create()
        .expect("producer");
    let mut sent_at: HashMap<String, Instant> = HashMap::new();
    let start = Instant::now();
    let total = rate * seconds;
    let mut i = 0u64;
    while i < total {
        let due = start + Duration::from_secs_f64(i as f64 / rate as f64);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
        // 1% attacks, each on a different user (a repeated novelty is reported once).
        let attack = i.is_multiple_of(100);
        let u = if attack { (i / 100) % users } else { i % users };
        // Continues each user's history where the preload left it (sign-in k of a user
        // is k * 97 minutes in), so the baselines are current, not years stale.
        let rec = record(u, n.div_ceil(users) + i / users, attack);
        let id = rec["properties"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let payload = serde_json::json!({ "records": [rec] }).to_string();
        if attack {
            sent_at.insert(id, Instant::now());
        }
        let _ = steady.send_result(FutureRecord::<(), _>::to(&topic).payload(&payload));
        i += 1;
    }
    let achieved = total as f64 / start.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(5)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let arrived = reader.join().expect("reader");
    let mut lat: Vec<f64> = sent_at
        .iter()
        .filter_map(|(id, t0)| {
            arrived
                .get(id)
                .map(|t1| t1.duration_since(*t0).as_secs_f64() * 1000.0)
        })
        .collect();
    lat.sort_by(f64::total_cmp);
    let pct = |q: f64| {
        lat.get(((lat.len() as f64 * q) as usize).min(lat.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!(
        "latency produce -> risky sign-in at {rate}/s (achieved {achieved:.0}/s) for {seconds} s: {} of {} attack records seen; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        lat.len(),
        sent_at.len(),
        pct(0.5),
        pct(0.99),
        lat.last().copied().unwrap_or(f64::NAN)
    );
    daemon.stop().await.expect("clean shutdown");
    println!(
        "peak RSS of this process (bench client + riskd): {:.0} MiB",
        peak_rss_mib()
    );
    delete_topics(&cfg).await;
}

/// Removes the bench's topics (a million records is gigabytes of broker disk).
async fn delete_topics(cfg: &Config) {
    use rdkafka::admin::{AdminClient, AdminOptions};
    let admin: AdminClient<rdkafka::client::DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .create()
        .expect("admin client");
    let names: Vec<String> = riskd::kafka::topics::required(&cfg.kafka)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    if let Err(e) = admin.delete_topics(&refs, &AdminOptions::new()).await {
        eprintln!("could not delete the bench topics {refs:?}: {e}");
    }
}
