//! The runner against a small model with hand-computable content: events counted per stream
//! and per type. Checks catch-up, following the head, read-your-writes waits, version-bump
//! rebuilds with the old model served meanwhile, failures that stop one projection only,
//! resumption from a checkpoint after a stop, and digest equality of live and rebuilt models.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ledgerdesk_core::{
    Actor, AppendMeta, AppendRequest, EventStore, ExpectedVersion, NewEvent, RecordedEvent,
    SledEventStore, StoreConfig, StreamId, StreamKind,
};
use ledgerdesk_projections::{Changes, Projection, ProjectionError, ProjectionRunner};
use proptest::prelude::*;

/// Counts events per stream (`s/<stream>`) and per type (`t/<type>`); version 2 also counts
/// payload bytes (`b/<stream>`), so a version bump changes the content.
struct Counter {
    version: u32,
    /// Refuse events from this position on (0: never), to play a failing projection.
    fail_from: Arc<AtomicU64>,
}

impl Counter {
    fn new(version: u32) -> Arc<Counter> {
        Arc::new(Counter {
            version,
            fail_from: Arc::new(AtomicU64::new(0)),
        })
    }
}

fn bump(changes: &mut Changes<'_>, key: &[u8], by: u64) -> Result<(), ProjectionError> {
    let n = changes
        .get(key)?
        .map(|v| u64::from_be_bytes(v.try_into().unwrap_or([0; 8])))
        .unwrap_or(0);
    changes.insert(key, (n + by).to_be_bytes().to_vec());
    Ok(())
}

impl Projection for Counter {
    fn name(&self) -> &'static str {
        "counter"
    }
    fn version(&self) -> u32 {
        self.version
    }
    fn apply(
        &self,
        changes: &mut Changes<'_>,
        event: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        let fail_from = self.fail_from.load(Ordering::SeqCst);
        if fail_from != 0 && event.position >= fail_from {
            return Err(ProjectionError::Inconsistent(format!(
                "refusing position {}",
                event.position
            )));
        }
        bump(changes, format!("s/{}", event.stream).as_bytes(), 1)?;
        bump(changes, format!("t/{}", event.event_type).as_bytes(), 1)?;
        if self.version >= 2 {
            bump(
                changes,
                format!("b/{}", event.stream).as_bytes(),
                event.payload.len() as u64,
            )?;
        }
        Ok(())
    }
}

/// A second projection, to show that one failing does not stop the other.
struct Total;
impl Projection for Total {
    fn name(&self) -> &'static str {
        "total"
    }
    fn version(&self) -> u32 {
        1
    }
    fn apply(
        &self,
        changes: &mut Changes<'_>,
        _event: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        bump(changes, b"total", 1)
    }
}

fn count(runner: &ProjectionRunner, name: &str, key: &str) -> u64 {
    runner
        .view(name)
        .unwrap()
        .get(key.as_bytes())
        .unwrap()
        .map(|v| u64::from_be_bytes(v.try_into().unwrap()))
        .unwrap_or(0)
}

async fn append(store: &SledEventStore, stream: StreamId, types: &[&str]) -> u64 {
    let events = types
        .iter()
        .map(|t| NewEvent {
            event_id: ulid::Ulid::new(),
            event_type: (*t).to_owned(),
            schema_version: 1,
            payload: t.as_bytes().to_vec(),
        })
        .collect();
    store
        .append(AppendRequest::new(
            stream,
            ExpectedVersion::Any,
            AppendMeta::new(Actor::System),
            events,
        ))
        .await
        .unwrap()
        .last_position
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn catches_up_follows_the_head_and_waits_for_a_position() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let store = SledEventStore::open(dir.path(), StoreConfig::default()).unwrap();
        let a = StreamId::generate(StreamKind::Ticket);
        let b = StreamId::generate(StreamKind::Ticket);
        append(&store, a, &["x", "y"]).await;
        append(&store, b, &["x"]).await;
        let runner =
            ProjectionRunner::open(store.clone(), vec![Counter::new(1), Arc::new(Total)]).unwrap();
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let tasks = runner.start(shutdown);
        runner
            .wait_for(&["counter", "total"], 3, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(count(&runner, "counter", &format!("s/{a}")), 2);
        assert_eq!(count(&runner, "counter", "t/x"), 2);
        assert_eq!(count(&runner, "total", "total"), 3);

        let position = append(&store, b, &["z"]).await;
        runner
            .wait_for(&["counter"], position, Duration::from_secs(5))
            .await
            .unwrap();
        let view = runner.view("counter").unwrap();
        assert!(view.position() >= position);
        assert_eq!(count(&runner, "counter", &format!("s/{b}")), 2);

        let err = runner
            .wait_for(&["counter"], position + 100, Duration::from_millis(50))
            .await
            .unwrap_err();
        assert_eq!(err.wanted, position + 100);
        assert_eq!(err.positions, vec![("counter", position)]);

        // Scans come back in key order, and from a cursor.
        let types: Vec<String> = view
            .scan(b"t/", None, false)
            .map(|kv| String::from_utf8(kv.unwrap().0).unwrap())
            .collect();
        assert_eq!(types, ["t/x", "t/y", "t/z"]);
        let after: Vec<String> = view
            .scan(b"t/", Some(b"t/x"), false)
            .map(|kv| String::from_utf8(kv.unwrap().0).unwrap())
            .collect();
        assert_eq!(after, ["t/y", "t/z"]);
        let reversed: Vec<String> = view
            .scan(b"t/", None, true)
            .map(|kv| String::from_utf8(kv.unwrap().0).unwrap())
            .collect();
        assert_eq!(reversed, ["t/z", "t/y", "t/x"]);
        stop.send_replace(true);
        for t in tasks {
            t.await.unwrap();
        }
    });
}

