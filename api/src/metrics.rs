//! Prometheus metrics at `GET /metrics` (admins and auditors): requests and latencies by
//! route, the log's appends, groups and sync time, and each read model's position and lag.
//!
//! Request metrics are recorded by [`track`], a middleware that labels by the route pattern
//! (`/api/tickets/{id}`), never by the raw path, so label cardinality stays bounded.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{get, web, HttpResponse};
use ledgerdesk_core::EventStore;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::auth::{Caller, Role};
use crate::error::ApiError;
use crate::state::AppState;

/// The request metrics, registered once per process.
pub struct HttpMetrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
}

impl HttpMetrics {
    /// A registry with the request counter and latency histogram.
    pub fn new() -> Result<HttpMetrics, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "ledgerdesk_http_requests_total",
                "HTTP requests by route, method and status",
            ),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "ledgerdesk_http_request_duration_seconds",
                "HTTP request latency by route",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
            &["route", "method"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        Ok(HttpMetrics {
            registry,
            requests,
            latency,
        })
    }
}

/// Middleware: counts and times every request by route pattern.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().as_str().to_owned();
    let started = std::time::Instant::now();
    let response = next.call(req).await?;
    // Asked after routing: the pattern of the resource that answered. Before it, actix can
    // only match the path against the route tree without guards, and the queries' `/api`
    // scope (GET only) hides the commands' routes of the same prefix.
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    if let Some(state) = state {
        let status = response.status().as_u16().to_string();
        let m = &state.http_metrics;
        m.requests
            .with_label_values(&[&route, &method, &status])
            .inc();
        m.latency
            .with_label_values(&[&route, &method])
            .observe(started.elapsed().as_secs_f64());
    }
    Ok(response)
}

fn gauges(state: &AppState) -> Result<Registry, prometheus::Error> {
    let registry = Registry::new();
    let store = state.store.metrics();
    let log = IntGaugeVec::new(Opts::new("ledgerdesk_log", "the event log since start: head, groups, appends, events, syncs, sync time (us), failed syncs"), &["measure"])?;
    let head = state.store.head();
    for (measure, value) in [
        ("head", head),
        ("groups", store.groups),
        ("appends", store.appends),
        ("events", store.events),
        ("syncs", store.syncs),
        ("sync_micros", store.sync_micros),
        ("failed_syncs", store.failed_syncs),
    ] {
        log.with_label_values(&[measure])
            .set(i64::try_from(value).unwrap_or(i64::MAX));
    }
    registry.register(Box::new(log))?;
    let models = IntGaugeVec::new(
        Opts::new(
            "ledgerdesk_read_model",
            "each read model: position, lag behind the head, rebuilding, failed",
        ),
        &["name", "measure"],
    )?;
    for s in state.projections.status() {
        let lag = s.head.saturating_sub(s.position);
        for (measure, value) in [
            ("position", s.position),
            ("lag", lag),
            ("rebuilding", u64::from(s.rebuilding.is_some())),
            ("rebuild_position", s.rebuilding.map_or(0, |r| r.position)),
            ("failed", u64::from(s.failure.is_some())),
        ] {
            models
                .with_label_values(&[s.name, measure])
                .set(i64::try_from(value).unwrap_or(i64::MAX));
        }
    }
    registry.register(Box::new(models))?;
    Ok(registry)
}

/// The metrics in Prometheus text format. Admins and auditors (scrape with a bearer token).
#[utoipa::path(tag = "operations", security(("bearer" = [])), responses(
    (status = 200, description = "Prometheus text exposition", content_type = "text/plain"),
    (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Auditor])?;
    let snapshot = gauges(&state).map_err(|e| ApiError::internal("collecting metrics", e))?;
    let mut families = state.http_metrics.registry.gather();
    families.extend(snapshot.gather());
    let mut body = Vec::new();
    TextEncoder::new()
        .encode(&families, &mut body)
        .map_err(|e| ApiError::internal("encoding metrics", e))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body))
}
