//! End-to-end: the real `ledgerdesk` binary on a free loopback port, spoken to over HTTP as a
//! client would. Each test gets its own data directory; server logs stay silent unless
//! `TEST_LOG` is set. The server helper is in `common/`, shared with the ticket tests.

mod common;

use std::io::{BufRead, BufReader, Read};

use common::{client, error_of, login, Server, ADMIN_PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[test]
fn first_start_creates_an_admin_who_can_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    assert!(server
        .first_start
        .iter()
        .any(|l| l.contains("created user `admin`")));
    // A password from the environment is never printed.
    assert!(!server
        .first_start
        .iter()
        .any(|l| l.contains(ADMIN_PASSWORD)));

    let health = client().get(server.url("/health")).send().unwrap();
    assert_eq!(health.status(), StatusCode::OK);

    let ok = login(&server, "admin", ADMIN_PASSWORD);
    assert_eq!(ok.status(), StatusCode::OK);
    let body: Value = ok.json().unwrap();
    let token = body["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("ldk_"));
    let events = client()
        .get(server.url("/api/events"))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);

    for (name, user, password) in [
        ("wrong password", "admin", "nope"),
        ("unknown user", "nobody", ADMIN_PASSWORD),
    ] {
        let (status, body) = error_of(login(&server, user, password));
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
        assert_eq!(body["error"]["code"], "unauthorized", "{name}");
    }
}

#[test]
fn login_attempts_are_rate_limited() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(login(&server, "admin", "wrong").status());
    }
    assert!(
        statuses[..10]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    let (status, body) = error_of(login(&server, "admin", ADMIN_PASSWORD));
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"]["code"], "too_many_attempts");
}

#[test]
fn the_log_is_readable_by_admins_and_holds_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let token = server.admin_token();
    let response = client()
        .get(server.url("/api/events?limit=50"))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().unwrap();
    assert!(
        !text.contains(ADMIN_PASSWORD),
        "the password reached the log"
    );
    assert!(!text.contains(&token), "the token reached the log");
    assert!(!text.contains("$argon2"), "a password hash reached the log");
    let body: Value = serde_json::from_str(&text).unwrap();
    let types: Vec<&str> = body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"user.created"), "{types:?}");
    assert!(types.contains(&"user.password_set"), "{types:?}");
    assert!(types.contains(&"user.token_issued"), "{types:?}");
    let positions: Vec<u64> = body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["position"].as_u64().unwrap())
        .collect();
    assert_eq!(positions, (1..=positions.len() as u64).collect::<Vec<_>>());

    // Filters, a stream, and decoded payloads.
    let user_created = body["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "user.created")
        .unwrap();
    assert!(
        user_created["data"].is_object(),
        "payloads are decoded: {user_created}"
    );
    let stream = user_created["stream"].as_str().unwrap();
    let by_type: Value = client()
        .get(server.url("/api/events?type=user.token_issued"))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(by_type["events"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["event_type"] == "user.token_issued"));
    let one: Value = client()
        .get(server.url(&format!("/api/streams/{stream}")))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(one["number"], 1);
    assert_eq!(one["events"][0]["version"], 1);
}

#[test]
fn errors_have_one_shape_and_the_right_status() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let token = server.admin_token();
    let c = client();
    let cases: Vec<(
        &str,
        reqwest::blocking::RequestBuilder,
        StatusCode,
        Option<&str>,
    )> = vec![
        (
            "no token",
            c.get(server.url("/api/events")),
            StatusCode::UNAUTHORIZED,
            None,
        ),
        (
            "bad token",
            c.get(server.url("/api/events")).bearer_auth("ldk_nope"),
            StatusCode::UNAUTHORIZED,
            None,
        ),
        (
            "limit 0",
            c.get(server.url("/api/events?limit=0")).bearer_auth(&token),
            StatusCode::BAD_REQUEST,
            Some("limit"),
        ),
        (
            "limit not a number",
            c.get(server.url("/api/events?limit=x")).bearer_auth(&token),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "unknown query field",
            c.get(server.url("/api/events?bogus=1")).bearer_auth(&token),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "malformed stream id",
            c.get(server.url("/api/streams/nope")).bearer_auth(&token),
            StatusCode::BAD_REQUEST,
            Some("stream"),
        ),
        (
            "unknown stream",
            c.get(server.url("/api/streams/ticket-01ARZ3NDEKTSV4RRFFQ69G5FAV"))
                .bearer_auth(&token),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "unknown route",
            c.get(server.url("/api/nothing-here")).bearer_auth(&token),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "malformed JSON",
            c.post(server.url("/api/auth/login"))
                .header("content-type", "application/json")
                .body("{"),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "unknown field",
            c.post(server.url("/api/auth/login"))
                .json(&json!({"username": "a", "password": "b", "x": 1})),
            StatusCode::BAD_REQUEST,
            Some("x"),
        ),
        (
            "missing field",
            c.post(server.url("/api/auth/login"))
                .json(&json!({"username": "a"})),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "wrong type",
            c.post(server.url("/api/auth/login"))
                .json(&json!({"username": 1, "password": "b"})),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "not JSON",
            c.post(server.url("/api/auth/login"))
                .header("content-type", "text/plain")
                .body("x"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
        ),
        (
            "too large",
            c.post(server.url("/api/auth/login"))
                .json(&json!({"username": "a".repeat(2_000_000), "password": "b"})),
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
        ),
    ];
    for (name, request, status, field) in cases {
        let (got, body) = error_of(request.send().unwrap());
        assert_eq!(got, status, "{name}: {body}");
        if let Some(field) = field {
            assert_eq!(body["error"]["field"], field, "{name}: {body}");
        }
    }
}

