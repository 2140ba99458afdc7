//! Store tests: appends, conflicts, idempotency, numbering, claims, durability faults, and a
//! property test against an in-memory model with reopens.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use proptest::prelude::*;
use ulid::Ulid;

use super::*;
use crate::envelope::{
    AppendMeta, AppendRequest, ClaimAction, CredentialWrite, ExpectedVersion, NewEvent, UniqueClaim,
};
use crate::ids::{Actor, StreamId, StreamKind};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn open(dir: &std::path::Path) -> SledEventStore {
    SledEventStore::open(dir, StoreConfig::default()).expect("open store")
}

fn event(n: u32) -> NewEvent {
    NewEvent {
        event_id: Ulid::new(),
        event_type: "test.happened".to_owned(),
        schema_version: 1,
        payload: n.to_le_bytes().to_vec(),
    }
}

fn request(stream: StreamId, expected: ExpectedVersion, events: Vec<NewEvent>) -> AppendRequest {
    AppendRequest::new(stream, expected, AppendMeta::new(Actor::System), events)
}

fn claim(scope: &str, value: &str, action: ClaimAction) -> UniqueClaim {
    UniqueClaim {
        scope: scope.to_owned(),
        value: value.to_owned(),
        action,
    }
}

#[test]
fn appends_are_read_back_by_stream_and_by_position() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = open(dir.path());
        let a = StreamId::generate(StreamKind::Ticket);
        let b = StreamId::generate(StreamKind::Ticket);
        let r1 = store
            .append(request(
                a,
                ExpectedVersion::NoStream,
                vec![event(1), event(2)],
            ))
            .await
            .unwrap();
        assert_eq!((r1.first_position, r1.last_position), (1, 2));
        assert_eq!((r1.first_version, r1.last_version), (1, 2));
        let r2 = store
            .append(request(b, ExpectedVersion::NoStream, vec![event(3)]))
            .await
            .unwrap();
        assert_eq!(r2.first_position, 3);
        let r3 = store
            .append(request(a, ExpectedVersion::Exact(2), vec![event(4)]))
            .await
            .unwrap();
        assert_eq!((r3.first_position, r3.first_version), (4, 3));
        assert_eq!(store.head(), 4);

        let all = store.read_all(1, 100).await.unwrap();
        assert_eq!(
            all.iter().map(|r| r.position).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        let from3 = store.read_all(3, 1).await.unwrap();
        assert_eq!(from3.len(), 1);
        assert_eq!(from3[0].stream, b);

        let stream_a = store.read_stream(a, 1, 100).await.unwrap();
        assert_eq!(
            stream_a.iter().map(|r| r.version).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert_eq!(
            stream_a.iter().map(|r| r.position).collect::<Vec<_>>(),
            [1, 2, 4]
        );
        let from2 = store.read_stream(a, 2, 1).await.unwrap();
        assert_eq!(from2.len(), 1);
        assert_eq!(from2[0].version, 2);
        assert_eq!(store.stream_version(a).await.unwrap(), Some(3));
        assert_eq!(
            store
                .stream_version(StreamId::generate(StreamKind::Ticket))
                .await
                .unwrap(),
            None
        );
        let chunks: Vec<_> = store.raw_chunks().collect::<Result<_, _>>().unwrap();
        assert!(!chunks.is_empty(), "raw chunks are listed");
        let report = verify_log(&store).unwrap();
        assert_eq!(report.problem, None);
        assert_eq!(report.events, 4);
    });
}

