//! Telemetry for `riskd run`: Prometheus metrics ([`metrics`]), the HTTP endpoint serving
//! `/metrics`, `/healthz` and `/readyz` ([`http`]), a minimal client of that endpoint
//! ([`probe`]), and tracing set-up.

pub mod http;
pub mod metrics;
pub mod probe;

pub use metrics::Metrics;

/// Installs the global tracing subscriber (`pretty` or `json`); returns false if one was
/// already installed (tests).
pub fn init_tracing(format: &str, level: &str) -> bool {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format.eq_ignore_ascii_case("json") {
        builder.json().try_init().is_ok()
    } else {
        builder.try_init().is_ok()
    }
}
