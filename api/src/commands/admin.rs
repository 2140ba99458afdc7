//! Operator commands. `POST /api/admin/projections/{name}/rebuild` rebuilds a read model
//! online, exactly as `ledgerdesk-replay rebuild` does offline: into fresh trees, swapped in
//! when caught up, while queries keep reading the old model. Progress shows in `/ready`.

use actix_web::{post, web, HttpResponse};
use serde_json::json;

use crate::auth::{Caller, Role};
use crate::error::ApiError;
use crate::state::AppState;

/// Starts a rebuild of one read model and answers at once (202); `/ready` reports its
/// progress (`rebuilding: {position, target}`) and then the swap. Admins only.
#[utoipa::path(tag = "operations", security(("bearer" = [])),
    params(("name" = String, Path, description = "read model: history, views, sla")),
    responses(
        (status = 202, description = "rebuild started; follow it in /ready"),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody),
    ))]
#[post("/admin/projections/{name}/rebuild")]
pub async fn rebuild_projection(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin])?;
    let name = path.into_inner();
    let status = state.projections.status();
    let Some(current) = status.iter().find(|s| s.name == name) else {
        let known: Vec<&str> = status.iter().map(|s| s.name).collect();
        return Err(ApiError::not_found(format!(
            "no read model {name:?}; known: {}",
            known.join(", ")
        )));
    };
    if current.rebuilding.is_some() {
        return Err(ApiError::new(
            actix_web::http::StatusCode::CONFLICT,
            "rebuild_in_progress",
            format!("{name} is already being rebuilt"),
        ));
    }
    let runner = state.projections.clone();
    let target = name.clone();
    tokio::spawn(async move {
        if let Err(e) = runner.rebuild(&target).await {
            tracing::error!(projection = %target, error = %e, "online rebuild failed");
        }
    });
    Ok(HttpResponse::Accepted()
        .json(json!({"projection": name, "status": "rebuilding", "follow": "/ready"})))
}