#[test]
fn the_feed_resumes_after_last_event_id() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let token = server.admin_token();
    let response = client()
        .get(server.url("/api/events/feed"))
        .bearer_auth(&token)
        .header("Last-Event-ID", "2")
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut reader = BufReader::new(response);
    let mut ids = Vec::new();
    let mut line = String::new();
    while ids.len() < 3 {
        line.clear();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "the feed ended early"
        );
        if let Some(id) = line.strip_prefix("id: ") {
            ids.push(id.trim().parse::<u64>().unwrap());
        }
    }
    assert_eq!(ids, [3, 4, 5]);

    // A new event arrives on a live connection: a login issues a token.
    let live = client()
        .get(server.url("/api/events/feed"))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(
        login(&server, "admin", ADMIN_PASSWORD).status(),
        StatusCode::OK
    );
    let mut reader = BufReader::new(live);
    let mut seen = String::new();
    while !seen.contains("event: user.token_issued") {
        let mut buf = [0u8; 512];
        let n = reader.read(&mut buf).unwrap();
        assert!(n > 0, "the live feed ended");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
}

#[test]
fn a_restart_keeps_users_and_tokens_and_creates_no_second_admin() {
    let dir = tempfile::tempdir().unwrap();
    let first = Server::start(dir.path());
    let token = first.admin_token();
    let status = first.stop();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    let second = Server::start(dir.path());
    assert!(second.first_start.is_empty(), "{:?}", second.first_start);
    let events = client()
        .get(second.url("/api/events"))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    let ready = client().get(second.url("/ready")).send().unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
}

#[test]
fn time_travel_answers_what_the_replay_tool_prints() {
    use ledgerdesk_core::command::CommandService;
    use ledgerdesk_core::ticket::{examples, TicketAggregate};
    use ledgerdesk_core::timetravel::{as_of, Cutoff};
    use ledgerdesk_core::{SledEventStore, StoreConfig};
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    // The same fold the replay tool prints (`ledgerdesk-replay ticket --json`), taken offline.
    let (ticket, positions, expected) = rt.block_on(async {
        let store =
            std::sync::Arc::new(SledEventStore::open(dir.path(), StoreConfig::default()).unwrap());
        let svc = CommandService::new(store.clone(), 8);
        let (ticket, positions) = examples::answered_and_resolved(
            &svc,
            ulid::Ulid::new(),
            ulid::Ulid::new(),
            "VPN drops",
        )
        .await
        .unwrap();
        let answer =
            as_of::<TicketAggregate, _>(store.as_ref(), ticket, Cutoff::Position(positions[1]))
                .await
                .unwrap();
        let expected = serde_json::to_value(answer.snapshot(ticket)).unwrap();
        store.close().await;
        (ticket, positions, expected)
    });
    let server = Server::start(dir.path());
    let token = server.admin_token();
    let by_number: Value = client()
        .get(server.url(&format!(
            "/api/tickets/1001/as-of?position={}",
            positions[1]
        )))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(by_number, expected);
    let now: Value = client()
        .get(server.url(&format!("/api/tickets/{ticket}/as-of")))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(now["position"], positions[2]);
    let (status, _) = error_of(
        client()
            .get(server.url("/api/tickets/4242/as-of"))
            .bearer_auth(&token)
            .send()
            .unwrap(),
    );
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = error_of(
        client()
            .get(server.url("/api/tickets/1001/as-of?time=soon"))
            .bearer_auth(&token)
            .send()
            .unwrap(),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[test]
fn the_openapi_document_lists_every_mounted_route_and_the_docs_page_works_offline() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let doc: Value = client()
        .get(server.url("/api/openapi.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        doc["openapi"].as_str().map(|v| v.starts_with("3.")),
        Some(true),
        "{doc}"
    );
    let mut documented: Vec<String> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    documented.sort();
    // Every documented route is mounted: a request to it never reaches the "no route" handler.
    for route in &documented {
        let (method, path) = route.split_once(' ').unwrap();
        let concrete = path
            .replace("{stream}", "ticket-01ARZ3NDEKTSV4RRFFQ69G5FAV")
            .replace("{id}", "1001")
            .replace("{name}", "nope");
        let response = client()
            .request(method.parse().unwrap(), server.url(&concrete))
            .send()
            .unwrap();
        let body = response.text().unwrap_or_default();
        assert!(
            !body.contains("no route for"),
            "{route} is documented but not mounted"
        );
    }
    // And the routes the server mounts are all there (mounting and documenting are one call).
    for expected in [
        "GET /health",
        "GET /ready",
        "POST /api/auth/login",
        "GET /api/events",
        "GET /api/events/feed",
        "GET /api/streams/{stream}",
        "GET /api/tickets/{id}/as-of",
        "POST /api/admin/projections/{name}/rebuild",
        "GET /metrics",
        "POST /api/tickets",
        "PATCH /api/tickets/{id}",
        "POST /api/tickets/{id}/status",
        "POST /api/tickets/{id}/assign",
        "POST /api/tickets/{id}/pickup",
        "POST /api/tickets/{id}/unassign",
        "POST /api/tickets/{id}/replies",
        "POST /api/tickets/{id}/notes",
        "POST /api/tickets/{id}/close",
        "POST /api/tickets/{id}/reopen",
        "POST /api/tickets/{id}/trash",
        "POST /api/tickets/{id}/restore",
        "GET /api/tickets",
        "GET /api/tickets/search",
        "GET /api/tickets/{id}",
        "GET /api/tickets/{id}/history",
    ] {
        assert!(
            documented.iter().any(|d| d == expected),
            "{expected} missing from {documented:?}"
        );
    }
    // Every command on an existing ticket documents its consistency headers and answers.
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/tickets/{id}/") {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            if method == "get" {
                continue;
            }
            let names: Vec<&str> = op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            assert!(
                names.contains(&"If-Match") && names.contains(&"Idempotency-Key"),
                "{method} {path}: {names:?}"
            );
            assert!(
                op["responses"]["409"].is_object(),
                "{method} {path} documents no 409"
            );
        }
    }
    let page = client().get(server.url("/api/docs/")).send().unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().unwrap();
    assert!(html.contains("swagger"), "{html}");
    assert!(
        !html.contains("cdn") && !html.contains("unpkg"),
        "the page loads assets from the network"
    );
    let css = client()
        .get(server.url("/api/docs/swagger-ui.css"))
        .send()
        .unwrap();
    assert_eq!(css.status(), StatusCode::OK, "bundled assets are served");
}

