//! The command service: the write path between an API handler and the log.
//!
//! For one command on one stream it loads the aggregate's state (a bounded cache of folded
//! states, topped up from the log; on a miss, a fold of the whole stream), calls the pure
//! `decide`, turns the events into an append with the stream's expected version and the
//! unique claims the events imply, and appends. A version conflict (someone else appended in
//! between) reloads and decides again, a bounded number of times; a conflict with the
//! caller's own `If-Match` version is reported at once.
//!
//! Idempotency: with an idempotency key, event ids are derived from the key, and the service
//! first looks for the first of them in the log. If it is there, the command already ran: the
//! original result comes back (`duplicate`), and `decide` is not asked again (it would now
//! refuse, e.g. "already exists"). A run whose append failed after it was applied (the disk
//! failed to sync; its caller got an error) is found the same way once the disk recovers: the
//! retry's append names the key's event ids, the store says they are there already, and the
//! first run's result is answered.

use std::any::Any;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use ulid::Ulid;

use crate::aggregate::{Aggregate, CommandContext};
use crate::codec::{CodecError, DomainEvent};
use crate::envelope::{AppendMeta, AppendRequest, CredentialWrite, ExpectedVersion};
use crate::ids::StreamId;
use crate::store::{EventStore, StoreError};

/// How many times a command is decided again after a version conflict.
const MAX_ATTEMPTS: u32 = 5;
/// Events read per call while folding a stream.
const READ_CHUNK: usize = 1_000;

/// Options of one command execution, from the request's headers.
#[derive(Debug, Clone, Default)]
pub struct CommandOptions {
    /// `If-Match`: the stream version the caller last saw; a mismatch is refused, not retried.
    pub if_match: Option<u64>,
    /// A key that makes a retry return the first result. Scope it to the caller (e.g. prefix the
    /// user id): two callers using the same key must not collide.
    pub idempotency_key: Option<String>,
    /// The request's correlation id (one per API request); generated when absent.
    pub correlation_id: Option<Ulid>,
    /// What directly caused this command, if known.
    pub causation_id: Option<Ulid>,
    /// Credential-store writes committed with the events.
    pub credentials: Vec<CredentialWrite>,
}

/// What a command did.
#[derive(Debug, Clone, PartialEq)]
pub struct Executed<E> {
    /// The stream (for a retried create: the stream the first attempt created).
    pub stream: StreamId,
    /// The stream's version after the command.
    pub version: u64,
    /// The log position of the last event written (or, for a no-op, the head when decided).
    pub position: u64,
    /// The stream's sequential number within its kind (0 if the stream has no events).
    pub stream_number: u64,
    /// The events the command produced (empty: nothing to change).
    pub events: Vec<E>,
    /// This was a retry of a command already in the log: nothing was written now.
    pub duplicate: bool,
}

/// Why a command did not run.
#[derive(Debug, thiserror::Error)]
pub enum CommandError<E: std::error::Error> {
    /// The domain refused it: the rule is in the error.
    #[error(transparent)]
    Rejected(E),
    /// `If-Match` named another version than the stream's.
    #[error("the stream is at version {current}, not {expected}")]
    VersionMismatch {
        /// What the caller sent.
        expected: u64,
        /// The stream's version.
        current: u64,
    },
    /// Others kept appending to the stream; gave up after this many attempts.
    #[error("the stream kept changing; gave up after {0} attempts")]
    Contention(u32),
    /// The store refused or failed.
    #[error(transparent)]
    Store(StoreError),
    /// A stored event of the stream does not decode.
    #[error(transparent)]
    Codec(#[from] CodecError),
}

impl<E: std::error::Error> From<StoreError> for CommandError<E> {
    fn from(e: StoreError) -> Self {
        CommandError::Store(e)
    }
}

struct Cached {
    version: u64,
    state: Arc<dyn Any + Send + Sync>,
}

/// Loads, decides and appends commands of any [`Aggregate`] against one event store.
pub struct CommandService<S: ?Sized> {
    store: Arc<S>,
    cache: Mutex<lru::LruCache<StreamId, Cached>>,
}

impl<S: EventStore + ?Sized> CommandService<S> {
    /// A service over `store`, caching the states of up to `cache_streams` streams.
    pub fn new(store: Arc<S>, cache_streams: usize) -> CommandService<S> {
        let capacity = NonZeroUsize::new(cache_streams.max(1)).unwrap_or(NonZeroUsize::MIN);
        CommandService {
            store,
            cache: Mutex::new(lru::LruCache::new(capacity)),
        }
    }

