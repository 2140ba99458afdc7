//! The replay tool as an operator runs it: the real binary against generated data directories.

use std::path::Path;
use std::process::{Command, Output};

use ledgerdesk_core::{
    Actor, AppendMeta, AppendRequest, ClaimAction, EventStore, ExpectedVersion, NewEvent,
    SledEventStore, StoreConfig, StreamId, StreamKind, UniqueClaim,
};

fn replay(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ledgerdesk-replay"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("LEDGERDESK_DATA_DIR")
        .output()
        .expect("run ledgerdesk-replay")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A log with several streams, multi-event appends, claims, actors and causation.
fn generate(dir: &Path) -> u64 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = SledEventStore::open(dir, StoreConfig::default()).unwrap();
        let mut streams = Vec::new();
        for s in 0..6u32 {
            let kind = if s % 2 == 0 {
                StreamKind::Ticket
            } else {
                StreamKind::User
            };
            streams.push(StreamId::generate(kind));
        }
        let mut versions = vec![0u64; streams.len()];
        for i in 0..60u32 {
            let k = (i as usize * 7) % streams.len();
            let n = 1 + (i % 3) as usize;
            let events = (0..n)
                .map(|j| NewEvent {
                    event_id: ulid::Ulid::new(),
                    event_type: format!("test.kind{}", j),
                    schema_version: 1,
                    payload: format!("event {i}.{j}").into_bytes(),
                })
                .collect();
            let expected = match versions[k] {
                0 => ExpectedVersion::NoStream,
                v => ExpectedVersion::Exact(v),
            };
            let mut meta = AppendMeta::new(if i % 2 == 0 {
                Actor::System
            } else {
                Actor::User(streams[1].id)
            });
            meta.causation_id = (i % 4 == 0).then(ulid::Ulid::new);
            let mut request = AppendRequest::new(streams[k], expected, meta, events);
            if versions[k] == 0 && streams[k].kind == StreamKind::User {
                request.claims.push(UniqueClaim {
                    scope: "user.username".to_owned(),
                    value: format!("user{k}"),
                    action: ClaimAction::Claim,
                });
            }
            versions[k] = store.append(request).await.unwrap().last_version;
        }
        let head = store.head();
        store.close().await;
        head
    })
}