#[test]
fn admins_rebuild_a_read_model_online_and_ready_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let token = server.admin_token();
    let c = client();
    let started = c
        .post(server.url("/api/admin/projections/history/rebuild"))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    // Bounded wait for the swap: /ready answers 200 once every model is back at the head.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let ready = c.get(server.url("/ready")).send().unwrap();
        if ready.status() == StatusCode::OK {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the rebuild did not finish"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let (status, _) = error_of(
        c.post(server.url("/api/admin/projections/nope/rebuild"))
            .bearer_auth(&token)
            .send()
            .unwrap(),
    );
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = error_of(
        c.post(server.url("/api/admin/projections/views/rebuild"))
            .send()
            .unwrap(),
    );
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[test]
fn metrics_show_requests_the_log_and_read_models() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let token = server.admin_token();
    let c = client();
    assert_eq!(
        c.get(server.url("/health")).send().unwrap().status(),
        StatusCode::OK
    );
    let (status, _) = error_of(c.get(server.url("/metrics")).send().unwrap());
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A command route with a path parameter is labelled by its own pattern (the queries'
    // `/api` scope, GET only, must not hide it), and a query of the same prefix by its own.
    let opened: Value = c
        .post(server.url("/api/tickets"))
        .bearer_auth(&token)
        .json(&json!({"subject": "Metrics", "description": "Label me."}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let number = opened["number"].as_u64().unwrap();
    for _ in 0..2 {
        let replied = c
            .post(server.url(&format!("/api/tickets/{number}/replies")))
            .bearer_auth(&token)
            .json(&json!({"body": "On it."}))
            .send()
            .unwrap();
        assert_eq!(replied.status(), StatusCode::OK);
    }
    let read = c
        .get(server.url(&format!("/api/tickets/{number}")))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    let response = c
        .get(server.url("/metrics"))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().unwrap();
    for needle in [
        r#"ledgerdesk_http_requests_total{method="GET",route="/health",status="200"} 1"#,
        r#"ledgerdesk_http_request_duration_seconds_bucket{method="GET",route="/health""#,
        r#"ledgerdesk_http_requests_total{method="POST",route="/api/tickets",status="201"} 1"#,
        r#"ledgerdesk_http_requests_total{method="POST",route="/api/tickets/{id}/replies",status="200"} 2"#,
        r#"ledgerdesk_http_requests_total{method="GET",route="/api/tickets/{id}",status="200"} 1"#,
        r#"ledgerdesk_log{measure="events"}"#,
        r#"ledgerdesk_log{measure="syncs"}"#,
        r#"ledgerdesk_read_model{measure="lag",name="views"}"#,
        r#"ledgerdesk_read_model{measure="position",name="history"}"#,
    ] {
        assert!(text.contains(needle), "missing {needle} in:\n{text}");
    }
    assert!(!text.contains("unmatched"), "{text}");
}