    /// The store this service appends to.
    pub fn store(&self) -> &Arc<S> {
        &self.store
    }

    /// The current state of `stream` and its version (0: no events).
    pub async fn load<A>(&self, stream: StreamId) -> Result<(A::State, u64), CodecError>
    where
        A: Aggregate,
        A::State: Send + Sync + 'static,
    {
        let cached = self.cache.lock().ok().and_then(|mut c| {
            c.get(&stream).and_then(|hit| {
                let state = hit.state.clone().downcast::<A::State>().ok()?;
                Some(((*state).clone(), hit.version))
            })
        });
        if let Some((state, version)) = cached {
            // The store knows the stream is still at the cached version: no read needed.
            if self.store.known_version(stream) == Some(version) {
                return Ok((state, version));
            }
            return self.load_after::<A>(stream, state, version).await;
        }
        self.load_after::<A>(stream, A::State::default(), 0).await
    }

    /// `state` at `version`, brought up to the stream's durable end.
    async fn load_after<A>(
        &self,
        stream: StreamId,
        mut state: A::State,
        cached_version: u64,
    ) -> Result<(A::State, u64), CodecError>
    where
        A: Aggregate,
        A::State: Send + Sync + 'static,
    {
        let mut version = cached_version;
        loop {
            let records = self
                .store
                .read_stream(stream, version + 1, READ_CHUNK)
                .await
                .map_err(|e| CodecError::Decode {
                    what: format!("stream {stream}"),
                    detail: e.to_string(),
                })?;
            for record in &records {
                state = A::evolve(state, &A::Event::from_recorded(record)?);
                version = record.version;
            }
            if records.len() < READ_CHUNK {
                break;
            }
        }
        // A cache hit that is still current needs no second copy (the cache's LRU order is
        // already refreshed by the lookup).
        if version != cached_version {
            self.remember(stream, version, &state);
        }
        Ok((state, version))
    }

    fn remember<T: Clone + Send + Sync + 'static>(
        &self,
        stream: StreamId,
        version: u64,
        state: &T,
    ) {
        if version == 0 {
            return;
        }
        if let Ok(mut cache) = self.cache.lock() {
            cache.put(
                stream,
                Cached {
                    version,
                    state: Arc::new(state.clone()),
                },
            );
        }
    }

