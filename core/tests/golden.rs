//! The golden log: stored chunks written by an earlier build, committed under `fixtures/`.
//! Every later build must decode them to the same records, with the same hashes, and the hash
//! chain must verify. A change to the codec, the envelope or the canonical hash layout that
//! breaks old logs fails here.
//!
//! The fixture is only ever extended, never rewritten: new event types and schema versions add
//! chunks through `extend_golden_log` (run with `cargo test -p ledgerdesk-core --test golden --
//! --ignored`), which keeps every existing line.

use ledgerdesk_core::codec::{record_hash, ChunkView, GENESIS_HASH};
use ledgerdesk_core::{
    Actor, AppendMeta, AppendRequest, ClaimAction, EventStore, ExpectedVersion, NewEvent,
    RecordedEvent, SledEventStore, StoreConfig, StreamId, StreamKind, UniqueClaim,
};

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn stored_chunks() -> Vec<(u64, Vec<u8>)> {
    fixture("golden-log-v1.chunks")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let (position, value) = line.split_once(' ').expect("`position hex` lines");
            (position.parse().unwrap(), hex::decode(value).unwrap())
        })
        .collect()
}

fn expected_records() -> Vec<RecordedEvent> {
    fixture("golden-log-v1.records.jsonl")
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_golden_log_decodes_to_the_same_records_and_hashes() {
    let expected = expected_records();
    assert!(!expected.is_empty());
    let mut decoded = Vec::new();
    for (first_position, bytes) in stored_chunks() {
        let view = ChunkView::parse(&bytes).expect("chunk parses");
        let records = view.records().expect("records decode");
        assert_eq!(records[0].position, first_position);
        decoded.extend(records);
    }
    assert_eq!(decoded, expected);
    let mut prev = GENESIS_HASH;
    for record in &decoded {
        assert_eq!(
            record_hash(&prev, record),
            record.hash,
            "position {}",
            record.position
        );
        prev = record.hash;
    }
}

/// Writes the fixture from a fresh store when it does not exist yet. Existing fixtures are
/// never rewritten: delete nothing, extend by adding a new versioned file and test.
#[test]
#[ignore = "writes the fixture; run by hand when adding examples"]
fn extend_golden_log() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let chunks_path = dir.join("golden-log-v1.chunks");
    if chunks_path.exists() {
        println!(
            "{} exists; released fixtures are frozen",
            chunks_path.display()
        );
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = SledEventStore::open(data.path(), StoreConfig::default()).unwrap();
        let user = StreamId::generate(StreamKind::User);
        let ticket = StreamId::generate(StreamKind::Ticket);
        let event = |t: &str, payload: &[u8]| NewEvent {
            event_id: ulid::Ulid::new(),
            event_type: t.to_owned(),
            schema_version: 1,
            payload: payload.to_vec(),
        };
        let mut create_user = AppendRequest::new(
            user,
            ExpectedVersion::NoStream,
            AppendMeta::new(Actor::System),
            vec![event("golden.user_created", b"pat")],
        );
        create_user.claims.push(UniqueClaim {
            scope: "user.username".to_owned(),
            value: "pat".to_owned(),
            action: ClaimAction::Claim,
        });
        let created = store.append(create_user).await.unwrap();
        let mut meta = AppendMeta::new(Actor::User(user.id));
        meta.causation_id = Some(ulid::Ulid::new());
        store
            .append(AppendRequest::new(
                ticket,
                ExpectedVersion::NoStream,
                meta,
                vec![
                    event("golden.ticket_opened", &[0, 1, 2, 255]),
                    event("golden.ticket_replied", &[]),
                ],
            ))
            .await
            .unwrap();
        assert_eq!(created.stream_number, 1);
        let mut chunks = String::from("# first position, then the stored chunk value in hex\n");
        for item in store.raw_chunks() {
            let (position, value) = item.unwrap();
            chunks.push_str(&format!("{position} {}\n", hex::encode(value)));
        }
        let mut records = String::new();
        for record in store.read_all(1, usize::MAX).await.unwrap() {
            records.push_str(&serde_json::to_string(&record).unwrap());
            records.push('\n');
        }
        std::fs::write(&chunks_path, chunks).unwrap();
        std::fs::write(dir.join("golden-log-v1.records.jsonl"), records).unwrap();
    });
}