#[test]
fn a_version_bump_rebuilds_while_the_old_model_is_served() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let store = SledEventStore::open(dir.path(), StoreConfig::default()).unwrap();
        let a = StreamId::generate(StreamKind::Ticket);
        append(&store, a, &["x", "yy"]).await;
        let v1 = ProjectionRunner::open(store.clone(), vec![Counter::new(1)]).unwrap();
        v1.catch_up().await.unwrap();
        v1.store_all().await.unwrap();
        let old_digest = v1.digest("counter").unwrap();
        drop(v1);

        let v2 = ProjectionRunner::open(store.clone(), vec![Counter::new(2)]).unwrap();
        // Before the rebuild, queries still read the version-1 model.
        assert_eq!(v2.digest("counter").unwrap(), old_digest);
        assert_eq!(count(&v2, "counter", &format!("b/{a}")), 0);
        v2.catch_up().await.unwrap();
        assert_eq!(count(&v2, "counter", &format!("b/{a}")), 3);
        assert_eq!(count(&v2, "counter", &format!("s/{a}")), 2);
        assert_ne!(v2.digest("counter").unwrap(), old_digest);
        assert_eq!(v2.status()[0].rebuilding, None);
        drop(v2);

        // Reopened at version 2, no second rebuild happens: the model stays as it is.
        let again = ProjectionRunner::open(store.clone(), vec![Counter::new(2)]).unwrap();
        assert_eq!(count(&again, "counter", &format!("b/{a}")), 3);
    });
}

#[test]
fn a_failing_projection_stops_alone_and_resumes_from_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let store = SledEventStore::open(dir.path(), StoreConfig::default()).unwrap();
        let s = StreamId::generate(StreamKind::Ticket);
        for _ in 0..5 {
            append(&store, s, &["x"]).await;
        }
        let counter = Counter::new(1);
        counter.fail_from.store(4, Ordering::SeqCst);
        let runner =
            ProjectionRunner::open(store.clone(), vec![counter.clone(), Arc::new(Total)]).unwrap();
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let tasks = runner.start(shutdown);
        runner
            .wait_for(&["total"], 5, Duration::from_secs(5))
            .await
            .unwrap();
        // The failure is reported with the position; the other projection went on.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        let failure = loop {
            let status = runner.status();
            if let Some(f) = status
                .iter()
                .find(|s| s.name == "counter")
                .and_then(|s| s.failure.clone())
            {
                break f;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no failure reported"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        assert!(failure.1.contains("refusing position 4"), "{failure:?}");
        assert_eq!(count(&runner, "total", "total"), 5);
        // Nothing of the failed chunk was applied: exactly once, all or nothing.
        assert_eq!(count(&runner, "counter", &format!("s/{s}")), 0);
        stop.send_replace(true);
        for t in tasks {
            t.await.unwrap();
        }
        drop(runner);

        counter.fail_from.store(0, Ordering::SeqCst);
        let restarted = ProjectionRunner::open(store.clone(), vec![counter.clone()]).unwrap();
        restarted.catch_up().await.unwrap();
        assert_eq!(count(&restarted, "counter", &format!("s/{s}")), 5);
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    /// A model caught up in pieces (stopping between appends, as a crash at a chunk boundary
    /// would) and a rebuild from scratch have the same digest.
    #[test]
    fn live_and_rebuilt_models_have_the_same_digest(history in proptest::collection::vec((0usize..5, proptest::collection::vec("[a-c]", 1..4)), 1..25)) {
        let dir = tempfile::tempdir().unwrap();
        rt().block_on(async {
            let store = SledEventStore::open(dir.path(), StoreConfig::default()).unwrap();
            let streams: Vec<StreamId> = (0..5).map(|_| StreamId::generate(StreamKind::Ticket)).collect();
            for (i, (s, types)) in history.iter().enumerate() {
                let types: Vec<&str> = types.iter().map(String::as_str).collect();
                append(&store, streams[*s], &types).await;
                if i % 3 == 0 {
                    // Catch up with what exists now, then drop the runner: a clean stop
                    // (what was applied is stored) or a crash (what is only in memory is lost).
                    let runner = ProjectionRunner::open(store.clone(), vec![Counter::new(1)]).unwrap();
                    runner.catch_up().await.unwrap();
                    if i % 2 == 0 {
                        runner.store_all().await.unwrap();
                    }
                }
            }
            let live = ProjectionRunner::open(store.clone(), vec![Counter::new(1)]).unwrap();
            live.catch_up().await.unwrap();
            let live_digest = live.digest("counter").unwrap();
            live.rebuild("counter").await.unwrap();
            assert_eq!(live.digest("counter").unwrap(), live_digest);
            assert_eq!(live.status()[0].position, store.head());
        });
    }
}
