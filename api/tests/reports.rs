//! End-to-end tests of the report routes: ticket counts and statistics, SLA (one ticket, the
//! overdue list as of a time, compliance) and the audit feed, with hand-checked numbers and
//! each role's refusals.

mod common;

use chrono::{DateTime, SecondsFormat, Utc};
use common::desk::*;
use common::{client, error_of};
use reqwest::blocking::RequestBuilder;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The log position of a command's answer.
fn pos(answer: &Value) -> u64 {
    answer["position"].as_u64().unwrap()
}

/// The bare ULID of a `kind-ULID` id.
fn bare(id: &str) -> String {
    id.rsplit('-').next().unwrap().to_owned()
}

/// A priority with these SLA targets (minutes), created by the admin; answers its id.
fn priority(desk: &Desk, name: &str, sla: Value) -> String {
    let made = created(desk.post(
        &desk.admin,
        "/api/priorities",
        json!({"name": name, "colour": "#112233", "sla": sla}),
    ));
    made["id"].as_str().unwrap().to_owned()
}

/// A ticket the agent opens for the requester; answers its creation answer.
fn open(desk: &Desk, subject: &str, priority: Option<&str>) -> Value {
    let mut body = json!({"subject": subject, "requester_id": desk.requester.0});
    if let Some(p) = priority {
        body["priority_id"] = json!(p);
    }
    created(desk.post(&desk.agent.1, "/api/tickets", body))
}

