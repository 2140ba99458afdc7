//! A real event log for read-model tests: commands are decided by the domain aggregates and
//! appended at a clock the test moves, then folded by a projection runner.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use ledgerdesk_core::directory::{Aggregate, CommandContext};
use ledgerdesk_core::{
    Actor, AppendMeta, AppendRequest, DomainEvent, EventStore, ExpectedVersion, SledEventStore,
    StoreConfig, StreamId, Timestamp,
};
use ulid::Ulid;

use crate::{Projection, ProjectionRunner, ProjectionView};

/// 2024-01-01 00:00 UTC in microseconds.
pub const T0: i64 = 1_704_067_200_000_000;
/// One minute in microseconds.
pub const MIN: i64 = 60_000_000;

/// A log, one projection over it, and a clock.
pub struct TestLog {
    _dir: tempfile::TempDir,
    pub runner: ProjectionRunner,
    store: SledEventStore,
    states: HashMap<StreamId, (Box<dyn Any + Send>, u64)>,
    /// The `recorded_at` of the next append.
    pub clock: i64,
    name: &'static str,
}

impl TestLog {
    pub fn new(projection: Arc<dyn Projection>) -> TestLog {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = StoreConfig {
            fdatasync: false,
            ..StoreConfig::default()
        };
        let store = SledEventStore::open(dir.path(), config).expect("store");
        let name = projection.name();
        let runner = ProjectionRunner::open(store.clone(), vec![projection]).expect("runner");
        TestLog {
            _dir: dir,
            runner,
            store,
            states: HashMap::new(),
            clock: T0,
            name,
        }
    }

    /// Decides and appends `command` on `stream`; `false` when the aggregate refuses it.
    pub async fn try_exec<A>(&mut self, stream: StreamId, command: A::Command) -> bool
    where
        A: Aggregate,
        A::State: Send + 'static,
    {
        let (state, version) = match self.states.remove(&stream) {
            Some((s, v)) => (*s.downcast::<A::State>().expect("state type"), v),
            None => (A::State::default(), 0),
        };
        let ctx = CommandContext {
            actor: Actor::User(Ulid(1)),
            now: Timestamp(self.clock),
        };
        let Ok(events) = A::decide(&state, &command, &ctx) else {
            self.states.insert(stream, (Box::new(state), version));
            return false;
        };
        let mut version = version;
        if !events.is_empty() {
            let new = events
                .iter()
                .map(|e| e.to_new_event(Ulid::new()).expect("encodes"))
                .collect();
            let expected = match version {
                0 => ExpectedVersion::NoStream,
                v => ExpectedVersion::Exact(v),
            };
            let mut request = AppendRequest::new(stream, expected, AppendMeta::new(ctx.actor), new);
            request.recorded_at = Some(Timestamp(self.clock));
            let Ok(done) = self.store.append(request).await else {
                // A unique claim refused it: nothing was written.
                self.states.insert(stream, (Box::new(state), version));
                return false;
            };
            version = done.last_version;
        }
        let state = events.iter().fold(state, A::evolve);
        self.states.insert(stream, (Box::new(state), version));
        true
    }

    /// A command that must be accepted.
    pub async fn exec<A>(&mut self, stream: StreamId, command: A::Command)
    where
        A: Aggregate,
        A::State: Send + 'static,
        A::Command: std::fmt::Debug + Clone,
    {
        assert!(
            self.try_exec::<A>(stream, command.clone()).await,
            "refused: {command:?}"
        );
    }

    /// The caught-up model.
    pub async fn view(&self) -> ProjectionView {
        self.runner.catch_up().await.expect("catch up");
        self.runner.view(self.name).expect("view")
    }

    /// Rebuilds the model from the log and asserts it equals the live one.
    pub async fn assert_rebuild_matches(&self) {
        self.runner.catch_up().await.expect("catch up");
        let live = self.runner.digest(self.name).expect("digest");
        self.runner.rebuild(self.name).await.expect("rebuild");
        assert_eq!(self.runner.digest(self.name).expect("digest"), live);
    }
}

/// A multi-threaded runtime for tests that drive the runner.
pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}
