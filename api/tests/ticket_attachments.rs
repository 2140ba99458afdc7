//! End-to-end tests of attachments: upload, byte-identical download with content type and
//! file name, the size limit (413, nothing written), and who may read what.

mod common;

use std::path::Path;

use common::desk::*;
use common::error_of;
use common::launch::open_desk_with;
use reqwest::blocking::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::json;

/// The test server's attachment limit.
const LIMIT: usize = 4096;

fn upload(
    desk: &Desk,
    token: &str,
    path: &str,
    name: &str,
    mime: &str,
    bytes: Vec<u8>,
) -> reqwest::blocking::RequestBuilder {
    let part = Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str(mime)
        .unwrap();
    common::client()
        .post(desk.server.url(path))
        .bearer_auth(token)
        .multipart(Form::new().part("file", part))
}

/// Every file under `blobs/` except the temporary directory, and whether `tmp` is empty.
fn blobs(data_dir: &Path) -> (Vec<String>, bool) {
    let root = data_dir.join("blobs");
    let mut files = Vec::new();
    let mut tmp_empty = true;
    if let Ok(dirs) = std::fs::read_dir(&root) {
        for dir in dirs.flatten() {
            let is_tmp = dir.file_name() == "tmp";
            for file in std::fs::read_dir(dir.path()).unwrap().flatten() {
                if is_tmp {
                    tmp_empty = false;
                } else {
                    files.push(file.file_name().to_string_lossy().into_owned());
                }
            }
        }
    }
    files.sort();
    (files, tmp_empty)
}

#[test]
fn an_attachment_downloads_byte_identical_and_the_limit_refuses_larger_files() {
    let (desk, _) = open_desk_with(&["--attachment-limit", &LIMIT.to_string()]);
    let agent = &desk.agent.1;
    let requester = &desk.requester.1;
    let opened = created(desk.post(
        agent,
        "/api/tickets",
        json!({"subject": "Screen flickers", "requester_id": desk.requester.0}),
    ));
    let number = opened["number"].as_u64().unwrap();
    let path = format!("/api/tickets/{number}/attachments");

    // The requester uploads a screenshot to their ticket.
    let bytes: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 251) as u8).collect();
    let done = ok(
        upload(
            &desk,
            requester,
            &path,
            "screen shot.png",
            "image/png",
            bytes.clone(),
        ),
        StatusCode::OK,
    );
    let attachment = done["item_id"].as_str().unwrap().to_owned();
    let hash = blake3::hash(&bytes).to_hex().to_string();
    let (files, tmp_empty) = blobs(desk._dir.path());
    assert_eq!(files, vec![hash.clone()]);
    assert!(tmp_empty);

    for token in [agent, requester, &desk.auditor.1, &desk.admin] {
        let response = desk
            .get(token, &format!("{path}/{attachment}"))
            .send()
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "image/png");
        let disposition = response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(disposition.starts_with("attachment"), "{disposition}");
        assert!(disposition.contains("screen shot.png"), "{disposition}");
        assert_eq!(response.bytes().unwrap().to_vec(), bytes);
    }
    // The event holds the description, never the bytes.
    let events: serde_json::Value = desk
        .get(&desk.admin, "/api/events?type=ticket.attachment_added")
        .send()
        .unwrap()
        .json()
        .unwrap();
    let payload = hex::decode(events["events"][0]["payload_hex"].as_str().unwrap()).unwrap();
    let text = String::from_utf8_lossy(&payload);
    assert!(
        text.contains(&hash) && text.contains("screen shot.png"),
        "{text}"
    );
    assert!(
        payload.len() < 200,
        "the event holds {} bytes",
        payload.len()
    );

    // One byte over the limit: 413, no event, no blob, no temporary file left.
    let head = desk.head();
    let (status, body) = error_of(
        upload(
            &desk,
            agent,
            &path,
            "big.bin",
            "application/octet-stream",
            vec![1u8; LIMIT + 1],
        )
        .send()
        .unwrap(),
    );
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(desk.head(), head);
    assert_eq!(blobs(desk._dir.path()), (vec![hash.clone()], true));
    // Exactly the limit is fine.
    ok(
        upload(
            &desk,
            agent,
            &path,
            "edge.bin",
            "application/octet-stream",
            vec![2u8; LIMIT],
        ),
        StatusCode::OK,
    );

    // A body without a file part, or with no file name, is refused and writes nothing.
    let head = desk.head();
    let (status, _) = error_of(
        common::client()
            .post(desk.server.url(&path))
            .bearer_auth(agent)
            .multipart(Form::new().text("note", "no file"))
            .send()
            .unwrap(),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(desk.head(), head);
}

#[test]
fn a_note_attachment_is_hidden_from_the_requester_and_others_tickets_are_404() {
    let (desk, _) = open_desk_with(&[]);
    let agent = &desk.agent.1;
    let requester = &desk.requester.1;
    let opened = created(desk.post(
        agent,
        "/api/tickets",
        json!({"subject": "Access", "requester_id": desk.requester.0}),
    ));
    let number = opened["number"].as_u64().unwrap();
    let path = format!("/api/tickets/{number}/attachments");
    ok(
        desk.post(
            agent,
            &format!("/api/tickets/{number}/notes"),
            json!({"body": "internal"}),
        ),
        StatusCode::OK,
    );
    // The note's id, from the ticket's state.
    let state: serde_json::Value = desk
        .get(
            agent,
            &format!("/api/tickets/{number}/as-of?position={}", desk.head()),
        )
        .send()
        .unwrap()
        .json()
        .unwrap();
    let note = state["state"]["notes"]
        .as_object()
        .and_then(|notes| notes.keys().next().cloned())
        .unwrap_or_else(|| panic!("no note in {state}"));

    // The requester may not attach to a note; the agent may.
    let (status, body) = error_of(
        upload(
            &desk,
            requester,
            &format!("{path}?note_id={note}"),
            "x.txt",
            "text/plain",
            b"x".to_vec(),
        )
        .send()
        .unwrap(),
    );
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let done = ok(
        upload(
            &desk,
            agent,
            &format!("{path}?note_id={note}"),
            "creds.txt",
            "text/plain",
            b"secret".to_vec(),
        ),
        StatusCode::OK,
    );
    let attachment = done["item_id"].as_str().unwrap();
    let url = format!("{path}/{attachment}");
    let (status, _) = error_of(desk.get(requester, &url).send().unwrap());
    assert_eq!(status, StatusCode::NOT_FOUND);
    let response = desk.get(agent, &url).send().unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().unwrap().as_ref(), b"secret");

    // Another requester sees nothing of this ticket; an auditor uploads nothing.
    let (status, _) = error_of(desk.get(&desk.other_requester.1, &url).send().unwrap());
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = error_of(
        upload(
            &desk,
            &desk.other_requester.1,
            &path,
            "a.txt",
            "text/plain",
            b"a".to_vec(),
        )
        .send()
        .unwrap(),
    );
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = error_of(
        upload(
            &desk,
            &desk.auditor.1,
            &path,
            "a.txt",
            "text/plain",
            b"a".to_vec(),
        )
        .send()
        .unwrap(),
    );
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Removal: agents only; afterwards the file is gone from the ticket.
    let remove = |token: &str| {
        common::client()
            .delete(desk.server.url(&url))
            .bearer_auth(token)
            .send()
            .unwrap()
    };
    let (status, _) = error_of(remove(requester));
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(remove(agent).status(), StatusCode::OK);
    let (status, _) = error_of(desk.get(agent, &url).send().unwrap());
    assert_eq!(status, StatusCode::NOT_FOUND);
}
