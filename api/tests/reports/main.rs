//! End-to-end tests of the report routes, with hand-checked numbers and each role's refusals:
//!
//! - `counts`: ticket counts with the list's filters, counts per value, daily and top
//!   statistics;
//! - `sla`: one ticket's clocks, the overdue list as of a future and a past time, compliance
//!   (one test waits a real SLA minute to see a breach);
//! - `audit`: the audit feed by actor and by time, paged;
//! - here: the routes are in the OpenAPI document.

#[path = "../common/mod.rs"]
mod common;

mod audit;
mod counts;
mod sla;

use chrono::{DateTime, SecondsFormat, Utc};
pub(crate) use common::desk::*;
pub(crate) use common::{client, error_of};
pub(crate) use reqwest::blocking::RequestBuilder;
pub(crate) use reqwest::StatusCode;
pub(crate) use serde_json::{json, Value};

/// The log position of a command's answer.
pub(crate) fn pos(answer: &Value) -> u64 {
    answer["position"].as_u64().unwrap()
}

/// The bare ULID of a `kind-ULID` id.
pub(crate) fn bare(id: &str) -> String {
    id.rsplit('-').next().unwrap().to_owned()
}

/// A priority with these SLA targets (minutes), created by the admin; answers its id.
pub(crate) fn priority(desk: &Desk, name: &str, sla: Value) -> String {
    let made = created(desk.post(
        &desk.admin,
        "/api/priorities",
        json!({"name": name, "colour": "#112233", "sla": sla}),
    ));
    made["id"].as_str().unwrap().to_owned()
}

/// A ticket the agent opens for the requester; answers its creation answer.
pub(crate) fn open(desk: &Desk, subject: &str, priority: Option<&str>) -> Value {
    let mut body = json!({"subject": subject, "requester_id": desk.requester.0});
    if let Some(p) = priority {
        body["priority_id"] = json!(p);
    }
    created(desk.post(&desk.agent.1, "/api/tickets", body))
}

/// Posts to a ticket route with the agent's token, expecting 200.
pub(crate) fn act(desk: &Desk, number: u64, suffix: &str, body: Value) -> Value {
    ok(
        desk.post(
            &desk.agent.1,
            &format!("/api/tickets/{number}{suffix}"),
            body,
        ),
        StatusCode::OK,
    )
}

/// Expects an error with `status` naming `field`.
pub(crate) fn refused(request: RequestBuilder, status: StatusCode, field: Option<&str>) {
    let (got, body) = error_of(request.send().unwrap());
    assert_eq!(got, status, "{body}");
    assert_eq!(body["error"]["field"].as_str(), field, "{body}");
}

/// A moment as RFC 3339 with `Z` (no `+` to escape in a query string).
pub(crate) fn rfc3339(micros: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .unwrap()
        .to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The `YYYY-MM-DD` UTC day of a moment.
pub(crate) fn date(micros: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .unwrap()
        .date_naive()
        .to_string()
}

#[test]
fn the_report_routes_are_documented_in_the_openapi_document() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::Server::start(dir.path());
    let doc: Value = client()
        .get(server.url("/api/openapi.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    for path in [
        "/api/tickets/{id}/sla",
        "/api/sla/overdue",
        "/api/sla/compliance",
        "/api/tickets/count",
        "/api/tickets/counts/{field}",
        "/api/stats/daily",
        "/api/stats/top/{field}",
        "/api/audit",
    ] {
        assert!(
            doc["paths"][path]["get"].is_object(),
            "{path} is not documented"
        );
    }
    // The count takes exactly the list's filter parameters (and no paging or order).
    let names = |path: &str| -> Vec<String> {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let list = names("/api/tickets");
    let count = names("/api/tickets/count");
    for paging in ["sort", "order", "cursor", "limit"] {
        assert!(list.iter().any(|n| n == paging), "{list:?}");
    }
    let filters: Vec<&String> = list
        .iter()
        .filter(|n| !["sort", "order", "cursor", "limit"].contains(&n.as_str()))
        .collect();
    assert_eq!(filters, count.iter().collect::<Vec<_>>());
    assert!(count.iter().any(|n| n == "type"), "{count:?}");
}
