//! `riskd run` against a real Apache Kafka broker (scripts/kafka-local starts one on
//! 127.0.0.1:9092 when RISKD_TEST_BOOTSTRAP is not set). Each test uses its own topics and
//! consumer groups, so tests run in parallel on one broker.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Once;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::ClientConfig;
use riskd::config::Config;
use riskd::sim::{eventhub, simulate, SimOptions};
use riskd::telemetry::probe::metric_sum as metric;

static BROKER: Once = Once::new();

fn bootstrap() -> String {
    if let Ok(b) = std::env::var("RISKD_TEST_BOOTSTRAP") {
        return b;
    }
    BROKER.call_once(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/kafka-local");
        let status = std::process::Command::new(script)
            .arg("start")
            .status()
            .expect("run scripts/kafka-local");
        assert!(status.success(), "scripts/kafka-local start failed");
    });
    "127.0.0.1:9092".to_owned()
}

fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("t{}-{name}", nanos % 1_000_000_000_000)
}

fn config(prefix: &str) -> Config {
    let mut cfg = Config::default();
    let k = &mut cfg.kafka;
    k.bootstrap_servers = bootstrap();
    k.group_id = format!("{prefix}-riskd");
    k.input_topics = [
        "insights-logs-signinlogs",
        "insights-logs-noninteractiveusersigninlogs",
        "insights-logs-auditlogs",
    ]
    .iter()
    .map(|t| format!("{prefix}.{t}"))
    .collect();
    k.events_topic = format!("{prefix}.events-by-user");
    k.risky_signins_topic = format!("{prefix}.risky-signins");
    k.risky_users_topic = format!("{prefix}.risky-users");
    k.dead_letter_topic = format!("{prefix}.dead-letter");
    k.topic_partitions = 3;
    // Hold everything until input pauses: then the order is the replay's order exactly.
    k.reorder_window_secs = 10 * 365 * 86_400;
    k.idle_flush_ms = 3000;
    k.shutdown_timeout_secs = 60;
    // librdkafka statistics (consumer lag, broker round trip) every half second.
    k.librdkafka
        .insert("statistics.interval.ms".into(), "500".into());
    cfg.telemetry.listen = "127.0.0.1:0".into();
    cfg
}

fn producer() -> FutureProducer {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .set("acks", "all")
        .create()
        .unwrap()
}

/// Sends payloads in order to partition 0 of `topic` (so their offsets are 0, 1, 2, ...).
async fn produce(p: &FutureProducer, topic: &str, payloads: &[Vec<u8>]) {
    for (i, payload) in payloads.iter().enumerate() {
        let key = format!("k{i}");
        let record = FutureRecord::to(topic)
            .key(&key)
            .payload(payload)
            .partition(0);
        if let Err((e, _)) = p.send(record, Duration::from_secs(30)).await {
            panic!("producing to {topic}: {e}");
        }
    }
}

