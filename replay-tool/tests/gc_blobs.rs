//! `ledgerdesk-replay gc-blobs` as an operator runs it: a real log whose attachments were
//! added, removed, shared between tickets, purged with their ticket and kept by a KB article,
//! and a blob directory holding their files plus leftovers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ledgerdesk_core::directory::kb::{ArticleEvent, Attachment};
use ledgerdesk_core::ticket::events::{AttachmentAdded, AttachmentRemoved, LifecycleMark};
use ledgerdesk_core::ticket::{AttachmentMeta, AttachmentTarget, TicketEvent};
use ledgerdesk_core::{
    Actor, AppendMeta, AppendRequest, DomainEvent, EventStore, ExpectedVersion, NewEvent,
    SledEventStore, StoreConfig, StreamId, StreamKind, Timestamp,
};
use ulid::Ulid;

fn replay(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ledgerdesk-replay"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("LEDGERDESK_DATA_DIR")
        .output()
        .expect("run ledgerdesk-replay")
}

fn hash(content: &str) -> String {
    blake3::hash(content.as_bytes()).to_hex().to_string()
}

fn blob_path(dir: &Path, content: &str) -> PathBuf {
    let h = hash(content);
    dir.join("blobs").join(&h[..2]).join(h)
}

fn added(id: u128, content: &str) -> TicketEvent {
    TicketEvent::AttachmentAdded(AttachmentAdded {
        target: AttachmentTarget::Ticket,
        attachment: AttachmentMeta {
            attachment_id: Ulid(id),
            name: format!("{content}.txt"),
            content_type: "text/plain".into(),
            size_bytes: content.len() as u64,
            blake3_hex: hash(content),
        },
    })
}

fn removed(id: u128, content: &str) -> TicketEvent {
    TicketEvent::AttachmentRemoved(AttachmentRemoved {
        attachment_id: Ulid(id),
        blake3_hex: hash(content),
    })
}

async fn append(store: &SledEventStore, stream: StreamId, events: Vec<NewEvent>) {
    let expected = match store.stream_version(stream).await.unwrap() {
        None => ExpectedVersion::NoStream,
        Some(v) => ExpectedVersion::Exact(v),
    };
    let request = AppendRequest::new(stream, expected, AppendMeta::new(Actor::System), events);
    store.append(request).await.unwrap();
}

fn new_events<E: DomainEvent>(events: &[E]) -> Vec<NewEvent> {
    events
        .iter()
        .map(|e| e.to_new_event(Ulid::new()).unwrap())
        .collect()
}

/// Ticket A keeps "kept" and removes "shared" (which ticket B still has); ticket C is purged
/// with "purged"; a KB article keeps "kb"; "orphan" is on disk with no event at all.
fn generate(dir: &Path) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = SledEventStore::open(dir, StoreConfig::default()).unwrap();
        let a = StreamId::new(StreamKind::Ticket, Ulid(1));
        let b = StreamId::new(StreamKind::Ticket, Ulid(2));
        let c = StreamId::new(StreamKind::Ticket, Ulid(3));
        let kb = StreamId::new(StreamKind::KbArticle, Ulid(4));
        append(
            &store,
            a,
            new_events(&[added(10, "kept"), added(11, "shared")]),
        )
        .await;
        append(&store, b, new_events(&[added(20, "shared")])).await;
        append(&store, a, new_events(&[removed(11, "shared")])).await;
        append(&store, c, new_events(&[added(30, "purged")])).await;
        let purge = TicketEvent::Purged(LifecycleMark { at: Timestamp(1) });
        append(&store, c, new_events(&[purge])).await;
        let kb_file = ArticleEvent::AttachmentAdded(Attachment {
            attachment_id: Ulid(40),
            name: "kb.txt".into(),
            content_type: "text/plain".into(),
            size_bytes: 2,
            blake3: hash("kb"),
        });
        append(&store, kb, new_events(&[kb_file])).await;
        // An event of a type no build knows is skipped by its name, never decoded.
        let other = NewEvent {
            event_id: Ulid::new(),
            event_type: "test.unknown".into(),
            schema_version: 1,
            payload: b"opaque".to_vec(),
        };
        append(
            &store,
            StreamId::new(StreamKind::Ticket, Ulid(5)),
            vec![other],
        )
        .await;
        store.close().await;
    });
    for content in ["kept", "shared", "purged", "kb", "orphan"] {
        let path = blob_path(dir, content);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

fn report(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON report")
}

#[test]
fn unreferenced_blobs_older_than_the_grace_period_are_collected() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path());

    // Within the default hour of grace nothing is deleted, even the unreferenced.
    let within = report(&replay(dir.path(), &["gc-blobs", "--json"]));
    assert_eq!(within["kept"], 3, "{within}");
    assert_eq!(within["young"], 2, "{within}");
    assert_eq!(within["deleted"], 0, "{within}");

    // A dry run without grace names the two and keeps them.
    let dry = report(&replay(
        dir.path(),
        &["gc-blobs", "--grace-minutes", "0", "--dry-run", "--json"],
    ));
    assert_eq!(dry["deleted"], 2, "{dry}");
    assert_eq!(
        dry["deleted_bytes"],
        ("purged".len() + "orphan".len()) as u64
    );
    assert!(blob_path(dir.path(), "orphan").exists());

    let done = replay(dir.path(), &["gc-blobs", "--grace-minutes", "0"]);
    assert!(done.status.success());
    let text = String::from_utf8_lossy(&done.stdout);
    assert!(text.contains("deleted 2 files (12 bytes)"), "{text}");
    for content in ["kept", "shared", "kb"] {
        assert!(
            blob_path(dir.path(), content).exists(),
            "{content} was deleted"
        );
    }
    for content in ["purged", "orphan"] {
        assert!(
            !blob_path(dir.path(), content).exists(),
            "{content} was kept"
        );
    }
    // The log is untouched and still verifies.
    assert!(replay(dir.path(), &["verify"]).status.success());
}

#[test]
fn a_reference_event_that_does_not_decode_stops_the_collection() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = SledEventStore::open(dir.path(), StoreConfig::default()).unwrap();
        let broken = NewEvent {
            event_id: Ulid::new(),
            event_type: "ticket.attachment_removed".into(),
            schema_version: 1,
            payload: vec![0xff],
        };
        append(
            &store,
            StreamId::new(StreamKind::Ticket, Ulid(1)),
            vec![broken],
        )
        .await;
        store.close().await;
    });
    let output = replay(dir.path(), &["gc-blobs", "--grace-minutes", "0"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nothing deleted"));
    assert!(blob_path(dir.path(), "orphan").exists());
}
