//! The later directory writes: renames, more deletes, user profile/email/re-enabling,
//! breaking-news edit and reopen, notice edit and delete, settings removal. Each family: a
//! success read back with `min_position`, a refusal by role, bad input that writes nothing.

use super::*;
use reqwest::Method;

mod news;

/// A request of `method` with a JSON body (`Desk` only has GET and POST).
fn send(desk: &Desk, method: Method, token: &str, path: &str, body: Value) -> RequestBuilder {
    client()
        .request(method, desk.server.url(path))
        .bearer_auth(token)
        .json(&body)
}

fn position(answer: &Value) -> u64 {
    answer["position"]
        .as_u64()
        .unwrap_or_else(|| panic!("{answer}"))
}

/// `refused`, and the log's head did not move.
fn refused_quietly(desk: &Desk, request: RequestBuilder, status: StatusCode, field: Option<&str>) {
    let head = desk.head();
    refused(request, status, field);
    assert_eq!(desk.head(), head, "a refusal wrote something");
}

#[test]
fn renames_of_the_directory_and_catalogue() {
    let desk = Desk::open();
    let admin = &desk.admin;
    // (create route, create body, rename route prefix, read kind)
    let cases = [
        (
            "/api/departments",
            json!({"name": "Sales"}),
            "/api/departments",
            "departments",
        ),
        (
            "/api/companies",
            json!({"name": "Acme"}),
            "/api/companies",
            "companies",
        ),
        (
            "/api/locations",
            json!({"name": "Paris"}),
            "/api/locations",
            "locations",
        ),
        (
            "/api/helpdesks",
            json!({"name": "IT"}),
            "/api/helpdesks",
            "helpdesks",
        ),
        (
            "/api/roles",
            json!({"name": "Triage"}),
            "/api/roles",
            "roles",
        ),
        (
            "/api/catalogue/sources",
            json!({"name": "Fax"}),
            "/api/catalogue/sources",
            "sources",
        ),
        (
            "/api/categories",
            json!({"tree": "ticket", "name": "Hardware"}),
            "/api/categories",
            "categories",
        ),
        (
            "/api/custom_fields",
            json!({"name": "Asset", "field_type": "text"}),
            "/api/custom_fields",
            "custom_fields",
        ),
    ];
    for (create, body, rename, kind) in cases {
        let made = created(desk.post(admin, create, body));
        let id = made["id"].as_str().unwrap().to_owned();
        let path = format!("{rename}/{id}");
        let done = ok(
            send(
                &desk,
                Method::PATCH,
                admin,
                &path,
                json!({"name": "Renamed"}),
            ),
            StatusCode::OK,
        );
        let entry = read(
            &desk,
            &desk.auditor.1,
            &format!("/api/directory/{kind}/{id}"),
            position(&done),
        );
        assert_eq!(entry["entry"]["name"], "Renamed", "{kind}: {entry}");
        refused_quietly(
            &desk,
            send(
                &desk,
                Method::PATCH,
                &desk.agent.1,
                &path,
                json!({"name": "No"}),
            ),
            StatusCode::FORBIDDEN,
            None,
        );
        refused_quietly(
            &desk,
            send(&desk, Method::PATCH, admin, &path, json!({"name": "  "})),
            StatusCode::BAD_REQUEST,
            Some("name"),
        );
    }
    // Unique names stay unique; a built-in role keeps its name; bad ids are 400 on `id`.
    let other = created(desk.post(admin, "/api/departments", json!({"name": "Support"})));
    let other_path = format!("/api/departments/{}", other["id"].as_str().unwrap());
    refused_quietly(
        &desk,
        send(
            &desk,
            Method::PATCH,
            admin,
            &other_path,
            json!({"name": "Renamed"}),
        ),
        StatusCode::CONFLICT,
        None,
    );
    refused_quietly(
        &desk,
        send(
            &desk,
            Method::PATCH,
            admin,
            "/api/roles/nope",
            json!({"name": "X"}),
        ),
        StatusCode::BAD_REQUEST,
        Some("id"),
    );
    refused_quietly(
        &desk,
        send(
            &desk,
            Method::PATCH,
            admin,
            "/api/catalogue/planets/01H",
            json!({"name": "X"}),
        ),
        StatusCode::BAD_REQUEST,
        None,
    );
}