#[test]
fn expected_version_mismatches_are_conflicts_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = open(dir.path());
        let s = StreamId::generate(StreamKind::Ticket);
        let cases = [
            ("exists on a missing stream", ExpectedVersion::StreamExists),
            ("exact on a missing stream", ExpectedVersion::Exact(1)),
        ];
        for (name, expected) in cases {
            let err = store
                .append(request(s, expected, vec![event(0)]))
                .await
                .unwrap_err();
            assert!(
                matches!(err, StoreError::Conflict { current: None, .. }),
                "{name}: {err:?}"
            );
        }
        store
            .append(request(s, ExpectedVersion::NoStream, vec![event(1)]))
            .await
            .unwrap();
        let cases = [
            ("no stream on an existing one", ExpectedVersion::NoStream),
            ("stale exact", ExpectedVersion::Exact(0)),
            ("future exact", ExpectedVersion::Exact(2)),
        ];
        for (name, expected) in cases {
            let err = store
                .append(request(s, expected, vec![event(0)]))
                .await
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    StoreError::Conflict {
                        current: Some(1),
                        ..
                    }
                ),
                "{name}: {err:?}"
            );
        }
        assert_eq!(store.head(), 1);
        store
            .append(request(s, ExpectedVersion::StreamExists, vec![event(2)]))
            .await
            .unwrap();
        store
            .append(request(s, ExpectedVersion::Any, vec![event(3)]))
            .await
            .unwrap();
        assert_eq!(store.stream_version(s).await.unwrap(), Some(3));
    });
}

#[test]
fn invalid_appends_are_refused_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = open(dir.path());
        let s = StreamId::generate(StreamKind::Ticket);
        let twice = event(1);
        let mut huge = event(2);
        huge.payload = vec![0; writer::MAX_PAYLOAD_BYTES + 1];
        let mut untyped = event(3);
        untyped.event_type.clear();
        let cases: Vec<(&str, AppendRequest)> = vec![
            ("no events", request(s, ExpectedVersion::Any, vec![])),
            (
                "same id twice",
                request(s, ExpectedVersion::Any, vec![twice.clone(), twice]),
            ),
            (
                "payload too large",
                request(s, ExpectedVersion::Any, vec![huge]),
            ),
            (
                "empty type",
                request(s, ExpectedVersion::Any, vec![untyped]),
            ),
            ("claim scope with NUL", {
                let mut r = request(s, ExpectedVersion::Any, vec![event(4)]);
                r.claims.push(claim("a\0b", "x", ClaimAction::Claim));
                r
            }),
        ];
        for (name, req) in cases {
            let err = store.append(req).await.unwrap_err();
            assert!(
                matches!(err, StoreError::InvalidAppend(_)),
                "{name}: {err:?}"
            );
        }
        assert_eq!(store.head(), 0);
        assert_eq!(store.stream_version(s).await.unwrap(), None);
    });
}

#[test]
fn re_appending_recorded_event_ids_returns_the_original_result() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = open(dir.path());
        let s = StreamId::generate(StreamKind::Ticket);
        let events = vec![event(1), event(2)];
        let first = store
            .append(request(s, ExpectedVersion::NoStream, events.clone()))
            .await
            .unwrap();
        store
            .append(request(s, ExpectedVersion::Exact(2), vec![event(3)]))
            .await
            .unwrap();
        // The retry carries a now-stale expected version: idempotency wins over the check.
        let retry = store
            .append(request(s, ExpectedVersion::NoStream, events.clone()))
            .await
            .unwrap();
        assert!(retry.duplicate);
        assert_eq!(
            AppendResult {
                duplicate: false,
                ..retry
            },
            first
        );
        assert_eq!(store.head(), 3, "a retry writes nothing");

        // Part of an append, or its ids mixed with new ones, is not a retry.
        let partial = store
            .append(request(s, ExpectedVersion::Any, vec![events[0].clone()]))
            .await
            .unwrap_err();
        assert!(
            matches!(partial, StoreError::IdempotencyMismatch { .. }),
            "{partial:?}"
        );
        let mixed = store
            .append(request(
                s,
                ExpectedVersion::Any,
                vec![event(9), events[1].clone()],
            ))
            .await
            .unwrap_err();
        assert!(
            matches!(mixed, StoreError::IdempotencyMismatch { .. }),
            "{mixed:?}"
        );
        let other_stream = StreamId::generate(StreamKind::Ticket);
        let moved = store
            .append(request(other_stream, ExpectedVersion::Any, events))
            .await
            .unwrap_err();
        assert!(
            matches!(moved, StoreError::IdempotencyMismatch { .. }),
            "{moved:?}"
        );
        assert_eq!(store.head(), 3);
    });
}