#[test]
fn verify_passes_on_a_sound_log() {
    let dir = tempfile::tempdir().unwrap();
    let head = generate(dir.path());
    let out = replay(dir.path(), &["verify"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("ok: the log verifies"));
    let out = replay(dir.path(), &["verify", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["events"], head);
    assert_eq!(report["problem"], serde_json::Value::Null);
}

#[test]
fn verify_names_a_corrupted_record_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let corrupted_at = rt.block_on(async {
        let store = SledEventStore::open(dir.path(), StoreConfig::default()).unwrap();
        let (first, bytes) = store.raw_chunks().next().unwrap().unwrap();
        let mut bytes = bytes.to_vec();
        let at = bytes.windows(8).position(|w| w == b"event 0.").unwrap();
        bytes[at] = b'E';
        store.corrupt_chunk_for_tests(first, bytes).unwrap();
        store.close().await;
        first
    });
    let out = replay(dir.path(), &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains(&format!("position {corrupted_at}")), "{err}");
    assert!(err.contains("hash mismatch"), "{err}");
}

#[test]
fn export_import_export_gives_identical_files() {
    let source = tempfile::tempdir().unwrap();
    let head = generate(source.path());
    let first = replay(source.path(), &["export"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert_eq!(text(&first.stdout).lines().count() as u64, head + 1);

    let file = source.path().join("export.jsonl");
    std::fs::write(&file, &first.stdout).unwrap();
    let target = tempfile::tempdir().unwrap();
    let imported = replay(target.path(), &["import", file.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    assert!(text(&imported.stdout).contains(&format!("imported {head} events")));

    let second = replay(target.path(), &["export"]);
    assert_eq!(text(&first.stdout), text(&second.stdout));
    assert!(replay(target.path(), &["verify"]).status.success());

    // A second import into the now non-empty directory is refused.
    let again = replay(target.path(), &["import", file.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("empty data directory"));
}

#[test]
fn an_altered_export_line_is_caught_by_the_hash_chain() {
    let source = tempfile::tempdir().unwrap();
    generate(source.path());
    let export = text(&replay(source.path(), &["export"]).stdout);
    let original = hex_of("event 3.0");
    let altered_hex = hex_of("event 3.X");
    assert!(export.contains(&original));
    let file = source.path().join("altered.jsonl");
    std::fs::write(&file, export.replacen(&original, &altered_hex, 1)).unwrap();
    let target = tempfile::tempdir().unwrap();
    let out = replay(target.path(), &["import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("hash differs"),
        "{}",
        text(&out.stderr)
    );
}

fn hex_of(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn export_of_one_stream_or_a_range() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path());
    let out = replay(dir.path(), &["export", "--from", "5", "--to", "9"]);
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    let positions: Vec<u64> = lines[1..]
        .iter()
        .map(|l| l["position"].as_u64().unwrap())
        .collect();
    assert_eq!(positions, [5, 6, 7, 8, 9]);
    let stream = lines[1]["stream"].as_str().unwrap().to_owned();
    let out = replay(dir.path(), &["export", "--stream", &stream]);
    let versions: Vec<u64> = text(&out.stdout)
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .inspect(|l| assert_eq!(l["stream"], stream.as_str()))
        .map(|l| l["version"].as_u64().unwrap())
        .collect();
    assert_eq!(versions, (1..=versions.len() as u64).collect::<Vec<_>>());
    let bad = replay(dir.path(), &["export", "--stream", "nonsense"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn stats_count_types_kinds_and_streams() {
    let dir = tempfile::tempdir().unwrap();
    let head = generate(dir.path());
    let out = replay(dir.path(), &["stats", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["events"], head);
    assert_eq!(stats["streams"], 6);
    assert_eq!(stats["streams_per_kind"]["ticket"], 3);
    assert_eq!(stats["streams_per_kind"]["user"], 3);
    let per_type: u64 = stats["events_per_type"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(per_type, head);
    assert!(stats["bytes_on_disk"].as_u64().unwrap() > 0);
}

#[test]
fn clear_errors_for_missing_locked_and_foreign_inputs() {
    let empty = tempfile::tempdir().unwrap();
    let missing = replay(&empty.path().join("nope"), &["verify"]);
    assert_eq!(missing.status.code(), Some(3));
    assert!(text(&missing.stderr).contains("not a ledgerdesk data directory"));

    let dir = tempfile::tempdir().unwrap();
    generate(dir.path());
    let held = SledEventStore::open(dir.path(), StoreConfig::default()).unwrap();
    let locked = replay(dir.path(), &["verify"]);
    assert_eq!(locked.status.code(), Some(3));
    assert!(
        text(&locked.stderr).contains("in use"),
        "{}",
        text(&locked.stderr)
    );
    drop(held);

    let file = empty.path().join("notes.txt");
    std::fs::write(&file, "hello\n").unwrap();
    let foreign = replay(
        &empty.path().join("target"),
        &["import", file.to_str().unwrap()],
    );
    assert_eq!(foreign.status.code(), Some(2));
    assert!(
        text(&foreign.stderr).contains("not a ledgerdesk export"),
        "{}",
        text(&foreign.stderr)
    );
}

/// A ticket created, answered and resolved through the command service; returns the stream
/// and the position after each step.
fn ticket_history(dir: &Path) -> (StreamId, Vec<u64>) {
    use ledgerdesk_core::command::CommandService;
    use ledgerdesk_core::ticket::examples;
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = std::sync::Arc::new(SledEventStore::open(dir, StoreConfig::default()).unwrap());
        let svc = CommandService::new(store.clone(), 8);
        let story = examples::answered_and_resolved(
            &svc,
            ulid::Ulid::new(),
            ulid::Ulid::new(),
            "Printer on fire",
        )
        .await;
        store.close().await;
        story.unwrap()
    })
}

fn snapshot_in_process(dir: &Path, ticket: StreamId, position: u64) -> serde_json::Value {
    use ledgerdesk_core::ticket::TicketAggregate;
    use ledgerdesk_core::timetravel::{as_of, Cutoff};
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = SledEventStore::open(dir, StoreConfig::default()).unwrap();
        let answer = as_of::<TicketAggregate, _>(&store, ticket, Cutoff::Position(position))
            .await
            .unwrap();
        let value = serde_json::to_value(answer.snapshot(ticket)).unwrap();
        store.close().await;
        value
    })
}

#[test]
fn ticket_shows_state_and_timeline_as_of_a_position() {
    let dir = tempfile::tempdir().unwrap();
    let (ticket, positions) = ticket_history(dir.path());
    let at = positions[1].to_string();
    let out = replay(
        dir.path(),
        &["ticket", "1001", "--at-position", &at, "--json"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        printed,
        snapshot_in_process(dir.path(), ticket, positions[1])
    );
    assert_eq!(printed["position"], positions[1]);
    let types: Vec<&str> = printed["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"ticket.created") && types.contains(&"ticket.reply_added"),
        "{types:?}"
    );
    assert!(
        !types.contains(&"ticket.status_changed") || positions[1] >= positions[2],
        "{types:?}"
    );

    // The readable form, by ULID, now.
    let out = replay(dir.path(), &["ticket", &ticket.to_string()]);
    let shown = text(&out.stdout);
    assert!(
        shown.contains("ticket 1001") && shown.contains("ticket.status_changed"),
        "{shown}"
    );

    for (args, code) in [
        (vec!["ticket", "9999"], 2),
        (vec!["ticket", "nonsense"], 2),
        (vec!["ticket", "1001", "--as-of", "yesterday"], 2),
    ] {
        let out = replay(dir.path(), &args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

/// `n` tickets, each reported, answered and resolved.
fn desk(dir: &Path, n: usize) {
    use ledgerdesk_core::command::CommandService;
    use ledgerdesk_core::ticket::examples;
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = std::sync::Arc::new(SledEventStore::open(dir, StoreConfig::default()).unwrap());
        let svc = CommandService::new(store.clone(), 64);
        for i in 0..n {
            examples::answered_and_resolved(
                &svc,
                ulid::Ulid::new(),
                ulid::Ulid::new(),
                &format!("Issue {i}"),
            )
            .await
            .unwrap();
        }
        store.close().await;
    });
}

/// The digest of every read model after catching up live (what the server would hold).
fn live_digests(dir: &Path) -> Vec<(String, String)> {
    use ledgerdesk_projections::ProjectionRunner;
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = SledEventStore::open(dir, StoreConfig::default()).unwrap();
        let runner = ProjectionRunner::open(store.clone(), ledgerdesk_projections::all()).unwrap();
        runner.catch_up().await.unwrap();
        let digests = runner
            .status()
            .iter()
            .map(|s| (s.name.to_owned(), runner.digest(s.name).unwrap()))
            .collect();
        drop(runner);
        store.close().await;
        digests
    })
}

fn rebuilt_digests(dir: &Path) -> Vec<(String, String)> {
    let out = replay(dir, &["rebuild", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| {
            (
                v["projection"].as_str().unwrap().to_owned(),
                v["digest"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn rebuild_gives_the_live_models_and_resumes_after_an_interruption() {
    let dir = tempfile::tempdir().unwrap();
    desk(dir.path(), 40);
    let live = live_digests(dir.path());
    assert!(live.len() >= 2, "{live:?}");
    assert_eq!(rebuilt_digests(dir.path()), live);

    // Kill a rebuild part-way (or wherever it is when the signal lands), then run it again: the
    // half-built tree is resumed or replaced, and the models come out the same.
    let mut child = Command::new(env!("CARGO_BIN_EXE_ledgerdesk-replay"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("rebuild")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(60));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(rebuilt_digests(dir.path()), live);

    let unknown = replay(dir.path(), &["rebuild", "--projection", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown.stderr).contains("no projection"),
        "{}",
        text(&unknown.stderr)
    );
}

#[test]
fn as_of_builds_a_past_copy_with_its_read_models() {
    let dir = tempfile::tempdir().unwrap();
    let (ticket, positions) = ticket_history(dir.path());
    desk(dir.path(), 3);
    let past = tempfile::tempdir().unwrap();
    let into = past.path().join("investigation");
    let at = positions[1].to_string();
    let out = replay(
        dir.path(),
        &["as-of", "--position", &at, "--into", into.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(replay(&into, &["verify"]).status.success());
    let then = replay(&into, &["ticket", "1001", "--json"]);
    let printed: serde_json::Value = serde_json::from_slice(&then.stdout).unwrap();
    assert_eq!(
        printed,
        snapshot_in_process(dir.path(), ticket, positions[1])
    );
    let stats: serde_json::Value =
        serde_json::from_slice(&replay(&into, &["stats", "--json"]).stdout).unwrap();
    assert_eq!(stats["events"], positions[1]);
    // Its read models stand at that position too (a server started on it answers as of then).
    let models = live_digests(&into);
    assert_eq!(rebuilt_digests(&into), models);

    let again = replay(
        dir.path(),
        &["as-of", "--position", &at, "--into", into.to_str().unwrap()],
    );
    assert_eq!(again.status.code(), Some(2), "refuses a non-empty target");
    let future = replay(
        dir.path(),
        &[
            "as-of",
            "--position",
            "999999",
            "--into",
            past.path().join("x").to_str().unwrap(),
        ],
    );
    assert_eq!(future.status.code(), Some(2));
}

#[test]
fn verify_refuses_a_read_model_ahead_of_the_log() {
    let dir = tempfile::tempdir().unwrap();
    desk(dir.path(), 2);
    live_digests(dir.path());
    assert!(replay(dir.path(), &["verify"]).status.success());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = SledEventStore::open(dir.path(), StoreConfig::default()).unwrap();
        let head = store.head();
        ledgerdesk_projections::set_checkpoint_for_tests(store.db(), "views", head + 5).unwrap();
        store.close().await;
    });
    let out = replay(dir.path(), &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("read model views"),
        "{}",
        text(&out.stderr)
    );
}

/// A read model's image that is not the one its model recorded (a flipped byte on disk) is
/// reported by `verify`, which reads every model's stored records and changes nothing.
#[test]
fn verify_reports_a_damaged_read_model_image() {
    let dir = tempfile::tempdir().unwrap();
    desk(dir.path(), 2);
    assert!(replay(dir.path(), &["rebuild", "--projection", "history"])
        .status
        .success());
    assert!(replay(dir.path(), &["verify"]).status.success());
    let images: Vec<_> = std::fs::read_dir(dir.path().join("models").join("history"))
        .unwrap()
        .flat_map(|generation| std::fs::read_dir(generation.unwrap().path()).unwrap())
        .map(|f| f.unwrap().path())
        .collect();
    assert_eq!(images.len(), 1, "{images:?}");
    let mut bytes = std::fs::read(&images[0]).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(&images[0], &bytes).unwrap();
    let out = replay(dir.path(), &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("read model history is damaged"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read(&images[0]).unwrap(), bytes, "verify wrote");
}
