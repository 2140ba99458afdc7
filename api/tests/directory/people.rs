//! Users, groups, priorities and statuses; roles, bad input, duplicates and 404s.

use super::*;

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
    let patch = || {
        client()
            .patch(desk.server.url(&url))
            .bearer_auth(admin)
            .header("Idempotency-Key", "retarget-1")
            .json(&json!({"name": "P1", "sla": {"first_response_minutes": 10}}))
    };
    let patched = ok(patch(), StatusCode::OK);
    // A retry replays both changes' results and writes nothing.
    let head = desk.head();
    assert_eq!(ok(patch(), StatusCode::OK), patched);
    assert_eq!(desk.head(), head);
    let stale = client()
        .patch(desk.server.url(&url))
        .bearer_auth(admin)
        .header("If-Match", "1")
        .json(&json!({"colour": "#00ff00"}));
    refused(stale, StatusCode::CONFLICT, Some("If-Match"));
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