#[test]
fn concurrent_retries_of_one_append_write_it_once() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = Arc::new(open(dir.path()));
        let s = StreamId::generate(StreamKind::Ticket);
        let events = vec![event(1)];
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let store = store.clone();
            let req = request(s, ExpectedVersion::Any, events.clone());
            tasks.push(tokio::spawn(async move { store.append(req).await }));
        }
        let mut originals = 0;
        for t in tasks {
            let r = t.await.unwrap().unwrap();
            assert_eq!(r.first_position, 1);
            originals += usize::from(!r.duplicate);
        }
        assert_eq!(originals, 1);
        assert_eq!(store.head(), 1);
    });
}

#[test]
fn concurrent_writers_get_gap_free_positions_and_a_valid_chain() {
    concurrent_writers(StoreConfig::default());
}

#[test]
fn the_pipelined_syncer_keeps_the_same_guarantees() {
    concurrent_writers(StoreConfig {
        pipelined_sync: true,
        ..StoreConfig::default()
    });
    failed_sync_recovery(true);
}

fn concurrent_writers(config: StoreConfig) {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = Arc::new(SledEventStore::open(dir.path(), config).unwrap());
        let mut tasks = Vec::new();
        for w in 0..32u32 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let s = StreamId::generate(StreamKind::Ticket);
                let mut positions = Vec::new();
                for i in 0..25u32 {
                    let expected = if i == 0 {
                        ExpectedVersion::NoStream
                    } else {
                        ExpectedVersion::Exact(u64::from(i))
                    };
                    let r = store
                        .append(request(s, expected, vec![event(w * 100 + i)]))
                        .await
                        .unwrap();
                    assert_eq!(r.last_version, u64::from(i) + 1);
                    positions.push(r.first_position);
                }
                positions
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all.sort_unstable();
        assert_eq!(all, (1..=800).collect::<Vec<u64>>());
        let records = store.read_all(1, 10_000).await.unwrap();
        assert_eq!(records.len(), 800);
        let report = verify_log(&store).unwrap();
        assert_eq!(report.problem, None, "{report:?}");
    });
}

#[test]
fn the_log_survives_a_reopen_and_the_chain_continues() {
    let dir = tempfile::tempdir().unwrap();
    let s = StreamId::generate(StreamKind::Ticket);
    runtime().block_on(async {
        let store = open(dir.path());
        store
            .append(request(
                s,
                ExpectedVersion::NoStream,
                vec![event(1), event(2)],
            ))
            .await
            .unwrap();
        store.close().await;
    });
    runtime().block_on(async {
        let store = open(dir.path());
        assert_eq!(store.head(), 2);
        let r = store
            .append(request(s, ExpectedVersion::Exact(2), vec![event(3)]))
            .await
            .unwrap();
        assert_eq!((r.first_position, r.first_version), (3, 3));
        let report = verify_log(&store).unwrap();
        assert_eq!(report.problem, None, "{report:?}");
        assert_eq!(report.events, 3);
    });
}

#[test]
fn verify_names_a_record_whose_bytes_were_flipped() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = open(dir.path());
        for i in 0..5 {
            let s = StreamId::generate(StreamKind::Ticket);
            store
                .append(request(s, ExpectedVersion::NoStream, vec![event(i)]))
                .await
                .unwrap();
        }
        let (first, bytes) = store.raw_chunks().nth(2).unwrap().unwrap();
        // Flip one payload byte: the record still decodes, the hash no longer matches.
        let mut bytes = bytes.to_vec();
        let view = crate::codec::ChunkView::parse(&bytes).unwrap();
        let record = view.record(0).unwrap();
        let needle = record.payload.clone();
        let at = bytes
            .windows(needle.len())
            .rposition(|w| w == needle.as_slice())
            .unwrap();
        bytes[at] ^= 0x01;
        store.corrupt_chunk_for_tests(first, bytes).unwrap();
        let report = verify_log(&store).unwrap();
        let problem = report.problem.expect("the flip is found");
        assert_eq!(problem.position, first);
        assert!(problem.detail.contains("hash mismatch"), "{problem:?}");
        assert_eq!(problem.stream, Some(record.stream.to_string()));

        // Garbage instead of a chunk is reported as undecodable at that position.
        store
            .corrupt_chunk_for_tests(first, vec![1, 1, 0, 9, 9])
            .unwrap();
        let problem = verify_log(&store).unwrap().problem.unwrap();
        assert_eq!(problem.position, first);
        assert!(problem.detail.contains("decode"), "{problem:?}");
    });
}

