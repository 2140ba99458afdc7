//! End-to-end tests of the directory, catalogue, KB and news routes: what each role may do,
//! bad input with the field at fault, unique names, 404s, and reading writes back through
//! the read models with `min_position`.

mod common;

use common::desk::*;
use common::{client, error_of, login};
use reqwest::blocking::RequestBuilder;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn refused(request: RequestBuilder, status: StatusCode, field: Option<&str>) -> Value {
    let (got, body) = error_of(request.send().unwrap());
    assert_eq!(got, status, "{body}");
    if let Some(field) = field {
        assert_eq!(body["error"]["field"], json!(field), "{body}");
    }
    body
}

fn names(list: &Value, key: &str) -> Vec<String> {
    list[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {list}"))
        .iter()
        .map(|e| e["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn read(desk: &Desk, token: &str, path: &str, position: u64) -> Value {
    let sep = if path.contains('?') { '&' } else { '?' };
    let body = ok(
        desk.get(token, &format!("{path}{sep}min_position={position}")),
        StatusCode::OK,
    );
    assert!(body["position"].as_u64().unwrap() >= position, "{body}");
    body
}

#[test]
fn admin_builds_the_directory_and_reads_it_back() {
    let desk = Desk::open();
    let admin = &desk.admin;
    let group = created(desk.post(admin, "/api/groups", json!({"name": "Field service"})));
    let gid = group["id"].as_str().unwrap().to_owned();
    assert!(gid.starts_with("group-"), "{group}");

    let user = created(desk.post(
        admin,
        "/api/users",
        json!({"username": "fred", "email": "fred@example.org", "full_name": "Fred Field",
               "kind": "agent", "role": "agent", "password": "fred's long password"}),
    ));
    let uid = user["id"].as_str().unwrap().to_owned();
    // The new user can log in, and their password is nowhere in the log.
    let session = login(&desk.server, "fred", "fred's long password");
    assert_eq!(session.status(), StatusCode::OK);
    let fred: Value = session.json().unwrap();
    let fred_token = fred["token"].as_str().unwrap().to_owned();
    let log = desk
        .get(admin, "/api/events?limit=1000")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(!log.contains("fred's long password"));
    assert_eq!(
        login(&desk.server, "fred", "wrong password!!").status(),
        StatusCode::UNAUTHORIZED
    );

    let added = ok(
        desk.post(
            admin,
            &format!("/api/groups/{gid}/members"),
            json!({"user_id": uid}),
        ),
        StatusCode::OK,
    );
    let members = read(
        &desk,
        admin,
        &format!("/api/directory/groups/{gid}/members"),
        added["position"].as_u64().unwrap(),
    );
    assert_eq!(names(&members, "members"), ["Fred Field"]);
    let groups = ok(
        desk.get(&fred_token, &format!("/api/directory/users/{uid}/groups")),
        StatusCode::OK,
    );
    assert_eq!(names(&groups, "groups"), ["Field service"]);

    let priority = created(desk.post(
        admin,
        "/api/priorities",
        json!({"name": "Blocker", "colour": "#ff0000",
               "sla": {"first_response_minutes": 15, "resolution_minutes": 240}}),
    ));
    let status = created(desk.post(
        admin,
        "/api/statuses",
        json!({"name": "Awaiting parts", "category": "waiting"}),
    ));
    let priorities = read(
        &desk,
        &desk.requester.1,
        "/api/directory/priorities",
        priority["position"].as_u64().unwrap(),
    );
    let blocker = priorities["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Blocker")
        .unwrap_or_else(|| panic!("{priorities}"))
        .clone();
    assert_eq!(blocker["id"], priority["id"]);
    assert_eq!(blocker["attributes"]["sla"]["first_response_minutes"], 15);
    assert_eq!(blocker["attributes"]["sla"]["resolution_minutes"], 240);
    assert_eq!(
        blocker["attributes"]["sla"]["overdue_in_minutes"],
        Value::Null
    );
    let statuses = read(
        &desk,
        &desk.agent.1,
        "/api/directory/statuses?limit=100",
        status["position"].as_u64().unwrap(),
    );
    assert!(names(&statuses, "items").contains(&"Awaiting parts".to_owned()));
    let one = ok(
        desk.get(
            &desk.agent.1,
            &format!("/api/directory/statuses/{}", status["id"].as_str().unwrap()),
        ),
        StatusCode::OK,
    );
    assert_eq!(one["entry"]["attributes"]["category"], "Waiting");

    // Retargeting a priority, then a rename, read back.
    let url = format!("/api/priorities/{}", priority["id"].as_str().unwrap());
    let patched = ok(
        client()
            .patch(desk.server.url(&url))
            .bearer_auth(admin)
            .json(&json!({"name": "P1", "sla": {"first_response_minutes": 10}})),
        StatusCode::OK,
    );
    let entry = read(
        &desk,
        admin,
        &format!(
            "/api/directory/priorities/{}",
            priority["id"].as_str().unwrap()
        ),
        patched["position"].as_u64().unwrap(),
    );
    assert_eq!(entry["entry"]["name"], "P1");
    assert_eq!(
        entry["entry"]["attributes"]["sla"]["first_response_minutes"],
        10
    );
    assert_eq!(
        entry["entry"]["attributes"]["sla"]["resolution_minutes"],
        Value::Null
    );

    // Deactivated users can no longer use their token.
    let done = ok(
        desk.post(admin, &format!("/api/users/{uid}/deactivate"), json!({})),
        StatusCode::OK,
    );
    assert!(done["version"].as_u64().unwrap() > 1);
    refused(
        desk.get(&fred_token, "/api/directory/priorities"),
        StatusCode::UNAUTHORIZED,
        None,
    );
}

#[test]
fn roles_bad_input_duplicates_and_missing_things() {
    let desk = Desk::open();
    let admin = &desk.admin;
    let (agent, requester, auditor) = (&desk.agent.1, &desk.requester.1, &desk.auditor.1);
    let group = json!({"name": "Desk"});
    for token in [agent, requester, auditor] {
        refused(
            desk.post(token, "/api/groups", group.clone()),
            StatusCode::FORBIDDEN,
            None,
        );
        let p = json!({"name": "X", "colour": "#000000"});
        refused(
            desk.post(token, "/api/priorities", p),
            StatusCode::FORBIDDEN,
            None,
        );
        let n = json!({"name": "n", "message": "m"});
        refused(
            desk.post(token, "/api/notices", n),
            StatusCode::FORBIDDEN,
            None,
        );
    }
    for token in [requester, auditor] {
        let article =
            json!({"title": "t", "content": "c", "category_id": ulid::Ulid::new().to_string()});
        refused(
            desk.post(token, "/api/kb/articles", article),
            StatusCode::FORBIDDEN,
            None,
        );
    }
    // Reading: requesters see the catalogue, not people or settings.
    ok(
        desk.get(requester, "/api/directory/priorities"),
        StatusCode::OK,
    );
    refused(
        desk.get(requester, "/api/directory/users"),
        StatusCode::FORBIDDEN,
        None,
    );
    refused(
        desk.get(requester, "/api/directory/roles"),
        StatusCode::FORBIDDEN,
        None,
    );
    refused(
        desk.get(requester, "/api/settings"),
        StatusCode::FORBIDDEN,
        None,
    );
    refused(
        desk.get(agent, "/api/settings"),
        StatusCode::FORBIDDEN,
        None,
    );
    ok(desk.get(auditor, "/api/settings"), StatusCode::OK);
    let head = desk.head();
    let me = read(
        &desk,
        requester,
        &format!("/api/directory/users/{}", desk.requester.0),
        head,
    );
    assert_eq!(me["entry"]["attributes"]["username"], "rita");
    refused(
        desk.get(
            requester,
            &format!("/api/directory/users/{}", desk.other_requester.0),
        ),
        StatusCode::NOT_FOUND,
        None,
    );
    let users = read(&desk, agent, "/api/directory/users", head);
    assert!(names(&users, "items").len() >= 5, "{users}");

    // Bad input: 400 with the field, nothing written.
    let head = desk.head();
    refused(
        desk.post(admin, "/api/groups", json!({"name": "  "})),
        StatusCode::BAD_REQUEST,
        Some("name"),
    );
    let bad_sla = json!({"name": "Slow", "colour": "#00ff00", "sla": {"resolution_minutes": 0}});
    refused(
        desk.post(admin, "/api/priorities", bad_sla),
        StatusCode::BAD_REQUEST,
        Some("resolution_minutes"),
    );
    let bad_colour = json!({"name": "Slow", "colour": "green"});
    refused(
        desk.post(admin, "/api/priorities", bad_colour),
        StatusCode::BAD_REQUEST,
        Some("colour"),
    );
    let bad_category = json!({"name": "Parked", "category": "parked"});
    refused(
        desk.post(admin, "/api/statuses", bad_category),
        StatusCode::BAD_REQUEST,
        Some("category"),
    );
    let short = json!({"username": "sam", "full_name": "Sam", "kind": "agent", "role": "agent", "password": "short"});
    refused(
        desk.post(admin, "/api/users", short),
        StatusCode::BAD_REQUEST,
        Some("password"),
    );
    let bad_kind = json!({"username": "sam", "full_name": "Sam", "kind": "robot", "role": "agent"});
    refused(
        desk.post(admin, "/api/users", bad_kind),
        StatusCode::BAD_REQUEST,
        Some("kind"),
    );
    let bad_role =
        json!({"username": "sam", "full_name": "Sam", "kind": "agent", "role": "wizard"});
    refused(
        desk.post(admin, "/api/users", bad_role),
        StatusCode::BAD_REQUEST,
        Some("role"),
    );
    let unknown_field = json!({"name": "G", "colour": "red"});
    refused(
        desk.post(admin, "/api/groups", unknown_field),
        StatusCode::BAD_REQUEST,
        Some("colour"),
    );
    refused(
        desk.post(admin, "/api/catalogue/colours", json!({"name": "x"})),
        StatusCode::BAD_REQUEST,
        Some("kind"),
    );
    assert_eq!(desk.head(), head);

    // Duplicates: 409 from the unique claims (names compare without case).
    created(desk.post(admin, "/api/groups", json!({"name": "Network"})));
    refused(
        desk.post(admin, "/api/groups", json!({"name": "network "})),
        StatusCode::CONFLICT,
        Some("group.name"),
    );
    created(desk.post(admin, "/api/catalogue/tags", json!({"name": "vpn"})));
    refused(
        desk.post(admin, "/api/catalogue/tags", json!({"name": "VPN"})),
        StatusCode::CONFLICT,
        None,
    );
    let sam =
        json!({"username": "sam", "full_name": "Sam", "kind": "requester", "role": "requester"});
    created(desk.post(admin, "/api/users", sam.clone()));
    refused(
        desk.post(admin, "/api/users", sam),
        StatusCode::CONFLICT,
        Some("user.username"),
    );
    let agnes = json!({"username": "Agnes", "full_name": "Another Agnes", "kind": "agent", "role": "agent"});
    refused(
        desk.post(admin, "/api/users", agnes),
        StatusCode::CONFLICT,
        Some("user.username"),
    );

    // Missing things: 404.
    let nobody = ulid::Ulid::new();
    let member = json!({"user_id": desk.agent.0});
    refused(
        desk.post(admin, &format!("/api/groups/{nobody}/members"), member),
        StatusCode::NOT_FOUND,
        None,
    );
    refused(
        desk.get(admin, &format!("/api/directory/groups/{nobody}")),
        StatusCode::NOT_FOUND,
        None,
    );
    refused(
        desk.get(admin, "/api/directory/spaceships"),
        StatusCode::NOT_FOUND,
        None,
    );
    refused(
        desk.post(admin, &format!("/api/users/{nobody}/deactivate"), json!({})),
        StatusCode::NOT_FOUND,
        None,
    );
    refused(
        desk.get(requester, &format!("/api/kb/articles/{nobody}")),
        StatusCode::NOT_FOUND,
        None,
    );
    refused(
        desk.get(requester, &format!("/api/news/{nobody}")),
        StatusCode::NOT_FOUND,
        None,
    );
    // A user changes their own password; another's is the admin's business.
    let own = format!("/api/users/{}/password", desk.requester.0);
    ok(
        desk.post(
            requester,
            &own,
            json!({"password": "a brand new passphrase"}),
        ),
        StatusCode::OK,
    );
    assert_eq!(
        login(&desk.server, "rita", "a brand new passphrase").status(),
        StatusCode::OK
    );
    let other = format!("/api/users/{}/password", desk.other_requester.0);
    refused(
        desk.post(
            requester,
            &other,
            json!({"password": "a brand new passphrase"}),
        ),
        StatusCode::FORBIDDEN,
        None,
    );
}

#[test]
fn kb_search_and_breaking_news() {
    let desk = Desk::open();
    let (admin, agent, requester) = (&desk.admin, &desk.agent.1, &desk.requester.1);
    let category = created(desk.post(
        admin,
        "/api/categories",
        json!({"tree": "kb", "name": "Printers"}),
    ));
    let cid = category["id"].as_str().unwrap();
    created(desk.post(
        agent,
        "/api/kb/articles",
        json!({"title": "Paper jams", "content": "Open tray two and clear the fuser unit.",
               "category_id": cid, "private": false}),
    ));
    let draft = created(desk.post(
        agent,
        "/api/kb/articles",
        json!({"title": "Fuser replacement (draft)", "content": "Order part 42.", "category_id": cid}),
    ));
    let position = draft["position"].as_u64().unwrap();
    let found = read(&desk, requester, "/api/kb/articles?q=FUSER", position);
    let titles: Vec<&str> = found["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Paper jams"]);
    let staff = read(&desk, agent, "/api/kb/articles?q=fuser", position);
    let titles: Vec<&str> = staff["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    // The title match weighs more than the body match.
    assert_eq!(titles, ["Fuser replacement (draft)", "Paper jams"]);
    refused(
        desk.get(
            requester,
            &format!("/api/kb/articles/{}", draft["id"].as_str().unwrap()),
        ),
        StatusCode::NOT_FOUND,
        None,
    );
    refused(
        desk.get(requester, "/api/kb/articles?q=%20"),
        StatusCode::BAD_REQUEST,
        Some("q"),
    );

    // Breaking news: visible to requesters, with its update; closed news leaves the list.
    let group = created(desk.post(admin, "/api/groups", json!({"name": "Mail team"})));
    let bad = json!({"title": "Mail down", "body": "No mail", "importance": "urgent", "group_ids": [group["id"]]});
    refused(
        desk.post(agent, "/api/news", bad),
        StatusCode::BAD_REQUEST,
        Some("importance"),
    );
    let nobody = json!({"title": "Mail down", "body": "No mail"});
    refused(
        desk.post(agent, "/api/news", nobody),
        StatusCode::BAD_REQUEST,
        Some("group_ids"),
    );
    let news = created(desk.post(
        agent,
        "/api/news",
        json!({"title": "Mail down", "body": "No mail since 9:00", "importance": "high", "group_ids": [group["id"]]}),
    ));
    let nid = news["id"].as_str().unwrap();
    let active = read(
        &desk,
        requester,
        "/api/news",
        news["position"].as_u64().unwrap(),
    );
    let titles: Vec<&str> = active["news"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Mail down"]);
    let update = ok(
        desk.post(
            agent,
            &format!("/api/news/{nid}/updates"),
            json!({"body": "Relay restarted"}),
        ),
        StatusCode::OK,
    );
    let one = read(
        &desk,
        requester,
        &format!("/api/news/{nid}"),
        update["position"].as_u64().unwrap(),
    );
    assert_eq!(one["news"]["updates"][0]["body"], "Relay restarted");
    assert_eq!(one["news"]["open"], true);
    refused(
        desk.post(
            requester,
            &format!("/api/news/{nid}/updates"),
            json!({"body": "me too"}),
        ),
        StatusCode::FORBIDDEN,
        None,
    );
    let closed = ok(
        desk.post(agent, &format!("/api/news/{nid}/close"), json!({})),
        StatusCode::OK,
    );
    let after = read(
        &desk,
        requester,
        "/api/news",
        closed["position"].as_u64().unwrap(),
    );
    assert_eq!(after["news"], json!([]));
    let earlier = read(
        &desk,
        requester,
        &format!("/api/news?as_of_us={}", one["news"]["updated_at_us"]),
        0,
    );
    assert_eq!(earlier["news"].as_array().unwrap().len(), 1, "{earlier}");
    refused(
        desk.post(
            agent,
            &format!("/api/news/{nid}/updates"),
            json!({"body": "late"}),
        ),
        StatusCode::CONFLICT,
        None,
    );

    // Notices: shown once activated.
    let notice = created(desk.post(
        admin,
        "/api/notices",
        json!({"name": "maint", "message": "Down at 22:00"}),
    ));
    let shown = read(
        &desk,
        requester,
        "/api/notices",
        notice["position"].as_u64().unwrap(),
    );
    assert_eq!(shown["notices"], json!([]));
    let on = ok(
        desk.post(
            admin,
            &format!("/api/notices/{}/activate", notice["id"].as_str().unwrap()),
            json!({}),
        ),
        StatusCode::OK,
    );
    let shown = read(
        &desk,
        requester,
        "/api/notices",
        on["position"].as_u64().unwrap(),
    );
    assert_eq!(shown["notices"][0]["message"], "Down at 22:00");
    refused(
        desk.get(requester, "/api/notices?all=true"),
        StatusCode::FORBIDDEN,
        None,
    );
}

#[test]
fn roles_ticket_types_companies_and_locations() {
    let desk = Desk::open();
    let admin = &desk.admin;
    let role = created(desk.post(
        admin,
        "/api/roles",
        json!({"name": "Triage", "grants": ["tickets:read"]}),
    ));
    let rid = role["id"].as_str().unwrap();
    let put = |id: &str, grants: Value| {
        client()
            .put(desk.server.url(&format!("/api/roles/{id}/grants")))
            .bearer_auth(admin)
            .json(&json!({ "grants": grants }))
    };
    refused(
        put(rid, json!(["Not A Grant"])),
        StatusCode::BAD_REQUEST,
        Some("grants"),
    );
    let changed = ok(put(rid, json!(["tickets:read", "kb:*"])), StatusCode::OK);
    let roles = read(
        &desk,
        &desk.auditor.1,
        "/api/directory/roles",
        changed["position"].as_u64().unwrap(),
    );
    let triage = roles["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Triage")
        .unwrap()
        .clone();
    assert_eq!(
        triage["attributes"]["grants"],
        json!(["kb:*", "tickets:read"]),
        "{triage}"
    );
    let admin_role = roles["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "admin")
        .unwrap_or_else(|| panic!("{roles}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    refused(put(&admin_role, json!([])), StatusCode::CONFLICT, None);
    refused(
        desk.post(&desk.agent.1, "/api/roles", json!({"name": "Sneaky"})),
        StatusCode::FORBIDDEN,
        None,
    );
    // A user given the custom role.
    let user = created(desk.post(
        admin,
        "/api/users",
        json!({"username": "tina", "full_name": "Tina", "kind": "agent", "role": "triage"}),
    ));
    let role_of = read(
        &desk,
        admin,
        &format!("/api/directory/users/{}", user["id"].as_str().unwrap()),
        user["position"].as_u64().unwrap(),
    );
    assert_eq!(
        role_of["entry"]["attributes"]["role_id"]
            .as_str()
            .map(|r| rid.ends_with(r)),
        Some(true),
        "{role_of}"
    );

    let priority = created(desk.post(
        admin,
        "/api/priorities",
        json!({"name": "Sev1", "colour": "#aa0000"}),
    ));
    let nowhere = ulid::Ulid::new().to_string();
    refused(
        desk.post(
            admin,
            "/api/ticket_types",
            json!({"name": "Outage", "priority_ids": [nowhere]}),
        ),
        StatusCode::BAD_REQUEST,
        Some("priority_ids"),
    );
    let outage = created(desk.post(
        admin,
        "/api/ticket_types",
        json!({"name": "Outage", "priority_ids": [priority["id"]]}),
    ));
    let types = read(
        &desk,
        &desk.requester.1,
        "/api/directory/ticket_types?limit=100",
        outage["position"].as_u64().unwrap(),
    );
    let t = types["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Outage")
        .unwrap()
        .clone();
    let pid = priority["id"]
        .as_str()
        .unwrap()
        .trim_start_matches("priority-");
    assert_eq!(t["sets"]["priorities"], json!([pid]));

    created(desk.post(
        admin,
        "/api/companies",
        json!({"name": "Acme", "external_id": "ACM-1"}),
    ));
    refused(
        desk.post(admin, "/api/companies", json!({"name": "ACME"})),
        StatusCode::CONFLICT,
        Some("company.name"),
    );
    let hq = created(desk.post(admin, "/api/locations", json!({"name": "HQ"})));
    refused(
        desk.post(
            admin,
            "/api/locations",
            json!({"name": "Floor 1", "parent_id": nowhere}),
        ),
        StatusCode::BAD_REQUEST,
        Some("parent_id"),
    );
    let floor = created(desk.post(
        admin,
        "/api/locations",
        json!({"name": "Floor 1", "parent_id": hq["id"]}),
    ));
    let locations = read(
        &desk,
        admin,
        "/api/directory/locations",
        floor["position"].as_u64().unwrap(),
    );
    assert_eq!(names(&locations, "items"), ["Floor 1", "HQ"]);
    refused(
        desk.get(&desk.requester.1, "/api/directory/locations"),
        StatusCode::FORBIDDEN,
        None,
    );
}

#[test]
fn help_desks_with_levels_and_custom_fields_with_options() {
    let desk = Desk::open();
    let admin = &desk.admin;
    let hd = created(desk.post(admin, "/api/helpdesks", json!({"name": "IT"})));
    let hid = hd["id"].as_str().unwrap();
    let level = json!({"name": "First line", "engine": "round_robin"});
    ok(
        desk.post(
            admin,
            &format!("/api/helpdesks/{hid}/levels"),
            level.clone(),
        ),
        StatusCode::OK,
    );
    refused(
        desk.post(admin, &format!("/api/helpdesks/{hid}/levels"), level),
        StatusCode::CONFLICT,
        None,
    );
    let bad = json!({"name": "Second line", "engine": "magic"});
    refused(
        desk.post(admin, &format!("/api/helpdesks/{hid}/levels"), bad),
        StatusCode::BAD_REQUEST,
        Some("engine"),
    );
    let second = ok(
        desk.post(
            admin,
            &format!("/api/helpdesks/{hid}/levels"),
            json!({"name": "Second line"}),
        ),
        StatusCode::OK,
    );
    let read_back = read(
        &desk,
        &desk.agent.1,
        &format!("/api/directory/helpdesks/{hid}"),
        second["position"].as_u64().unwrap(),
    );
    let levels: Vec<&str> = read_back["entry"]["items"]["levels"]
        .as_array()
        .unwrap_or_else(|| panic!("{read_back}"))
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(levels.len(), 2, "{read_back}");
    assert!(levels.contains(&"First line") && levels.contains(&"Second line"));

    let text_with_options = json!({"name": "Asset", "field_type": "text", "options": ["a"]});
    refused(
        desk.post(admin, "/api/custom_fields", text_with_options),
        StatusCode::BAD_REQUEST,
        Some("options"),
    );
    let field = created(desk.post(
        admin,
        "/api/custom_fields",
        json!({"name": "Laptop model", "field_type": "list", "options": ["X1", "T14"], "required": true}),
    ));
    let fields = read(
        &desk,
        &desk.requester.1,
        "/api/directory/custom_fields",
        field["position"].as_u64().unwrap(),
    );
    let f = &fields["items"][0];
    assert_eq!(f["name"], "Laptop model");
    assert_eq!(f["attributes"]["required"], true);
    let mut labels: Vec<&str> = f["items"]["options"]
        .as_array()
        .unwrap_or_else(|| panic!("{f}"))
        .iter()
        .map(|o| o["label"].as_str().unwrap())
        .collect();
    labels.sort();
    assert_eq!(labels, ["T14", "X1"]);
}

#[test]
fn deletes_need_a_replacement_while_tickets_refer() {
    let desk = Desk::open();
    let admin = &desk.admin;
    let del = |path: &str| client().delete(desk.server.url(path)).bearer_auth(admin);
    let busy = created(desk.post(admin, "/api/groups", json!({"name": "Busy"})));
    let idle = created(desk.post(admin, "/api/groups", json!({"name": "Idle"})));
    let spare = created(desk.post(admin, "/api/groups", json!({"name": "Spare"})));
    let (busy, idle, spare) = (
        busy["id"].as_str().unwrap().to_owned(),
        idle["id"].as_str().unwrap().to_owned(),
        spare["id"].as_str().unwrap().to_owned(),
    );
    created(desk.post(
        &desk.agent.1,
        "/api/tickets",
        json!({"subject": "Printer", "group_id": busy}),
    ));
    let body = refused(
        del(&format!("/api/groups/{busy}")),
        StatusCode::CONFLICT,
        None,
    );
    assert_eq!(body["error"]["code"], "still_referenced");
    let nowhere = ulid::Ulid::new();
    refused(
        del(&format!("/api/groups/{busy}?replacement_id={nowhere}")),
        StatusCode::BAD_REQUEST,
        Some("replacement_id"),
    );
    refused(
        del(&format!("/api/groups/{busy}?replacement_id={busy}")),
        StatusCode::BAD_REQUEST,
        Some("replacement_id"),
    );
    refused(
        client()
            .delete(desk.server.url(&format!("/api/groups/{idle}")))
            .bearer_auth(&desk.agent.1),
        StatusCode::FORBIDDEN,
        None,
    );
    ok(
        del(&format!("/api/groups/{busy}?replacement_id={spare}")),
        StatusCode::OK,
    );
    let done = ok(del(&format!("/api/groups/{idle}")), StatusCode::OK);
    let groups = read(
        &desk,
        admin,
        "/api/directory/groups",
        done["position"].as_u64().unwrap(),
    );
    assert_eq!(names(&groups, "items"), ["Spare"]);
    let gone = ok(
        desk.get(admin, &format!("/api/directory/groups/{idle}")),
        StatusCode::OK,
    );
    assert_eq!(gone["entry"]["deleted"], true);
    refused(del(&format!("/api/groups/{idle}")), StatusCode::GONE, None);

    let parked = created(desk.post(
        admin,
        "/api/statuses",
        json!({"name": "Parked", "category": "pending"}),
    ));
    let pid = parked["id"].as_str().unwrap();
    let open = desk.status("Open");
    refused(
        del(&format!("/api/statuses/{pid}?replacement_id={open}")),
        StatusCode::BAD_REQUEST,
        Some("replacement_id"),
    );
    ok(del(&format!("/api/statuses/{pid}")), StatusCode::OK);
}