/// Reads every message of `topic` until `want` messages arrived or `timeout` passed.
fn read_topic(topic: &str, want: usize, timeout: Duration) -> Vec<Vec<u8>> {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .set("group.id", unique("reader"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    c.subscribe(&[topic]).unwrap();
    let mut out = Vec::new();
    let start = Instant::now();
    while out.len() < want && start.elapsed() < timeout {
        if let Some(Ok(m)) = c.poll(Duration::from_millis(200)) {
            out.push(m.payload().unwrap_or_default().to_vec());
        }
    }
    out
}

async fn scrape(addr: std::net::SocketAddr, path: &str) -> String {
    riskd::telemetry::probe::get(addr, path).await.unwrap()
}

/// Polls `/metrics` every `every` until the sum of `name_and_labels` reaches `at_least`;
/// returns that sum, or fails the test after `timeout`.
async fn wait_for_metric(
    addr: std::net::SocketAddr,
    name_and_labels: &str,
    at_least: usize,
    timeout: Duration,
    every: Duration,
) -> usize {
    let start = Instant::now();
    loop {
        let value = metric(&scrape(addr, "/metrics").await, name_and_labels) as usize;
        if value >= at_least {
            return value;
        }
        assert!(
            start.elapsed() < timeout,
            "{name_and_labels} reached only {value} of {at_least}"
        );
        tokio::time::sleep(every).await;
    }
}

/// Each Event Hub record as a message of its own.
fn one_record_per_message<'a>(
    records: impl IntoIterator<Item = &'a serde_json::Value>,
) -> Vec<Vec<u8>> {
    records
        .into_iter()
        .map(|r| {
            serde_json::json!({ "records": [r] })
                .to_string()
                .into_bytes()
        })
        .collect()
}

fn sorted_lines(payloads: &[Vec<u8>]) -> Vec<String> {
    let mut v: Vec<String> = payloads
        .iter()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_gives_the_same_records_as_replay() {
    let prefix = unique("e2e");
    let cfg = config(&prefix);
    let sim = simulate(&SimOptions {
        users: 25,
        days: 14,
        seed: 9,
        attacks: 8,
        ..Default::default()
    });

    // Expected: riskd replay over the same events.
    let tmp = tempfile::tempdir().unwrap();
    eventhub::write(&sim, tmp.path(), false).unwrap();
    let replay_cfg =
        Config::from_toml(&std::fs::read_to_string(tmp.path().join("riskd.toml")).unwrap())
            .unwrap();
    let out = tmp.path().join("out");
    riskd::replay::run(&riskd::replay::ReplayOptions {
        inputs: vec![tmp.path().join("logs")],
        out_dir: out.clone(),
        config: replay_cfg.clone(),
        progress: false,
    })
    .unwrap();
    let expected_signins: Vec<String> = {
        let mut v: Vec<String> = std::fs::read_to_string(out.join("risky-signins.ndjson"))
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        v.sort();
        v
    };
    let expected_users: Vec<String> = {
        let mut v: Vec<String> = std::fs::read_to_string(out.join("risky-users.ndjson"))
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        v.sort();
        v
    };
    assert!(!expected_signins.is_empty());

    // The same events as Event Hub messages on the input topics.
    let mut cfg = cfg;
    cfg.detect = replay_cfg.detect;
    let daemon = riskd::run::start(cfg.clone()).await.unwrap();
    let p = producer();
    let by_topic: Vec<(&str, Vec<serde_json::Value>)> = vec![
        (
            &cfg.kafka.input_topics[0],
            sim.sign_ins
                .iter()
                .filter(|s| s.category == riskd::model::SignInCategory::Interactive)
                .map(eventhub::sign_in_record)
                .collect(),
        ),
        (
            &cfg.kafka.input_topics[1],
            sim.sign_ins
                .iter()
                .filter(|s| s.category == riskd::model::SignInCategory::NonInteractive)
                .map(eventhub::sign_in_record)
                .collect(),
        ),
        (
            &cfg.kafka.input_topics[2],
            sim.audits.iter().map(eventhub::audit_record).collect(),
        ),
    ];
    let mut total_events = 0;
    for (topic, records) in &by_topic {
        total_events += records.len();
        let messages: Vec<Vec<u8>> = eventhub::messages(records)
            .into_iter()
            .map(String::into_bytes)
            .collect();
        produce(&p, topic, &messages).await;
    }

    let signins = tokio::task::spawn_blocking({
        let t = cfg.kafka.risky_signins_topic.clone();
        let n = expected_signins.len();
        move || read_topic(&t, n, Duration::from_secs(180))
    })
    .await
    .unwrap();
    let users = tokio::task::spawn_blocking({
        let t = cfg.kafka.risky_users_topic.clone();
        let n = expected_users.len();
        move || read_topic(&t, n, Duration::from_secs(60))
    })
    .await
    .unwrap();
    assert_eq!(
        sorted_lines(&signins),
        expected_signins,
        "risky sign-ins differ from replay"
    );
    assert_eq!(
        sorted_lines(&users),
        expected_users,
        "risky users differ from replay"
    );

    // Metrics count what was sent.
    let text = scrape(daemon.http_addr, "/metrics").await;
    assert_eq!(
        metric(&text, "riskd_events_total{") as usize,
        total_events,
        "{text}"
    );
    let risky = metric(&text, "riskd_risky_signins_total{");
    assert_eq!(risky as usize, expected_signins.len());
    assert!(text.contains("riskd_users_flagged{risk_level=\"high\"}"));
    // librdkafka statistics reach the metrics, labelled by client and topic only; once
    // every record is acknowledged the producers' queues are empty.
    let start = Instant::now();
    loop {
        let text = scrape(daemon.http_addr, "/metrics").await;
        let mut ok = text.contains(&format!(
            "riskd_consumer_lag_messages{{topic=\"{}\"}}",
            cfg.kafka.events_topic
        ));
        for client in ["ingest-producer", "detect-producer"] {
            let rtt = format!("riskd_kafka_produce_rtt_seconds{{client=\"{client}\"}}");
            let queue = format!("riskd_kafka_producer_queue_messages{{client=\"{client}\"}} 0");
            ok &= text.contains(&rtt) && (0.0..5.0).contains(&metric(&text, &rtt));
            ok &= text.contains(&queue);
        }
        if ok {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "librdkafka statistics missing: {text}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(scrape(daemon.http_addr, "/healthz")
        .await
        .contains("200 OK"));
    assert!(scrape(daemon.http_addr, "/readyz").await.contains("200 OK"));
    daemon.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_messages_go_to_the_dead_letter_topic_and_the_pipeline_goes_on() {
    let prefix = unique("dlq");
    let mut cfg = config(&prefix);
    cfg.kafka.max_message_bytes = 4096;
    cfg.kafka.idle_flush_ms = 500;
    let daemon = riskd::run::start(cfg.clone()).await.unwrap();
    let good = br#"{"records":[{"time":"2026-03-02T09:00:00Z","category":"SignInLogs","properties":{"id":"r-good","createdDateTime":"2026-03-02T09:00:00Z","userId":"u1","userPrincipalName":"u1@contoso.com","ipAddress":"192.0.2.1","status":{"errorCode":0}}}]}"#.to_vec();
    let oversized =
        format!("{{\"records\":[{{\"pad\":\"{}\"}}]}}", "x".repeat(10_000)).into_bytes();
    let payloads = vec![
        b"this is not json".to_vec(),
        oversized,
        vec![0xff, 0xfe, 0x7b, 0x00],
        good,
    ];
    produce(&producer(), &cfg.kafka.input_topics[0], &payloads).await;

    let dead = tokio::task::spawn_blocking({
        let t = cfg.kafka.dead_letter_topic.clone();
        move || read_topic(&t, 3, Duration::from_secs(60))
    })
    .await
    .unwrap();
    let mut reasons: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    for d in &dead {
        let v: serde_json::Value = serde_json::from_slice(d).unwrap();
        reasons.insert(v["reasonKind"].as_str().unwrap().to_owned(), v);
    }
    assert_eq!(
        reasons.keys().cloned().collect::<Vec<_>>(),
        vec!["invalid_json", "invalid_utf8", "oversized"],
        "{reasons:?}"
    );
    let o = &reasons["oversized"];
    assert_eq!(o["source"]["topic"], cfg.kafka.input_topics[0].as_str());
    assert_eq!(o["source"]["offset"], 1);
    assert_eq!(o["truncated"], false);
    assert_eq!(reasons["invalid_utf8"]["originalEncoding"], "base64");

    // The good record after them was still decoded and scored.
    let start = Instant::now();
    loop {
        let text = scrape(daemon.http_addr, "/metrics").await;
        if metric(&text, "riskd_events_total{") >= 4.0 && text.contains("outcome=\"decoded\"") {
            assert_eq!(metric(&text, "riskd_decode_errors_total{"), 3.0);
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "good record not decoded: {text}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    daemon.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_resumes_from_committed_offsets() {
    let prefix = unique("restart");
    let mut cfg = config(&prefix);
    cfg.kafka.idle_flush_ms = 500;
    let sim = simulate(&SimOptions {
        users: 10,
        days: 6,
        seed: 3,
        attacks: 0,
        ..Default::default()
    });
    let records: Vec<serde_json::Value> = sim
        .sign_ins
        .iter()
        .filter(|s| s.category == riskd::model::SignInCategory::Interactive)
        .map(eventhub::sign_in_record)
        .collect();
    let (first, second) = records.split_at(records.len() / 2);
    let topic = cfg.kafka.input_topics[0].clone();
    let p = producer();
    riskd::kafka::topics::ensure(&cfg.kafka).await.unwrap();

    let wait_decoded = |addr, n: usize| {
        wait_for_metric(
            addr,
            "riskd_events_total{",
            n,
            Duration::from_secs(90),
            Duration::from_millis(200),
        )
    };

    produce(&p, &topic, &one_record_per_message(first)).await;
    let daemon = riskd::run::start(cfg.clone()).await.unwrap();
    assert_eq!(
        wait_decoded(daemon.http_addr, first.len()).await,
        first.len()
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    daemon.stop().await.unwrap();

    produce(&p, &topic, &one_record_per_message(second)).await;
    let daemon = riskd::run::start(cfg.clone()).await.unwrap();
    let decoded = wait_decoded(daemon.http_addr, second.len()).await;
    // Nothing of the first half is read again, nothing of the second is missed.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let text = scrape(daemon.http_addr, "/metrics").await;
    assert_eq!(
        metric(&text, "riskd_events_total{") as usize,
        second.len(),
        "decoded {decoded}"
    );
    daemon.stop().await.unwrap();
}

/// The committed offset of `group` on `partition` of `topic` (None when nothing is committed).
fn committed(group: &str, topic: &str, partition: i32) -> Option<i64> {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .set("group.id", group)
        .create()
        .unwrap();
    let mut tpl = rdkafka::TopicPartitionList::new();
    tpl.add_partition(topic, partition);
    let got = c.committed_offsets(tpl, Duration::from_secs(10)).unwrap();
    match got.find_partition(topic, partition).unwrap().offset() {
        rdkafka::Offset::Offset(o) => Some(o),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_mid_stream_it_resumes_at_the_committed_offset_and_misses_nothing() {
    let prefix = unique("midstream");
    let mut cfg = config(&prefix);
    // One message per batch, so the first run is stopped with most of the input unread.
    cfg.kafka.batch_size = 1;
    cfg.kafka.reorder_window_secs = 0;
    let sim = simulate(&SimOptions {
        users: 30,
        days: 10,
        seed: 4,
        attacks: 0,
        ..Default::default()
    });
    let records: Vec<serde_json::Value> =
        sim.sign_ins.iter().map(eventhub::sign_in_record).collect();
    let messages = one_record_per_message(&records);
    let n = messages.len();
    assert!(n > 1000, "{n} messages");
    let topic = cfg.kafka.input_topics[0].clone();
    riskd::kafka::topics::ensure(&cfg.kafka).await.unwrap();
    produce(&producer(), &topic, &messages).await;

    // Run 1: stop as soon as it has decoded something.
    let daemon = riskd::run::start(cfg.clone()).await.unwrap();
    let first = wait_for_metric(
        daemon.http_addr,
        "riskd_events_total{",
        1,
        Duration::from_secs(60),
        Duration::from_millis(10),
    )
    .await;
    daemon.stop().await.unwrap();
    let ingest_group = format!("{}-ingest", cfg.kafka.group_id);
    let resumed_at =
        committed(&ingest_group, &topic, 0).expect("run 1 committed its offsets") as usize;
    assert!(
        resumed_at >= first && resumed_at < n,
        "stopped mid-stream: committed {resumed_at} of {n} (decoded {first} when asked to stop)"
    );

    // Run 2 starts at the committed offset and reads to the end.
    let daemon = riskd::run::start(cfg.clone()).await.unwrap();
    let rest = n - resumed_at;
    let poll = Duration::from_millis(100);
    let timeout = Duration::from_secs(120);
    wait_for_metric(daemon.http_addr, "riskd_events_total{", rest, timeout, poll).await;
    wait_for_metric(
        daemon.http_addr,
        "riskd_processing_seconds_count",
        rest,
        timeout,
        poll,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Read again after the pause: nothing beyond the rest arrived late.
    let text = scrape(daemon.http_addr, "/metrics").await;
    let decoded = metric(&text, "riskd_events_total{") as usize;
    let scored = metric(&text, "riskd_processing_seconds_count") as usize;
    daemon.stop().await.unwrap();
    assert_eq!(
        decoded, rest,
        "run 2 read exactly what run 1 had not committed"
    );
    assert!(scored >= decoded, "every event run 2 decoded was scored");
    assert_eq!(
        committed(&ingest_group, &topic, 0),
        Some(n as i64),
        "all input committed"
    );
    // Everything the ingest stage handed on reached detection: its group is at the end of
    // the events topic (whatever run handed it on).
    let events_topic = cfg.kafka.events_topic.clone();
    let detect_group = format!("{}-detect", cfg.kafka.group_id);
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .create()
        .unwrap();
    let md = c
        .fetch_metadata(Some(&events_topic), Duration::from_secs(10))
        .unwrap();
    let partitions = md.topics()[0].partitions().len() as i32;
    let mut events_total = 0i64;
    let mut committed_total = 0i64;
    for p in 0..partitions {
        let (_, high) = c
            .fetch_watermarks(&events_topic, p, Duration::from_secs(10))
            .unwrap();
        events_total += high;
        committed_total += committed(&detect_group, &events_topic, p).unwrap_or(0);
    }
    assert!(
        events_total >= n as i64,
        "{events_total} events for {n} sign-ins"
    );
    assert_eq!(
        committed_total, events_total,
        "detection committed every event"
    );
}