#[test]
fn streams_get_gap_free_numbers_per_kind_that_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut tickets = Vec::new();
    runtime().block_on(async {
        let store = open(dir.path());
        for i in 0..3 {
            let t = StreamId::generate(StreamKind::Ticket);
            let r = store
                .append(request(t, ExpectedVersion::NoStream, vec![event(i)]))
                .await
                .unwrap();
            assert_eq!(r.stream_number, 1001 + u64::from(i));
            tickets.push(t);
            let u = StreamId::generate(StreamKind::User);
            let r = store
                .append(request(u, ExpectedVersion::NoStream, vec![event(i)]))
                .await
                .unwrap();
            assert_eq!(r.stream_number, 1 + u64::from(i));
        }
        let again = store
            .append(request(tickets[1], ExpectedVersion::Any, vec![event(7)]))
            .await
            .unwrap();
        assert_eq!(again.stream_number, 1002, "later appends keep the number");
        store.close().await;
    });
    runtime().block_on(async {
        let store = open(dir.path());
        assert_eq!(store.stream_number(tickets[2]).await.unwrap(), Some(1003));
        assert_eq!(
            store
                .stream_by_number(StreamKind::Ticket, 1001)
                .await
                .unwrap(),
            Some(tickets[0])
        );
        assert_eq!(
            store
                .stream_by_number(StreamKind::Ticket, 1004)
                .await
                .unwrap(),
            None
        );
        let t = StreamId::generate(StreamKind::Ticket);
        let r = store
            .append(request(t, ExpectedVersion::NoStream, vec![event(9)]))
            .await
            .unwrap();
        assert_eq!(r.stream_number, 1004);
    });
}

#[test]
fn a_stream_created_and_extended_in_one_group_keeps_its_number() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = open(dir.path());
        let s = StreamId::generate(StreamKind::Ticket);
        // Sent back to back, the three appends land in one group.
        let results = store
            .append_in_order(vec![
                request(s, ExpectedVersion::NoStream, vec![event(1)]),
                request(s, ExpectedVersion::Exact(1), vec![event(2)]),
                request(s, ExpectedVersion::Exact(2), vec![event(3)]),
            ])
            .await;
        for (i, r) in results.into_iter().enumerate() {
            let r = r.unwrap();
            assert_eq!(r.stream_number, 1001);
            assert_eq!(r.first_version, i as u64 + 1);
        }
        assert_eq!(verify_log(&store).unwrap().problem, None);
    });
}

#[test]
fn metrics_count_groups_appends_events_and_syncs() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = open(dir.path());
        let s = StreamId::generate(StreamKind::Ticket);
        let first = request(s, ExpectedVersion::NoStream, vec![event(1), event(2)]);
        store.append(first.clone()).await.unwrap();
        store
            .append(request(s, ExpectedVersion::Exact(2), vec![event(3)]))
            .await
            .unwrap();
        store.append(first).await.unwrap(); // a retry writes nothing
        let m = store.metrics();
        assert_eq!((m.appends, m.events), (2, 3));
        assert!(m.groups >= 1 && m.groups <= 2, "{m:?}");
        assert!(m.syncs >= m.groups, "{m:?}");
        assert_eq!(m.failed_syncs, 0);
    });
}

