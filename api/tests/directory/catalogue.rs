//! Roles and grants, ticket types, companies, locations, help desks, custom fields, deletes.

use super::*;

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

#[test]
fn calendars_and_priorities_counted_in_them() {
    let desk = Desk::open();
    let admin = &desk.admin;
    let day = json!([{"start": 540, "end": 1020}]);
    let week = json!([day, day, day, day, day, [], []]);
    let six_days = json!([day, day, day, day, day, []]);
    let bad = json!({"name": "Office", "time_zone": "Europe/Paris", "hours": six_days});
    refused(
        desk.post(admin, "/api/calendars", bad),
        StatusCode::BAD_REQUEST,
        Some("hours"),
    );
    let bad_zone = json!({"name": "Office", "time_zone": "Mars/Olympus", "hours": week});
    refused(
        desk.post(admin, "/api/calendars", bad_zone),
        StatusCode::BAD_REQUEST,
        Some("time_zone"),
    );
    let bad_day = json!({"name": "Office", "time_zone": "Europe/Paris", "hours": week,
        "holidays": [{"date": "2024-02-30", "name": "nope"}]});
    refused(
        desk.post(admin, "/api/calendars", bad_day),
        StatusCode::BAD_REQUEST,
        Some("holidays"),
    );
    let calendar = created(desk.post(
        admin,
        "/api/calendars",
        json!({"name": "Office", "time_zone": "Europe/Paris", "hours": week,
               "holidays": [{"date": "2024-12-25", "name": "Christmas"}]}),
    ));
    let cid = calendar["id"].as_str().unwrap();
    let nowhere = format!("calendar-{}", ulid::Ulid::new());
    let orphan = json!({"name": "Office hours", "colour": "#123456", "sla": {"resolution_minutes": 480, "calendar_id": nowhere}});
    refused(
        desk.post(admin, "/api/priorities", orphan),
        StatusCode::BAD_REQUEST,
        Some("calendar_id"),
    );
    let priority = created(desk.post(
        admin,
        "/api/priorities",
        json!({"name": "Office hours", "colour": "#123456", "sla": {"resolution_minutes": 480, "calendar_id": cid}}),
    ));
    let position = priority["position"].as_u64().unwrap();
    let p = read(
        &desk,
        admin,
        &format!(
            "/api/directory/priorities/{}",
            priority["id"].as_str().unwrap()
        ),
        position,
    );
    assert_eq!(
        p["entry"]["attributes"]["sla"]["calendar_id"],
        json!(cid.trim_start_matches("calendar-"))
    );
    let c = read(
        &desk,
        &desk.auditor.1,
        &format!("/api/directory/calendars/{cid}"),
        position,
    );
    assert_eq!(c["entry"]["attributes"]["time_zone"], "Europe/Paris");
    assert_eq!(c["entry"]["items"]["holidays"][0]["name"], "Christmas");
    refused(
        desk.get(
            &desk.requester.1,
            &format!("/api/directory/calendars/{cid}"),
        ),
        StatusCode::FORBIDDEN,
        None,
    );
}