    /// Runs `command` on `stream` on behalf of `ctx.actor`.
    pub async fn execute<A>(
        &self,
        stream: StreamId,
        command: &A::Command,
        ctx: &CommandContext,
        options: CommandOptions,
    ) -> Result<Executed<A::Event>, CommandError<A::Error>>
    where
        A: Aggregate,
        A::State: Send + Sync + 'static,
    {
        if let Some(key) = &options.idempotency_key {
            if let Some(done) = self.find_previous::<A>(key).await? {
                return Ok(done);
            }
        }
        // Not `unwrap_or_default`: a default ULID is the nil id, not a fresh one.
        let correlation_id = match options.correlation_id {
            Some(id) => id,
            None => Ulid::new(),
        };
        for _attempt in 0..MAX_ATTEMPTS {
            let (state, version) = self.load::<A>(stream).await?;
            if let Some(expected) = options.if_match {
                if expected != version {
                    return Err(CommandError::VersionMismatch {
                        expected,
                        current: version,
                    });
                }
            }
            let events = A::decide(&state, command, ctx).map_err(CommandError::Rejected)?;
            if events.is_empty() {
                let stream_number = self.store.stream_number(stream).await?.unwrap_or(0);
                return Ok(Executed {
                    stream,
                    version,
                    position: self.store.head(),
                    stream_number,
                    events,
                    duplicate: false,
                });
            }
            let mut new_events = Vec::with_capacity(events.len());
            for (i, event) in events.iter().enumerate() {
                let id = match &options.idempotency_key {
                    Some(key) => derived_event_id(key, i),
                    None => Ulid::new(),
                };
                new_events.push(event.to_new_event(id)?);
            }
            let expected = match (options.if_match, version) {
                (Some(v), _) | (None, v) if v > 0 => ExpectedVersion::Exact(v),
                _ => ExpectedVersion::NoStream,
            };
            let mut request = AppendRequest::new(
                stream,
                expected,
                AppendMeta {
                    actor: ctx.actor,
                    correlation_id,
                    causation_id: options.causation_id,
                },
                new_events,
            );
            request.claims = events.iter().flat_map(A::claims).collect();
            request.credentials = options.credentials.clone();
            match self.store.append(request).await {
                Ok(result) => {
                    let state = events.iter().fold(state, A::evolve);
                    if !result.duplicate {
                        self.remember(stream, result.last_version, &state);
                    }
                    return Ok(Executed {
                        stream,
                        version: result.last_version,
                        position: result.last_position,
                        stream_number: result.stream_number,
                        events,
                        duplicate: result.duplicate,
                    });
                }
                // The key's events are in the log but not as this append: an earlier run
                // that was applied while the disk failed (its caller got an error), made
                // durable since. Its result is the answer to this retry.
                Err(StoreError::IdempotencyMismatch { event_id }) => {
                    if let Some(key) = &options.idempotency_key {
                        if let Some(done) = self.find_previous::<A>(key).await? {
                            return Ok(done);
                        }
                    }
                    return Err(CommandError::Store(StoreError::IdempotencyMismatch {
                        event_id,
                    }));
                }
                Err(StoreError::Conflict { .. }) if options.if_match.is_none() => continue,
                Err(StoreError::Conflict { current, .. }) => {
                    return Err(CommandError::VersionMismatch {
                        expected: options.if_match.unwrap_or(version),
                        current: current.unwrap_or(0),
                    })
                }
                Err(other) => return Err(CommandError::Store(other)),
            }
        }
        Err(CommandError::Contention(MAX_ATTEMPTS))
    }

    /// The result of an earlier run of the command with this idempotency key, if any.
    async fn find_previous<A: Aggregate>(
        &self,
        key: &str,
    ) -> Result<Option<Executed<A::Event>>, CommandError<A::Error>> {
        let Some(first) = self.store.find_event(derived_event_id(key, 0)).await? else {
            return Ok(None);
        };
        let mut records = vec![first];
        while let Some(next) = self
            .store
            .find_event(derived_event_id(key, records.len()))
            .await?
        {
            records.push(next);
        }
        let events = records
            .iter()
            .map(A::Event::from_recorded)
            .collect::<Result<Vec<_>, _>>()?;
        let last = &records[records.len() - 1];
        let stream = last.stream;
        Ok(Some(Executed {
            stream,
            version: last.version,
            position: last.position,
            stream_number: self.store.stream_number(stream).await?.unwrap_or(0),
            events,
            duplicate: true,
        }))
    }
}