#[test]
fn long_streams_span_index_pages() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = open(dir.path());
        let s = StreamId::generate(StreamKind::Setting);
        let other = StreamId::generate(StreamKind::Setting);
        let mut appends = Vec::new();
        let mut version = 0;
        while version < 1_200 {
            let expected = match version {
                0 => ExpectedVersion::NoStream,
                v => ExpectedVersion::Exact(v),
            };
            let req = request(s, expected, (0..7).map(event).collect());
            let r = store.append(req.clone()).await.unwrap();
            version = r.last_version;
            appends.push((req, r));
            // Interleave another stream so positions are not consecutive across appends.
            store
                .append(request(other, ExpectedVersion::Any, vec![event(0)]))
                .await
                .unwrap();
        }
        assert_eq!(store.stream_version(s).await.unwrap(), Some(version));
        let tail = store.read_stream(s, 500, 30).await.unwrap();
        assert_eq!(
            tail.iter().map(|r| r.version).collect::<Vec<_>>(),
            (500..530).collect::<Vec<_>>()
        );
        assert!(tail.iter().all(|r| r.stream == s));
        // An append that crossed from page 0 (versions 1-512) to page 1 is still one append.
        let (crossing, original) = appends
            .iter()
            .find(|(_, r)| r.first_version <= 512 && r.last_version > 512)
            .unwrap();
        let retry = store.append(crossing.clone()).await.unwrap();
        assert!(retry.duplicate);
        assert_eq!(retry.first_position, original.first_position);
        let part = request(s, ExpectedVersion::Any, crossing.events[1..].to_vec());
        assert!(matches!(
            store.append(part).await,
            Err(StoreError::IdempotencyMismatch { .. })
        ));
        assert_eq!(verify_log(&store).unwrap().problem, None);
    });
}

#[test]
fn unique_claims_admit_one_holder_and_are_released() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = open(dir.path());
        let alice = StreamId::generate(StreamKind::User);
        let bob = StreamId::generate(StreamKind::User);
        let mut r = request(alice, ExpectedVersion::NoStream, vec![event(1)]);
        r.claims
            .push(claim("user.username", "pat", ClaimAction::Claim));
        store.append(r).await.unwrap();
        assert_eq!(
            store.claim_holder("user.username", "pat").await.unwrap(),
            Some(alice)
        );

        let mut r = request(bob, ExpectedVersion::NoStream, vec![event(2)]);
        r.claims
            .push(claim("user.username", "pat", ClaimAction::Claim));
        let err = store.append(r).await.unwrap_err();
        assert!(
            matches!(err, StoreError::UniqueViolation { holder, .. } if holder == alice),
            "{err:?}"
        );
        assert_eq!(
            store.stream_version(bob).await.unwrap(),
            None,
            "the refused append wrote nothing"
        );

        let mut r = request(bob, ExpectedVersion::NoStream, vec![event(3)]);
        r.claims
            .push(claim("user.username", "pat", ClaimAction::Release));
        let err = store.append(r).await.unwrap_err();
        assert!(matches!(err, StoreError::NotHolder { .. }), "{err:?}");

        let mut r = request(alice, ExpectedVersion::Exact(1), vec![event(4)]);
        r.claims
            .push(claim("user.username", "pat", ClaimAction::Release));
        store.append(r).await.unwrap();
        let mut r = request(bob, ExpectedVersion::NoStream, vec![event(5)]);
        r.claims
            .push(claim("user.username", "pat", ClaimAction::Claim));
        store.append(r).await.unwrap();
        assert_eq!(
            store.claim_holder("user.username", "pat").await.unwrap(),
            Some(bob)
        );
        // Claims are facts of the log: the record carries them.
        let last = store.read_stream(bob, 1, 1).await.unwrap();
        assert_eq!(
            last[0].claims,
            vec![claim("user.username", "pat", ClaimAction::Claim)]
        );
    });
}

#[test]
fn concurrent_claims_of_one_value_have_exactly_one_winner() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = Arc::new(open(dir.path()));
        let mut tasks = Vec::new();
        for i in 0..20 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut r = request(
                    StreamId::generate(StreamKind::User),
                    ExpectedVersion::NoStream,
                    vec![event(i)],
                );
                r.claims
                    .push(claim("user.email", "same@example.com", ClaimAction::Claim));
                store.append(r).await
            }));
        }
        let mut wins = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => wins += 1,
                Err(StoreError::UniqueViolation { .. }) => {}
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(wins, 1);
        assert_eq!(store.head(), 1);
    });
}

