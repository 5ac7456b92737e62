//! Start-up topic check: every topic riskd reads or writes must exist; missing ones are
//! created when `create_topics` is on (risky users compacted: latest state per user),
//! otherwise riskd exits with an error naming them.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;

use super::KafkaSetupError;
use crate::config::KafkaConfig;

/// (topic, compacted) for every topic riskd uses.
pub fn required(k: &KafkaConfig) -> Vec<(String, bool)> {
    let mut t: Vec<(String, bool)> = k.input_topics.iter().map(|n| (n.clone(), false)).collect();
    if k.repartition {
        t.push((k.events_topic.clone(), false));
    }
    t.push((k.risky_signins_topic.clone(), false));
    t.push((k.risky_users_topic.clone(), true));
    t.push((k.dead_letter_topic.clone(), false));
    t
}

/// Checks (and creates) the topics.
pub async fn ensure(k: &KafkaConfig) -> Result<Vec<String>, KafkaSetupError> {
    let admin: AdminClient<DefaultClientContext> = super::client::base(k)?.create()?;
    // A blocking librdkafka call: keep it off the async workers.
    let (admin, metadata) = tokio::task::spawn_blocking(move || {
        let m = admin.inner().fetch_metadata(None, Duration::from_secs(15));
        (admin, m)
    })
    .await
    .map_err(|e| KafkaSetupError::Unreachable {
        servers: k.bootstrap_servers.clone(),
        reason: e.to_string(),
    })?;
    let metadata = metadata.map_err(|e| KafkaSetupError::Unreachable {
        servers: k.bootstrap_servers.clone(),
        reason: e.to_string(),
    })?;
    let existing: Vec<&str> = metadata.topics().iter().map(|t| t.name()).collect();
    let missing: Vec<(String, bool)> = required(k)
        .into_iter()
        .filter(|(n, _)| !existing.contains(&n.as_str()))
        .collect();
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<String> = missing.iter().map(|(n, _)| n.clone()).collect();
    if !k.create_topics {
        return Err(KafkaSetupError::MissingTopics(names));
    }
    let new: Vec<NewTopic> = missing
        .iter()
        .map(|(n, compact)| {
            let t = NewTopic::new(
                n,
                k.topic_partitions,
                TopicReplication::Fixed(k.replication_factor),
            );
            if *compact {
                t.set("cleanup.policy", "compact")
            } else {
                t
            }
        })
        .collect();
    let results = admin
        .create_topics(
            new.iter(),
            &AdminOptions::new().operation_timeout(Some(Duration::from_secs(30))),
        )
        .await?;
    for r in results {
        match r {
            Ok(_) => {}
            Err((name, rdkafka::types::RDKafkaErrorCode::TopicAlreadyExists)) => {
                tracing::debug!(topic = %name, "created concurrently");
            }
            Err((name, code)) => {
                return Err(KafkaSetupError::CreateTopic {
                    name,
                    reason: code.to_string(),
                })
            }
        }
    }
    Ok(names)
}