/// The id of the `index`-th event of the command run under idempotency `key`: the same for
/// every retry, distinct across keys and indexes.
pub fn derived_event_id(key: &str, index: usize) -> Ulid {
    let mut h = blake3::Hasher::new();
    h.update(b"ledgerdesk idempotency v1\0");
    h.update(&(index as u64).to_le_bytes());
    h.update(key.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&h.finalize().as_bytes()[..16]);
    Ulid::from_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::setting::{
        SettingAggregate, SettingCommand, SettingError, SettingEvent, SettingValue,
    };
    use crate::ids::{Actor, StreamKind, Timestamp};
    use crate::store::{SledEventStore, StoreConfig};

    fn ctx() -> CommandContext {
        CommandContext {
            actor: Actor::System,
            now: Timestamp::from_secs(1_800_000_000),
        }
    }

    fn set(name: &str, value: i64) -> SettingCommand {
        SettingCommand::Set {
            name: name.to_owned(),
            value: SettingValue::Integer(value),
        }
    }

    fn service(dir: &std::path::Path) -> CommandService<SledEventStore> {
        let store = SledEventStore::open(dir, StoreConfig::default()).unwrap();
        CommandService::new(Arc::new(store), 16)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn commands_are_decided_on_the_loaded_state_and_appended() {
        let dir = tempfile::tempdir().unwrap();
        let svc = service(dir.path());
        let s = StreamId::generate(StreamKind::Setting);
        let first = svc
            .execute::<SettingAggregate>(s, &set("gen:a", 1), &ctx(), CommandOptions::default())
            .await
            .unwrap();
        assert_eq!(
            (first.version, first.position, first.stream_number),
            (1, 1, 1)
        );
        assert!(matches!(first.events[..], [SettingEvent::Defined(_)]));
        let second = svc
            .execute::<SettingAggregate>(s, &set("gen:a", 2), &ctx(), CommandOptions::default())
            .await
            .unwrap();
        assert_eq!(second.version, 2);
        // Nothing to change: no event, no write.
        let same = svc
            .execute::<SettingAggregate>(s, &set("gen:a", 2), &ctx(), CommandOptions::default())
            .await
            .unwrap();
        assert!(same.events.is_empty());
        assert_eq!(svc.store().head(), 2);
        // A refusal of the domain comes back typed, and writes nothing.
        let wrong = svc
            .execute::<SettingAggregate>(s, &set("gen:b", 1), &ctx(), CommandOptions::default())
            .await
            .unwrap_err();
        assert!(
            matches!(wrong, CommandError::Rejected(SettingError::WrongName(_))),
            "{wrong:?}"
        );
        // A fresh service (cold cache) folds the stream from the log.
        let (state, version) = CommandService::new(svc.store().clone(), 1)
            .load::<SettingAggregate>(s)
            .await
            .unwrap();
        assert_eq!(version, 2);
        assert_eq!(state.value, Some(SettingValue::Integer(2)));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn if_match_is_checked_and_never_retried() {
        let dir = tempfile::tempdir().unwrap();
        let svc = service(dir.path());
        let s = StreamId::generate(StreamKind::Setting);
        svc.execute::<SettingAggregate>(s, &set("gen:a", 1), &ctx(), CommandOptions::default())
            .await
            .unwrap();
        let stale = CommandOptions {
            if_match: Some(0),
            ..CommandOptions::default()
        };
        let err = svc
            .execute::<SettingAggregate>(s, &set("gen:a", 5), &ctx(), stale)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                CommandError::VersionMismatch {
                    expected: 0,
                    current: 1
                }
            ),
            "{err:?}"
        );
        let fresh = CommandOptions {
            if_match: Some(1),
            ..CommandOptions::default()
        };
        let ok = svc
            .execute::<SettingAggregate>(s, &set("gen:a", 5), &ctx(), fresh)
            .await
            .unwrap();
        assert_eq!(ok.version, 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_idempotent_retry_returns_the_first_result_even_for_a_create() {
        let dir = tempfile::tempdir().unwrap();
        let svc = service(dir.path());
        let options = || CommandOptions {
            idempotency_key: Some("user-1:create-setting-42".to_owned()),
            ..CommandOptions::default()
        };
        let first_stream = StreamId::generate(StreamKind::Setting);
        let first = svc
            .execute::<SettingAggregate>(first_stream, &set("gen:x", 1), &ctx(), options())
            .await
            .unwrap();
        // The retry comes with a new stream id, as a create handler generates one per request.
        let retry = svc
            .execute::<SettingAggregate>(
                StreamId::generate(StreamKind::Setting),
                &set("gen:x", 1),
                &ctx(),
                options(),
            )
            .await
            .unwrap();
        assert!(retry.duplicate);
        assert_eq!(retry.stream, first_stream);
        assert_eq!(
            (retry.version, retry.position, retry.stream_number),
            (first.version, first.position, first.stream_number)
        );
        assert_eq!(retry.events, first.events);
        assert_eq!(svc.store().head(), 1);
    }

    /// A create whose append was applied but never confirmed (the sync failed: the caller got
    /// an error) is answered to its retry once the disk recovers, though the retry names
    /// another new stream: one setting, the first run's.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_retry_after_a_failed_sync_answers_the_run_the_store_kept() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let failing = Arc::new(AtomicBool::new(false));
        let config = StoreConfig::with_failing_sync(failing.clone());
        let store = SledEventStore::open(dir.path(), config).unwrap();
        let svc = CommandService::new(Arc::new(store), 16);
        let options = || CommandOptions {
            idempotency_key: Some("user-1:create-setting-7".to_owned()),
            ..CommandOptions::default()
        };
        failing.store(true, Ordering::SeqCst);
        let first_stream = StreamId::generate(StreamKind::Setting);
        let failed = svc
            .execute::<SettingAggregate>(first_stream, &set("gen:y", 7), &ctx(), options())
            .await;
        assert!(matches!(failed, Err(CommandError::Store(_))), "{failed:?}");
        assert_eq!(svc.store().head(), 0, "nothing unconfirmed is visible");

        failing.store(false, Ordering::SeqCst);
        let retry = svc
            .execute::<SettingAggregate>(
                StreamId::generate(StreamKind::Setting),
                &set("gen:y", 7),
                &ctx(),
                options(),
            )
            .await
            .unwrap();
        assert!(retry.duplicate);
        assert_eq!(retry.stream, first_stream);
        assert_eq!((retry.version, retry.position), (1, 1));
        assert_eq!(svc.store().head(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_commands_on_one_stream_are_retried_after_conflicts() {
        let dir = tempfile::tempdir().unwrap();
        let svc = Arc::new(service(dir.path()));
        let s = StreamId::generate(StreamKind::Setting);
        svc.execute::<SettingAggregate>(s, &set("gen:n", 0), &ctx(), CommandOptions::default())
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for i in 1..=8 {
            let svc = svc.clone();
            tasks.push(tokio::spawn(async move {
                svc.execute::<SettingAggregate>(
                    s,
                    &set("gen:n", i),
                    &ctx(),
                    CommandOptions::default(),
                )
                .await
            }));
        }
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                Err(CommandError::Contention(_)) => {}
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        assert!(ok >= 1);
        let (_, version) = svc.load::<SettingAggregate>(s).await.unwrap();
        assert_eq!(version, 1 + ok);
    }

    /// A cache hit is answered without reading the stream only while the store knows the
    /// stream is still at the cached version: an append made around this cache (another
    /// service on the same store) is seen by the next load.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cached_state_is_refreshed_after_an_append_it_did_not_make() {
        let dir = tempfile::tempdir().unwrap();
        let svc = service(dir.path());
        let other = CommandService::new(svc.store().clone(), 16);
        let s = StreamId::generate(StreamKind::Setting);
        svc.execute::<SettingAggregate>(s, &set("gen:c", 1), &ctx(), CommandOptions::default())
            .await
            .unwrap();
        assert_eq!(svc.store().known_version(s), Some(1));
        let (_, cached) = svc.load::<SettingAggregate>(s).await.unwrap();
        assert_eq!(cached, 1);
        other
            .execute::<SettingAggregate>(s, &set("gen:c", 2), &ctx(), CommandOptions::default())
            .await
            .unwrap();
        let (state, version) = svc.load::<SettingAggregate>(s).await.unwrap();
        assert_eq!(version, 2);
        assert_eq!(state.value, Some(SettingValue::Integer(2)));
    }

    #[test]
    fn derived_ids_are_stable_and_distinct() {
        assert_eq!(derived_event_id("k", 0), derived_event_id("k", 0));
        assert_ne!(derived_event_id("k", 0), derived_event_id("k", 1));
        assert_ne!(derived_event_id("k", 0), derived_event_id("j", 0));
    }
}