#[test]
fn credentials_commit_with_the_append_and_stay_out_of_the_records() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = open(dir.path());
        let user = StreamId::generate(StreamKind::User);
        let mut r = request(user, ExpectedVersion::NoStream, vec![event(1)]);
        r.credentials.push(CredentialWrite {
            key: b"password:pat".to_vec(),
            value: Some(b"$argon2id$secret-hash".to_vec()),
        });
        store.append(r).await.unwrap();
        assert_eq!(
            store.credential(b"password:pat").await.unwrap().as_deref(),
            Some(&b"$argon2id$secret-hash"[..])
        );
        for (_, chunk) in store.raw_chunks().map(Result::unwrap) {
            assert!(
                !chunk.windows(6).any(|w| w == b"secret"),
                "a secret reached the log"
            );
        }
        // A refused append writes no credential either.
        let mut r = request(user, ExpectedVersion::NoStream, vec![event(2)]);
        r.credentials.push(CredentialWrite {
            key: b"password:pat".to_vec(),
            value: None,
        });
        assert!(store.append(r).await.is_err());
        assert!(store.credential(b"password:pat").await.unwrap().is_some());
    });
}

#[test]
fn a_directory_in_use_is_refused_and_free_again_once_closed() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let first = open(dir.path());
        let err = SledEventStore::open(dir.path(), StoreConfig::default())
            .err()
            .expect("a second open of a directory in use");
        assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
        // Closed and dropped, it opens again at once (sled may still be finishing a write of
        // the old handle: opening waits for it).
        first.close().await;
        drop(first);
        let again = open(dir.path());
        again.close().await;
    });
}

#[test]
fn a_failed_sync_acknowledges_nothing_until_the_disk_recovers() {
    failed_sync_recovery(false);
}

fn failed_sync_recovery(pipelined_sync: bool) {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let failing = Arc::new(AtomicBool::new(false));
        let config = StoreConfig {
            pipelined_sync,
            ..StoreConfig::with_failing_sync(failing.clone())
        };
        let store = SledEventStore::open(dir.path(), config).unwrap();
        let s = StreamId::generate(StreamKind::Ticket);
        store
            .append(request(s, ExpectedVersion::NoStream, vec![event(1)]))
            .await
            .unwrap();
        let mut head_moves = store.subscribe();
        head_moves.borrow_and_update();
        assert_eq!(store.known_version(s), Some(1));

        failing.store(true, Ordering::SeqCst);
        let lost = vec![event(2)];
        let err = store
            .append(request(s, ExpectedVersion::Exact(1), lost.clone()))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Io { .. }), "{err:?}");
        assert_eq!(store.head(), 1, "nothing unconfirmed is visible");
        assert_eq!(store.read_all(1, 10).await.unwrap().len(), 1);
        let err = store
            .append(request(s, ExpectedVersion::Any, vec![event(3)]))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
        assert!(!head_moves.has_changed().unwrap());
        // The failed append may become durable unacknowledged: the store no longer claims to
        // know the stream's version, and a read meanwhile (which sees version 1) must not
        // leave that version behind once the disk recovers.
        assert_eq!(store.known_version(s), None);
        assert_eq!(store.read_stream(s, 1, 10).await.unwrap().len(), 1);

        failing.store(false, Ordering::SeqCst);
        // The retry of the failed append finds it: it was applied, and is durable now.
        let retry = store
            .append(request(s, ExpectedVersion::Exact(1), lost))
            .await
            .unwrap();
        assert!(retry.duplicate);
        assert_eq!(retry.first_position, 2);
        assert_eq!(store.head(), 2);
        assert_ne!(
            store.known_version(s),
            Some(1),
            "a stale version survived the failure"
        );
        let r = store
            .append(request(s, ExpectedVersion::Exact(2), vec![event(4)]))
            .await
            .unwrap();
        assert_eq!(r.first_position, 3);
        assert_eq!(store.known_version(s), Some(3));
        assert!(head_moves.has_changed().unwrap());
        assert_eq!(verify_log(&store).unwrap().problem, None);
    });
}