#[test]
fn deletes_and_settings_removal() {
    let desk = Desk::open();
    let admin = &desk.admin;
    let dept = created(desk.post(admin, "/api/departments", json!({"name": "Sales"})));
    let path = format!("/api/departments/{}", dept["id"].as_str().unwrap());
    refused_quietly(
        &desk,
        send(&desk, Method::DELETE, &desk.agent.1, &path, json!({})),
        StatusCode::FORBIDDEN,
        None,
    );
    refused_quietly(
        &desk,
        send(
            &desk,
            Method::DELETE,
            admin,
            &format!("{path}?replacement_id=nope"),
            json!({}),
        ),
        StatusCode::BAD_REQUEST,
        Some("replacement_id"),
    );
    let missing = ulid::Ulid::new();
    refused_quietly(
        &desk,
        send(
            &desk,
            Method::DELETE,
            admin,
            &format!("{path}?replacement_id={missing}"),
            json!({}),
        ),
        StatusCode::BAD_REQUEST,
        Some("replacement_id"),
    );
    let gone = ok(
        send(&desk, Method::DELETE, admin, &path, json!({})),
        StatusCode::OK,
    );
    let list = read(&desk, admin, "/api/directory/departments", position(&gone));
    assert!(
        !names(&list, "items").contains(&"Sales".to_owned()),
        "{list}"
    );

    let field = created(desk.post(
        admin,
        "/api/custom_fields",
        json!({"name": "Asset", "field_type": "text"}),
    ));
    let fpath = format!("/api/custom_fields/{}", field["id"].as_str().unwrap());
    refused_quietly(
        &desk,
        send(&desk, Method::DELETE, &desk.agent.1, &fpath, json!({})),
        StatusCode::FORBIDDEN,
        None,
    );
    let gone = ok(
        send(&desk, Method::DELETE, admin, &fpath, json!({})),
        StatusCode::OK,
    );
    let list = read(
        &desk,
        admin,
        "/api/directory/custom_fields",
        position(&gone),
    );
    assert!(
        !names(&list, "items").contains(&"Asset".to_owned()),
        "{list}"
    );

    // Help desks: not while a sub-desk is under it.
    let it = created(desk.post(admin, "/api/helpdesks", json!({"name": "IT"})));
    let sub = created(desk.post(
        admin,
        "/api/helpdesks",
        json!({"name": "IT Paris", "parent_id": it["id"]}),
    ));
    let it_path = format!("/api/helpdesks/{}", it["id"].as_str().unwrap());
    let sub_path = format!("/api/helpdesks/{}", sub["id"].as_str().unwrap());
    refused_quietly(
        &desk,
        send(&desk, Method::DELETE, admin, &it_path, json!({})),
        StatusCode::CONFLICT,
        None,
    );
    refused_quietly(
        &desk,
        send(&desk, Method::DELETE, &desk.agent.1, &sub_path, json!({})),
        StatusCode::FORBIDDEN,
        None,
    );
    ok(
        send(&desk, Method::DELETE, admin, &sub_path, json!({})),
        StatusCode::OK,
    );
    let gone = ok(
        send(&desk, Method::DELETE, admin, &it_path, json!({})),
        StatusCode::OK,
    );
    let list = read(&desk, admin, "/api/directory/helpdesks", position(&gone));
    assert_eq!(list["items"], json!([]), "{list}");

    // Roles: a replacement while users hold it; built-in roles stay.
    let role = created(desk.post(admin, "/api/roles", json!({"name": "Triage"})));
    let rid = role["id"].as_str().unwrap().to_owned();
    created(desk.post(
        admin,
        "/api/users",
        json!({"username": "tina", "full_name": "Tina", "kind": "agent", "role": "triage"}),
    ));
    let roles = read(&desk, admin, "/api/directory/roles", desk.head());
    let agent_role = roles["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "agent")
        .unwrap_or_else(|| panic!("{roles}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let role_path = format!("/api/roles/{rid}");
    refused_quietly(
        &desk,
        send(&desk, Method::DELETE, admin, &role_path, json!({})),
        StatusCode::CONFLICT,
        None,
    );
    refused_quietly(
        &desk,
        send(
            &desk,
            Method::DELETE,
            admin,
            &format!("/api/roles/{agent_role}"),
            json!({}),
        ),
        StatusCode::CONFLICT,
        None,
    );
    refused_quietly(
        &desk,
        send(
            &desk,
            Method::DELETE,
            admin,
            &format!("{role_path}?replacement_id={missing}"),
            json!({}),
        ),
        StatusCode::BAD_REQUEST,
        Some("replacement_id"),
    );
    let gone = ok(
        send(
            &desk,
            Method::DELETE,
            admin,
            &format!("{role_path}?replacement_id={agent_role}"),
            json!({}),
        ),
        StatusCode::OK,
    );
    let entry = read(
        &desk,
        admin,
        &format!("/api/directory/roles/{rid}"),
        position(&gone),
    );
    assert_eq!(entry["entry"]["deleted"], true, "{entry}");

    // Catalogue items.
    let fax = created(desk.post(admin, "/api/catalogue/sources", json!({"name": "Fax"})));
    let fax_path = format!("/api/catalogue/sources/{}", fax["id"].as_str().unwrap());
    refused_quietly(
        &desk,
        send(&desk, Method::DELETE, &desk.agent.1, &fax_path, json!({})),
        StatusCode::FORBIDDEN,
        None,
    );
    // Urgencies are deletable too (tickets using them are counted: api/tests/directory_refs.rs).
    let high = created(desk.post(admin, "/api/catalogue/urgencies", json!({"name": "High"})));
    ok(
        send(
            &desk,
            Method::DELETE,
            admin,
            &format!("/api/catalogue/urgencies/{}", high["id"].as_str().unwrap()),
            json!({}),
        ),
        StatusCode::OK,
    );
    let gone = ok(
        send(&desk, Method::DELETE, admin, &fax_path, json!({})),
        StatusCode::OK,
    );
    let list = read(&desk, admin, "/api/directory/sources", position(&gone));
    assert!(!names(&list, "items").contains(&"Fax".to_owned()), "{list}");

    // Settings: removed by name; a name never set is a 404.
    ok(
        send(
            &desk,
            Method::PUT,
            admin,
            "/api/settings/mail.footer",
            json!({"value": "Bye"}),
        ),
        StatusCode::CREATED,
    );
    refused_quietly(
        &desk,
        send(
            &desk,
            Method::DELETE,
            &desk.auditor.1,
            "/api/settings/mail.footer",
            json!({}),
        ),
        StatusCode::FORBIDDEN,
        None,
    );
    refused_quietly(
        &desk,
        send(
            &desk,
            Method::DELETE,
            admin,
            "/api/settings/never.set",
            json!({}),
        ),
        StatusCode::NOT_FOUND,
        None,
    );
    let removed = ok(
        send(
            &desk,
            Method::DELETE,
            admin,
            "/api/settings/mail.footer",
            json!({}),
        ),
        StatusCode::OK,
    );
    let settings = read(&desk, admin, "/api/settings", position(&removed));
    assert!(!settings.to_string().contains("mail.footer"), "{settings}");
}

#[test]
fn user_profile_email_and_reenabling() {
    let desk = Desk::open();
    let admin = &desk.admin;
    let user = created(desk.post(
        admin,
        "/api/users",
        json!({"username": "tina", "email": "tina@example.com", "full_name": "Tina",
               "kind": "agent", "role": "agent"}),
    ));
    let id = user["id"].as_str().unwrap().to_owned();
    let entry_path = format!("/api/directory/users/{id}");
    let profile = ok(
        send(
            &desk,
            Method::PATCH,
            admin,
            &format!("/api/users/{id}"),
            json!({"full_name": "Tina Turner", "phone": "+33 1 23 45 67 89"}),
        ),
        StatusCode::OK,
    );
    let entry = read(&desk, admin, &entry_path, position(&profile));
    assert_eq!(entry["entry"]["name"], "Tina Turner", "{entry}");
    assert!(entry.to_string().contains("+33 1 23 45 67 89"), "{entry}");
    refused_quietly(
        &desk,
        send(
            &desk,
            Method::PATCH,
            &desk.agent.1,
            &format!("/api/users/{id}"),
            json!({"full_name": "X"}),
        ),
        StatusCode::FORBIDDEN,
        None,
    );
    refused_quietly(
        &desk,
        send(
            &desk,
            Method::PATCH,
            admin,
            &format!("/api/users/{id}"),
            json!({"full_name": ""}),
        ),
        StatusCode::BAD_REQUEST,
        Some("full_name"),
    );

    let email_path = format!("/api/users/{id}/email");
    let changed = ok(
        send(
            &desk,
            Method::PUT,
            admin,
            &email_path,
            json!({"email": "tt@example.com"}),
        ),
        StatusCode::OK,
    );
    let entry = read(&desk, admin, &entry_path, position(&changed));
    assert!(entry.to_string().contains("tt@example.com"), "{entry}");
    refused_quietly(
        &desk,
        send(
            &desk,
            Method::PUT,
            admin,
            &email_path,
            json!({"email": "not an email"}),
        ),
        StatusCode::BAD_REQUEST,
        Some("email"),
    );
    refused_quietly(
        &desk,
        send(
            &desk,
            Method::PUT,
            &desk.requester.1,
            &email_path,
            json!({"email": "a@b.co"}),
        ),
        StatusCode::FORBIDDEN,
        None,
    );

    ok(
        desk.post(admin, &format!("/api/users/{id}/deactivate"), json!({})),
        StatusCode::OK,
    );
    refused_quietly(
        &desk,
        desk.post(
            &desk.agent.1,
            &format!("/api/users/{id}/activate"),
            json!({}),
        ),
        StatusCode::FORBIDDEN,
        None,
    );
    refused_quietly(
        &desk,
        desk.post(admin, "/api/users/nope/activate", json!({})),
        StatusCode::BAD_REQUEST,
        Some("id"),
    );
    let back = ok(
        desk.post(admin, &format!("/api/users/{id}/activate"), json!({})),
        StatusCode::OK,
    );
    let entry = read(&desk, admin, &entry_path, position(&back));
    assert_eq!(entry["entry"]["attributes"]["enabled"], true, "{entry}");
}
