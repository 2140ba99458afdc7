//! End-to-end tests of the directory, catalogue, KB and news routes: what each role may do,
//! bad input with the field at fault, unique names, 404s, and reading writes back through
//! the read models with `min_position`.
//!
//! - `people`: users, groups, membership, priorities and statuses built and read back;
//!   each role's allowed and refused actions, bad input, duplicates, 404s;
//! - `catalogue`: roles and grants, ticket types, companies, locations, help desks, custom
//!   fields, deletes with replacements;
//! - `content`: KB search and breaking news, notices.

#[path = "../common/mod.rs"]
mod common;

mod catalogue;
mod content;
mod more;
mod people;

pub(crate) use common::desk::*;
pub(crate) use common::{client, error_of, login};
use reqwest::blocking::RequestBuilder;
pub(crate) use reqwest::StatusCode;
pub(crate) use serde_json::{json, Value};

pub(crate) fn refused(request: RequestBuilder, status: StatusCode, field: Option<&str>) -> Value {
    let (got, body) = error_of(request.send().unwrap());
    assert_eq!(got, status, "{body}");
    if let Some(field) = field {
        assert_eq!(body["error"]["field"], json!(field), "{body}");
    }
    body
}

pub(crate) fn names(list: &Value, key: &str) -> Vec<String> {
    list[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {list}"))
        .iter()
        .map(|e| e["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

pub(crate) fn read(desk: &Desk, token: &str, path: &str, position: u64) -> Value {
    let sep = if path.contains('?') { '&' } else { '?' };
    let body = ok(
        desk.get(token, &format!("{path}{sep}min_position={position}")),
        StatusCode::OK,
    );
    assert!(body["position"].as_u64().unwrap() >= position, "{body}");
    body
}