#[test]
fn subscribers_wake_when_the_head_moves() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = Arc::new(open(dir.path()));
        let mut rx = store.subscribe();
        let waiter = tokio::spawn(async move {
            while *rx.borrow_and_update() < 2 {
                rx.changed().await.unwrap();
            }
        });
        let s = StreamId::generate(StreamKind::Ticket);
        store
            .append(request(s, ExpectedVersion::Any, vec![event(1), event(2)]))
            .await
            .unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("woken")
            .unwrap();
    });
}

/// One step of the model test.
#[derive(Debug, Clone)]
enum Op {
    Append {
        stream: usize,
        events: usize,
        expected: u8,
    },
    Retry {
        nth: usize,
    },
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0usize..4, 1usize..4, 0u8..5).prop_map(|(stream, events, expected)| Op::Append { stream, events, expected }),
        1 => any::<usize>().prop_map(|nth| Op::Retry { nth }),
        1 => Just(Op::Reopen),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// The store behaves like a model: a map from stream to its event ids, and a list of
    /// positions, whatever the mix of appends, conflicts, retries and reopens.
    #[test]
    fn the_store_agrees_with_a_model(ops in proptest::collection::vec(op(), 1..30)) {
        let dir = tempfile::tempdir().unwrap();
        let rt = runtime();
        let streams: Vec<StreamId> = (0..4).map(|_| StreamId::generate(StreamKind::Ticket)).collect();
        let mut model: BTreeMap<StreamId, Vec<Ulid>> = BTreeMap::new();
        let mut log: Vec<Ulid> = Vec::new();
        let mut done: Vec<(AppendRequest, AppendResult)> = Vec::new();
        let mut store = Some(open(dir.path()));
        for op in ops {
            match op {
                Op::Append { stream, events, expected } => {
                    let s = streams[stream];
                    let current = model.get(&s).map(|v| v.len() as u64);
                    let expected = match expected {
                        0 => ExpectedVersion::Any,
                        1 => ExpectedVersion::NoStream,
                        2 => ExpectedVersion::StreamExists,
                        3 => ExpectedVersion::Exact(current.unwrap_or(0)),
                        _ => ExpectedVersion::Exact(current.unwrap_or(0) + 1),
                    };
                    let req = request(s, expected, (0..events as u32).map(event).collect());
                    let got = rt.block_on(store.as_ref().unwrap().append(req.clone()));
                    if expected.admits(current) {
                        let r = got.unwrap();
                        prop_assert_eq!(r.first_position, log.len() as u64 + 1);
                        prop_assert_eq!(r.first_version, current.unwrap_or(0) + 1);
                        let ids: Vec<Ulid> = req.events.iter().map(|e| e.event_id).collect();
                        model.entry(s).or_default().extend(&ids);
                        log.extend(ids);
                        done.push((req, r));
                    } else {
                        let is_conflict = matches!(got, Err(StoreError::Conflict { .. }));
                        prop_assert!(is_conflict);
                    }
                }
                Op::Retry { nth } => {
                    if !done.is_empty() {
                        let (req, original) = done[nth % done.len()].clone();
                        let r = rt.block_on(store.as_ref().unwrap().append(req)).unwrap();
                        prop_assert!(r.duplicate);
                        prop_assert_eq!(AppendResult { duplicate: false, ..r }, original);
                    }
                }
                Op::Reopen => {
                    let old = store.take().unwrap();
                    rt.block_on(old.close());
                    drop(old);
                    store = Some(open(dir.path()));
                }
            }
            let s = store.as_ref().unwrap();
            prop_assert_eq!(s.head(), log.len() as u64);
        }
        let s = store.as_ref().unwrap();
        let all = rt.block_on(s.read_all(1, usize::MAX)).unwrap();
        prop_assert_eq!(all.iter().map(|r| r.event_id).collect::<Vec<_>>(), log);
        for (stream, ids) in &model {
            let got = rt.block_on(s.read_stream(*stream, 1, usize::MAX)).unwrap();
            prop_assert_eq!(&got.iter().map(|r| r.event_id).collect::<Vec<_>>(), ids);
        }
        prop_assert_eq!(verify_log(s).unwrap().problem, None);
    }
}