/// Posts to a ticket route with the agent's token, expecting 200.
fn act(desk: &Desk, number: u64, suffix: &str, body: Value) -> Value {
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
fn refused(request: RequestBuilder, status: StatusCode, field: Option<&str>) {
    let (got, body) = error_of(request.send().unwrap());
    assert_eq!(got, status, "{body}");
    assert_eq!(body["error"]["field"].as_str(), field, "{body}");
}

/// A moment as RFC 3339 with `Z` (no `+` to escape in a query string).
fn rfc3339(micros: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .unwrap()
        .to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The `YYYY-MM-DD` UTC day of a moment.
fn date(micros: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .unwrap()
        .date_naive()
        .to_string()
}

/// Value → count of a counts answer.
fn counted(answer: &Value) -> Vec<(String, u64)> {
    answer["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["value"].as_str().unwrap().to_owned(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn counts_and_statistics_match_the_tickets_opened_closed_and_trashed() {
    let desk = Desk::open();
    let agent = &desk.agent.1;
    let fast = priority(&desk, "Fast", json!({"first_response_minutes": 60}));
    let slow = priority(&desk, "Slow", json!({}));

    // Arrange: three Fast tickets (one closed), two Slow (one trashed), one without priority.
    let f1 = open(&desk, "fast one", Some(&fast));
    open(&desk, "fast two", Some(&fast));
    let f3 = open(&desk, "fast three", Some(&fast));
    let s1 = open(&desk, "slow one", Some(&slow));
    open(&desk, "slow two", Some(&slow));
    open(&desk, "no priority", None);
    act(
        &desk,
        f3["number"].as_u64().unwrap(),
        "/close",
        json!({"comments": "done"}),
    );
    let last = ok(
        client()
            .post(
                desk.server
                    .url(&format!("/api/tickets/{}/trash", s1["number"])),
            )
            .bearer_auth(agent),
        StatusCode::OK,
    );
    let at = pos(&last);
    let created_at = summary(&desk, agent, f1["number"].as_u64().unwrap(), at)["created_at"]
        .as_i64()
        .unwrap();

    // Exact counts for the list's filters (`/tickets/count` is not taken for a ticket id).
    let count = |query: &str| {
        ok(
            desk.get(
                agent,
                &format!("/api/tickets/count?min_position={at}{query}"),
            ),
            StatusCode::OK,
        )
    };
    let all = count("");
    assert_eq!(all["count"], 5, "{all}");
    assert!(all["position"].as_u64().unwrap() >= at);
    let fast_ones = count(&format!("&priority={fast}"));
    assert_eq!(fast_ones["count"], 3, "{fast_ones}");
    assert_eq!(fast_ones["per_field"]["priority"], 3, "{fast_ones}");
    assert_eq!(
        count(&format!("&priority={fast}&status_category=closed"))["count"],
        1
    );
    assert_eq!(count("&priority=none")["count"], 1);
    assert_eq!(count(&format!("&priority={slow}"))["count"], 1);
    assert_eq!(count("&trashed=true")["count"], 1);
    assert_eq!(count("&status_category=new")["count"], 4);
    // The count agrees with the list it counts.
    let listed = ok(
        desk.get(agent, &format!("/api/tickets?priority={fast}&limit=100")),
        StatusCode::OK,
    );
    assert_eq!(listed["items"].as_array().unwrap().len(), 3);

    // Counts per value, paged one value at a time.
    let mut values = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let page = ok(
            desk.get(
                agent,
                &format!(
                    "/api/tickets/counts/priority?limit=1{}",
                    cursor
                        .as_ref()
                        .map(|c| format!("&cursor={c}"))
                        .unwrap_or_default()
                ),
            ),
            StatusCode::OK,
        );
        assert_eq!(page["field"], "priority");
        values.extend(counted(&page));
        match page["next"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    values.sort();
    let mut expected = vec![(bare(&fast), 3), (bare(&slow), 1), ("none".to_owned(), 1)];
    expected.sort();
    assert_eq!(values, expected);
    let categories = ok(
        desk.get(agent, "/api/tickets/counts/status_category"),
        StatusCode::OK,
    );
    assert_eq!(
        counted(&categories),
        vec![("New".to_owned(), 4), ("Closed".to_owned(), 1)]
    );
    let trash = ok(
        desk.get(agent, "/api/tickets/counts/priority?trashed=true"),
        StatusCode::OK,
    );
    assert_eq!(counted(&trash), vec![(bare(&slow), 1)]);

    // Per day: today's five active tickets, one closed; the day before has none.
    let today = date(created_at);
    let yesterday = date(created_at - 86_400_000_000);
    let daily = ok(
        desk.get(
            &desk.auditor.1,
            &format!("/api/stats/daily?from={yesterday}&to={today}"),
        ),
        StatusCode::OK,
    );
    let days = daily["days"].as_array().unwrap();
    assert_eq!(days.len(), 2, "{daily}");
    assert_eq!(days[0]["date"], yesterday.as_str());
    assert_eq!(
        (&days[0]["created"], &days[0]["closed"]),
        (&json!(0), &json!(0))
    );
    assert_eq!(days[1]["date"], today.as_str());
    assert_eq!(
        (&days[1]["created"], &days[1]["closed"]),
        (&json!(5), &json!(1))
    );

    // The top priorities: Fast first.
    let top = ok(
        desk.get(&desk.admin, "/api/stats/top/priority?n=1"),
        StatusCode::OK,
    );
    assert_eq!(counted(&top), vec![(bare(&fast), 3)]);

    // Refusals: a requester may not count everyone's tickets; bad parameters name their field.
    let requester = &desk.requester.1;
    for path in [
        "/api/tickets/count",
        "/api/tickets/counts/priority",
        "/api/stats/daily",
        "/api/stats/top/tag",
    ] {
        refused(desk.get(requester, path), StatusCode::FORBIDDEN, None);
    }
    for (path, field) in [
        (
            "/api/tickets/count?status_category=done",
            Some("status_category"),
        ),
        ("/api/tickets/count?priority=nope", Some("priority")),
        ("/api/tickets/counts/colour", Some("field")),
        ("/api/tickets/counts/priority?limit=0", Some("limit")),
        ("/api/tickets/counts/priority?limit=101", Some("limit")),
        ("/api/tickets/counts/priority?cursor=zz", Some("cursor")),
        (
            "/api/stats/daily?from=2026-02-01&to=2026-01-01",
            Some("from"),
        ),
        (
            "/api/stats/daily?from=2020-01-01&to=2026-01-01",
            Some("from"),
        ),
        ("/api/stats/daily?to=tomorrow", Some("to")),
        ("/api/stats/top/shoe", Some("field")),
        ("/api/stats/top/tag?n=0", Some("n")),
        ("/api/tickets/count?sort=number", None),
    ] {
        refused(desk.get(agent, path), StatusCode::BAD_REQUEST, field);
    }
    // A cursor of another field's counts is not this one's.
    let by_status = ok(
        desk.get(agent, "/api/tickets/counts/status_category?limit=1"),
        StatusCode::OK,
    );
    let other = by_status["next"].as_str().unwrap();
    refused(
        desk.get(
            agent,
            &format!("/api/tickets/counts/priority?cursor={other}"),
        ),
        StatusCode::BAD_REQUEST,
        Some("cursor"),
    );
}

#[test]
fn sla_routes_show_due_times_overdue_lists_as_of_any_time_and_compliance() {
    let desk = Desk::open();
    let agent = &desk.agent.1;
    let blitz = priority(
        &desk,
        "Blitz",
        json!({"first_response_minutes": 1, "overdue_in_minutes": 2, "resolution_minutes": 3}),
    );

    // Arrange: two Blitz tickets and one without targets; the agent answers the first.
    let a = open(&desk, "printer on fire", Some(&blitz));
    let c = open(&desk, "printer smoking", Some(&blitz));
    let b = open(&desk, "printer quiet", None);
    let (na, nb, nc) = (
        a["number"].as_u64().unwrap(),
        b["number"].as_u64().unwrap(),
        c["number"].as_u64().unwrap(),
    );
    let replied = act(
        &desk,
        na,
        "/replies",
        json!({"body": "Extinguisher on its way."}),
    );
    let at = pos(&replied);

    // One ticket's clocks: due times are the creation plus the targets (round the clock).
    let sla_of = |token: &str, number: u64| {
        ok(
            desk.get(
                token,
                &format!("/api/tickets/{number}/sla?min_position={at}"),
            ),
            StatusCode::OK,
        )
    };
    let sla_c = sla_of(agent, nc);
    assert!(sla_c["position"].as_u64().unwrap() >= at);
    let s = &sla_c["sla"];
    let created_c = s["created_at"].as_i64().unwrap();
    assert_eq!(
        s["first_response"]["due"].as_i64(),
        Some(created_c + 60_000_000),
        "{s}"
    );
    assert_eq!(
        s["resolution"]["due"].as_i64(),
        Some(created_c + 180_000_000),
        "{s}"
    );
    assert_eq!(sla_c["overdue"], json!([]));
    let sla_a = sla_of(&desk.requester.1, na);
    assert_eq!(
        sla_a["sla"]["first_response"]["outcome"]["met"], true,
        "{sla_a}"
    );
    let sla_b = sla_of(agent, nb);
    assert!(sla_b["sla"]["first_response"]["due"].is_null(), "{sla_b}");
    let created_a = sla_a["sla"]["created_at"].as_i64().unwrap();

    // Overdue two hours from now if nothing happens: C's first response (A's was met) and
    // both resolutions; never B, which has no targets.
    let later = rfc3339(created_c + 2 * 3_600_000_000);
    let overdue = |kind: &str, as_of: &str, extra: &str| {
        ok(
            desk.get(
                &desk.auditor.1,
                &format!("/api/sla/overdue?kind={kind}&as_of={as_of}&min_position={at}{extra}"),
            ),
            StatusCode::OK,
        )
    };
    let tickets = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["ticket_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = overdue("first_response", &later, "");
    assert_eq!(
        tickets(&first),
        vec![bare(c["id"].as_str().unwrap())],
        "{first}"
    );
    assert_eq!(first["items"][0]["priority_id"], bare(&blitz).as_str());
    let page1 = overdue("resolution", &later, "&limit=1");
    assert_eq!(
        tickets(&page1),
        vec![bare(a["id"].as_str().unwrap())],
        "{page1}"
    );
    let next = page1["next"].as_str().unwrap();
    let page2 = overdue("resolution", &later, &format!("&limit=1&cursor={next}"));
    assert_eq!(
        tickets(&page2),
        vec![bare(c["id"].as_str().unwrap())],
        "{page2}"
    );
    assert!(page2["next"].is_null(), "{page2}");
    // The first-response target falls due exactly one minute after creation: overdue only
    // strictly after it.
    let due = created_c + 60_000_000;
    let at_due = overdue("first_response", &rfc3339(due), "");
    assert!(
        !tickets(&at_due).contains(&bare(c["id"].as_str().unwrap())),
        "{at_due}"
    );
    let just_after = overdue("first_response", &rfc3339(due + 1), "");
    assert!(
        tickets(&just_after).contains(&bare(c["id"].as_str().unwrap())),
        "{just_after}"
    );
    // Before anything was created, nothing was overdue.
    let before = rfc3339(created_a - 1_000_000);
    for kind in ["first_response", "next_update", "resolution"] {
        assert_eq!(tickets(&overdue(kind, &before, "")), Vec::<String>::new());
    }

    // Compliance so far: A's first response met, nothing breached yet (the test runs in
    // well under a minute).
    let from = rfc3339(created_a - 1_000_000);
    let report = ok(
        desk.get(
            agent,
            &format!("/api/sla/compliance?from={from}&by=priority&min_position={at}"),
        ),
        StatusCode::OK,
    );
    assert_eq!(report["by"], "priority");
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{report}");
    assert_eq!(rows[0]["key"], bare(&blitz).as_str());
    assert_eq!(rows[0]["first_response"], json!({"met": 1, "breached": 0}));
    assert_eq!(rows[0]["resolution"], json!({"met": 0, "breached": 0}));
    let by_agent = ok(
        desk.get(agent, &format!("/api/sla/compliance?from={from}&by=agent")),
        StatusCode::OK,
    );
    assert_eq!(by_agent["rows"][0]["key"], Value::Null, "{by_agent}");

    // Refusals.
    refused(
        desk.get(&desk.other_requester.1, &format!("/api/tickets/{na}/sla")),
        StatusCode::NOT_FOUND,
        None,
    );
    refused(
        desk.get(agent, "/api/tickets/99999/sla"),
        StatusCode::NOT_FOUND,
        None,
    );
    for path in ["/api/sla/overdue?kind=resolution", "/api/sla/compliance"] {
        refused(
            desk.get(&desk.requester.1, path),
            StatusCode::FORBIDDEN,
            None,
        );
    }
    for (path, field) in [
        ("/api/sla/overdue", "kind"),
        ("/api/sla/overdue?kind=eventually", "kind"),
        ("/api/sla/overdue?kind=resolution&as_of=soon", "as_of"),
        ("/api/sla/overdue?kind=resolution&cursor=nope", "cursor"),
        ("/api/sla/overdue?kind=resolution&limit=0", "limit"),
        ("/api/sla/overdue?kind=resolution&limit=501", "limit"),
        ("/api/sla/compliance?by=team", "by"),
        ("/api/sla/compliance?from=last-week", "from"),
        ("/api/sla/compliance?to=2026-13-40", "to"),
        ("/api/sla/compliance?from=2026-02-01&to=2026-01-01", "from"),
        ("/api/sla/compliance?from=2999-01-01", "from"),
    ] {
        refused(desk.get(agent, path), StatusCode::BAD_REQUEST, Some(field));
    }
}

#[test]
fn the_audit_feed_lists_each_actors_changes_in_order_for_auditors_and_admins_only() {
    let desk = Desk::open();
    let agent = &desk.agent.1;
    let agent_id = bare(&desk.agent.0);

    // Arrange: the agent works two tickets; the admin notes one in between.
    let t1 = open(&desk, "laptop slow", None);
    let n1 = t1["number"].as_u64().unwrap();
    act(&desk, n1, "/replies", json!({"body": "Rebooting it."}));
    ok(
        desk.post(
            &desk.admin,
            &format!("/api/tickets/{n1}/notes"),
            json!({"body": "Watch this one."}),
        ),
        StatusCode::OK,
    );
    act(&desk, n1, "/notes", json!({"body": "Disk nearly full."}));
    let t2 = open(&desk, "mouse missing", None);
    let last = act(
        &desk,
        t2["number"].as_u64().unwrap(),
        "/close",
        json!({"comments": "found it"}),
    );
    let at = pos(&last);

    let feed = |token: &str, query: &str| {
        ok(
            desk.get(token, &format!("/api/audit?min_position={at}{query}")),
            StatusCode::OK,
        )
    };
    let of_agent = feed(&desk.auditor.1, &format!("&actor={}", desk.agent.0));
    assert!(of_agent["position"].as_u64().unwrap() >= at);
    assert_eq!(of_agent["actor"], desk.agent.0.as_str());
    let entries = of_agent["entries"].as_array().unwrap();
    let seen: Vec<(u64, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["ticket_number"].as_u64().unwrap(),
                e["action"].as_str().unwrap(),
            )
        })
        .collect();
    // Every entry is the agent's, in log order, and the admin's note is not among them.
    let n2 = t2["number"].as_u64().unwrap();
    assert_eq!(
        seen,
        vec![
            (n1, "created"),
            (n1, "reply_added"),
            (n1, "first_response_recorded"),
            (n1, "note_added"),
            (n2, "created"),
            (n2, "closure_recorded"),
            (n2, "status_changed"),
        ]
    );
    for e in entries {
        assert_eq!(e["actor"], json!({"User": agent_id}), "{e}");
    }
    let positions: Vec<u64> = entries
        .iter()
        .map(|e| e["position"].as_u64().unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");

    // The system itself changed no ticket here.
    let system = feed(&desk.auditor.1, "&actor=system");
    assert_eq!(system["actor"], "system");
    assert_eq!(system["entries"], json!([]), "{system}");

    // Everyone's feed has the admin's note between the agent's reply and note.
    let everyone = feed(&desk.admin, "");
    assert!(everyone["actor"].is_null());
    let all = everyone["entries"].as_array().unwrap();
    let admin_note = all
        .iter()
        .position(|e| e["action"] == "note_added" && e["actor"] != json!({"User": agent_id}))
        .expect("the admin's note");
    let agent_note = all
        .iter()
        .position(|e| e["action"] == "note_added" && e["actor"] == json!({"User": agent_id}))
        .expect("the agent's note");
    assert!(admin_note < agent_note);

    // Paging two at a time gives the same entries; a window [from, to) cuts by time.
    let mut paged = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = feed(&desk.auditor.1, &format!("&limit=2{cursor}"));
        let got = page["entries"].as_array().unwrap();
        assert!(got.len() <= 2);
        paged.extend(got.iter().map(|e| e["position"].clone()));
        match page["next"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    let whole: Vec<Value> = all.iter().map(|e| e["position"].clone()).collect();
    assert_eq!(paged, whole);
    let third = all[2]["recorded_at"].as_i64().unwrap();
    let window = feed(
        &desk.auditor.1,
        &format!(
            "&from={}&to={}",
            rfc3339(all[0]["recorded_at"].as_i64().unwrap()),
            rfc3339(third)
        ),
    );
    let in_window = window["entries"].as_array().unwrap();
    assert!(!in_window.is_empty());
    assert!(in_window
        .iter()
        .all(|e| e["recorded_at"].as_i64().unwrap() < third));
    assert_eq!(in_window[0]["position"], all[0]["position"]);

    // Refusals: agents and requesters may not read the audit feed; bad parameters name theirs.
    for token in [agent, &desk.requester.1] {
        refused(desk.get(token, "/api/audit"), StatusCode::FORBIDDEN, None);
    }
    for (query, field) in [
        ("actor=group-01ARZ3NDEKTSV4RRFFQ69G5FAV", "actor"),
        ("from=noon", "from"),
        ("to=later", "to"),
        ("from=2026-02-01&to=2026-01-01", "from"),
        ("cursor=abc", "cursor"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
    ] {
        refused(
            desk.get(&desk.auditor.1, &format!("/api/audit?{query}")),
            StatusCode::BAD_REQUEST,
            Some(field),
        );
    }
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

/// SLA targets are whole minutes, so seeing a real breach end to end takes one: this test
/// waits 61 s (sleeping, no load) for a first response to fall due, then answers late.
#[test]
fn a_late_first_response_was_overdue_in_the_past_and_counts_as_breached() {
    let desk = Desk::open();
    let agent = &desk.agent.1;
    let minute = priority(
        &desk,
        "Minute",
        json!({"first_response_minutes": 1, "resolution_minutes": 1}),
    );
    let t = open(&desk, "server down", Some(&minute));
    let number = t["number"].as_u64().unwrap();
    let id = bare(t["id"].as_str().unwrap());
    std::thread::sleep(std::time::Duration::from_secs(61));
    let replied = act(&desk, number, "/replies", json!({"body": "Restarting it."}));
    let at = pos(&replied);

    let sla = ok(
        desk.get(
            agent,
            &format!("/api/tickets/{number}/sla?min_position={at}"),
        ),
        StatusCode::OK,
    );
    let created_at = sla["sla"]["created_at"].as_i64().unwrap();
    let due = created_at + 60_000_000;
    let outcome = &sla["sla"]["first_response"]["outcome"];
    assert_eq!(outcome["met"], false, "{sla}");
    assert_eq!(outcome["due"].as_i64(), Some(due), "{sla}");
    let replied_at = outcome["at"].as_i64().unwrap();
    assert!(replied_at > due, "{sla}");
    // The resolution clock still runs, past its due time: overdue now.
    assert_eq!(sla["overdue"], json!(["resolution"]), "{sla}");

    // The overdue list as of the past: not yet due, then overdue until the reply, then not.
    let listed = |as_of: i64| -> bool {
        let page = ok(
            desk.get(
                &desk.auditor.1,
                &format!(
                    "/api/sla/overdue?kind=first_response&as_of={}&min_position={at}",
                    rfc3339(as_of)
                ),
            ),
            StatusCode::OK,
        );
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["ticket_id"] == id.as_str())
    };
    assert!(!listed(created_at + 30_000_000));
    assert!(!listed(due));
    assert!(listed(due + 1));
    assert!(listed(replied_at - 1));
    assert!(!listed(replied_at + 1));

    // Compliance: the first response breached (late), the running resolution too.
    let report = ok(
        desk.get(
            agent,
            &format!(
                "/api/sla/compliance?from={}&min_position={at}",
                rfc3339(created_at)
            ),
        ),
        StatusCode::OK,
    );
    let row = &report["rows"][0];
    assert_eq!(row["key"], bare(&minute).as_str(), "{report}");
    assert_eq!(row["first_response"], json!({"met": 0, "breached": 1}));
    assert_eq!(row["resolution"], json!({"met": 0, "breached": 1}));
    // A period that ends before the due time has nothing decided yet.
    let early = ok(
        desk.get(
            agent,
            &format!(
                "/api/sla/compliance?from={}&to={}",
                rfc3339(created_at),
                rfc3339(due)
            ),
        ),
        StatusCode::OK,
    );
    assert_eq!(early["rows"], json!([]), "{early}");
}
