//! A minimal client for riskd's own telemetry endpoint: fetch one path, read one metric.
//! The broker tests, the e2e bench and the endpoint's own test read the daemon through it;
//! a health-check script can too. HTTP/1.1 with `Connection: close`, nothing more: the
//! endpoint is riskd's, so no general HTTP client is needed.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `GET path` from the endpoint at `addr`: the whole response, status line and headers
/// included.
pub async fn get(addr: SocketAddr, path: &str) -> std::io::Result<String> {
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: riskd\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await?;
    let mut response = String::new();
    s.read_to_string(&mut response).await?;
    Ok(response)
}

/// The sum of the samples in Prometheus text `text` whose line starts with
/// `name_and_labels` (a metric name, optionally with the start of its labels): the total
/// of a labelled counter, or one series of it.
pub fn metric_sum(text: &str, name_and_labels: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name_and_labels))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_sum_adds_the_matching_series_only() {
        let text = "# HELP riskd_events_total x\n\
                    riskd_events_total{topic=\"a\",result=\"decoded\"} 3\n\
                    riskd_events_total{topic=\"b\",result=\"decoded\"} 4\n\
                    riskd_events_total{topic=\"b\",result=\"dead_letter\"} 1\n\
                    riskd_events_totally_else 100\n";
        assert_eq!(metric_sum(text, "riskd_events_total{"), 8.0);
        assert_eq!(metric_sum(text, "riskd_events_total{topic=\"b\""), 5.0);
        assert_eq!(metric_sum(text, "riskd_missing"), 0.0);
    }
}
