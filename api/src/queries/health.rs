//! `/health` (the process answers) and `/ready` (the store is open and the read models have
//! caught up with the log).

use actix_web::{get, web, HttpResponse};
use ledgerdesk_core::EventStore;
use serde_json::json;

use crate::state::AppState;

/// Liveness: 200 while the process serves requests.
#[utoipa::path(tag = "operations", responses((status = 200, description = "the process serves requests")))]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Readiness: 200 when every projection has reached the head and none has failed, else 503
/// with the positions, failures and rebuild progress.
#[utoipa::path(tag = "operations", responses(
    (status = 200, description = "the store is open and every read model is at the head"),
    (status = 503, description = "read models are catching up, rebuilding or failed"),
))]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let head = state.store.head();
    let projections = state.projections.status();
    let ready = projections
        .iter()
        .all(|p| p.failure.is_none() && p.rebuilding.is_none() && p.position >= head);
    let body = json!({
        "status": if ready { "ready" } else { "catching_up" },
        "head": head,
        "projections": projections,
    });
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
