//! [`SledEventStore`]: the embedded event log on sled 0.34.
//!
//! Reads happen on the caller's thread, straight from sled, and never look past the durable head.
//! Appends go through one writer thread ([`super::writer`]) that commits them in groups.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot, watch};
use ulid::Ulid;

use super::error::StoreError;
use super::keys;
use super::syncer::{self, Shared};
use super::writer::{self, Job, WriterState};
use super::EventStore;
use crate::codec::{ChunkView, GENESIS_HASH};
use crate::envelope::{AppendRequest, AppendResult, RecordedEvent};
use crate::ids::{StreamId, StreamKind, Timestamp};

/// Called after sled's flush and before the `fdatasync` of every group: a fault-injection point
/// for tests (an error here is handled exactly like a failed flush).
pub type SyncHook = Arc<dyn Fn() -> std::io::Result<()> + Send + Sync>;

/// How the store commits. The defaults are what the server uses.
#[derive(Clone)]
pub struct StoreConfig {
    /// Commit concurrent appends together (one batch, one flush, one `fdatasync` per group).
    /// `false` commits every append on its own: the baseline the benchmark compares against.
    pub group_commit: bool,
    /// The most appends one group takes.
    pub max_group_appends: usize,
    /// How many appends may wait for the writer before callers wait to enqueue.
    pub queue_capacity: usize,
    /// Follow sled's flush with an `fdatasync` of its data file. sled 0.34.7 ends its flush in
    /// `sync_file_range`, which survives a killed process but not a power cut; only tests that
    /// measure the difference turn this off.
    pub fdatasync: bool,
    /// Fault injection for tests; `None` in production.
    pub sync_hook: Option<SyncHook>,
    /// sled's page cache size in bytes.
    pub cache_capacity_bytes: u64,
    /// Sync on a second thread while the writer applies the next group (see
    /// [`super::writer`]). Off, the writer syncs each group itself before taking the next.
    pub pipelined_sync: bool,
    /// How long, at most, the writer keeps gathering appends that are still arriving before it
    /// commits a group (microseconds; 0 takes only what is already waiting).
    pub gather_window_us: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            group_commit: true,
            max_group_appends: 1024,
            queue_capacity: 8192,
            fdatasync: true,
            sync_hook: None,
            cache_capacity_bytes: 256 * 1024 * 1024,
            pipelined_sync: false,
            gather_window_us: 400,
        }
    }
}

impl StoreConfig {
    /// The default configuration over a disk whose syncs fail ("No space left on device")
    /// while `failing` is set: fault injection for the tests of a full or failing disk.
    pub fn with_failing_sync(failing: std::sync::Arc<std::sync::atomic::AtomicBool>) -> Self {
        StoreConfig {
            sync_hook: Some(std::sync::Arc::new(move || {
                if failing.load(std::sync::atomic::Ordering::SeqCst) {
                    Err(std::io::Error::other("No space left on device"))
                } else {
                    Ok(())
                }
            })),
            ..StoreConfig::default()
        }
    }
}

impl std::fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreConfig")
            .field("group_commit", &self.group_commit)
            .field("max_group_appends", &self.max_group_appends)
            .field("queue_capacity", &self.queue_capacity)
            .field("fdatasync", &self.fdatasync)
            .field("pipelined_sync", &self.pipelined_sync)
            .field("gather_window_us", &self.gather_window_us)
            .field("sync_hook", &self.sync_hook.is_some())
            .finish()
    }
}

/// sled segment size. sled writes any log message larger than a quarter of a segment to a
/// separate blob file without syncing it, so segments are sized to keep every node (at most 17
/// chunks of at most [`writer::MAX_CHUNK_BYTES`] plus one oversized record) far below that.
const SEGMENT_SIZE: usize = 8 * 1024 * 1024;

/// How long opening waits for sled's lock on the data directory. sled 0.34 releases it only
/// when the last of its background writes of a closed database has finished, which can be
/// shortly after the handle was dropped: a process that closes the store and opens it again
/// (the replay tool, tests) would otherwise fail now and then. Another process holding the
/// directory still gets [`StoreError::Unavailable`], after this long.
pub(crate) const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Opens sled in `path`, waiting up to [`LOCK_WAIT`] for its lock.
fn open_db(path: &Path, config: &StoreConfig) -> Result<sled::Db, StoreError> {
    let started = std::time::Instant::now();
    loop {
        let opened = sled::Config::new()
            .path(path)
            .segment_size(SEGMENT_SIZE)
            .flush_every_ms(None)
            .cache_capacity(config.cache_capacity_bytes)
            .open();
        match opened {
            Ok(db) => return Ok(db),
            Err(sled::Error::Io(io)) if io.to_string().contains("lock") => {
                if started.elapsed() >= LOCK_WAIT {
                    return Err(StoreError::Unavailable(format!(
                        "{} is in use by another process ({io})",
                        path.display()
                    )));
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(other) => return Err(StoreError::sled("opening the database", other)),
        }
    }
}

/// The sled-backed event log. Cheap to clone; all clones share one writer.
#[derive(Clone)]
pub struct SledEventStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    db: sled::Db,
    log: sled::Tree,
    sender: Mutex<Option<mpsc::Sender<Job>>>,
    head: watch::Receiver<u64>,
    shared: Arc<Shared>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

impl SledEventStore {
    /// Opens (or creates) the log in directory `path`. Fails with [`StoreError::Unavailable`]
    /// when another process holds the directory (after waiting two seconds for it to let go).
    pub fn open(path: impl AsRef<Path>, config: StoreConfig) -> Result<SledEventStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        std::fs::create_dir_all(&path)
            .map_err(|e| StoreError::io("creating the data directory", e))?;
        let db = open_db(&path, &config)?;
        let log = db
            .open_tree("log")
            .map_err(|e| StoreError::sled("opening the log tree", e))?;
        let data_file = std::fs::OpenOptions::new()
            .read(true)
            .open(path.join("db"))
            .map_err(|e| StoreError::io("opening sled's data file for fdatasync", e))?;

        let (head, last_hash, last_recorded_at) = read_tail(&log)?;
        let (head_tx, head_rx) = watch::channel(head);
        let (sender, receiver) = mpsc::channel(config.queue_capacity.max(1));
        let max_group = if config.group_commit {
            config.max_group_appends
        } else {
            1
        };
        let pipelined = config.pipelined_sync;
        let gather_window = if config.group_commit {
            std::time::Duration::from_micros(config.gather_window_us)
        } else {
            std::time::Duration::ZERO
        };
        let shared = Arc::new(Shared::new(db.clone(), data_file, config, head_tx));
        let metrics_handle = shared.clone();
        let state = WriterState::new(
            shared.clone(),
            log.clone(),
            max_group,
            gather_window,
            head,
            last_hash,
            last_recorded_at,
        );
        let (to_syncer, syncer) = if pipelined {
            // At most this many applied groups wait for the syncer before the writer waits.
            let (to_syncer, from_writer) = std::sync::mpsc::sync_channel(64);
            let syncer = std::thread::Builder::new()
                .name("ledgerdesk-log-syncer".to_owned())
                .spawn(move || syncer::run(shared, from_writer))
                .map_err(|e| StoreError::io("starting the syncer thread", e))?;
            (Some(to_syncer), Some(syncer))
        } else {
            (None, None)
        };
        let writer = std::thread::Builder::new()
            .name("ledgerdesk-log-writer".to_owned())
            .spawn(move || {
                writer::run(state, receiver, to_syncer);
                // The syncer stops once the writer's channel is closed and drained.
                if let Some(syncer) = syncer {
                    let _ = syncer.join();
                }
            })
            .map_err(|e| StoreError::io("starting the writer thread", e))?;
        tracing::info!(path = %path.display(), head, "event log opened");
        Ok(SledEventStore {
            inner: Arc::new(Inner {
                path,
                db,
                log,
                sender: Mutex::new(Some(sender)),
                head: head_rx,
                shared: metrics_handle,
                writer: Mutex::new(Some(writer)),
            }),
        })
    }

    /// The data directory.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The sled database, for read models that keep their trees beside the log (one process can
    /// open a sled directory at a time, so they share it).
    pub fn db(&self) -> &sled::Db {
        &self.inner.db
    }

    /// Stops accepting appends, lets the writer finish what it holds (a final flush and
    /// `fdatasync`), and waits for it.
    pub async fn close(&self) {
        let inner = self.inner.clone();
        let _ = tokio::task::spawn_blocking(move || inner.shutdown()).await;
    }

    /// The write path's counters since the store was opened.
    pub fn metrics(&self) -> super::StoreMetrics {
        self.inner.shared.counters.read()
    }

    /// Bytes of sled's files on disk.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.inner
            .db
            .size_on_disk()
            .map_err(|e| StoreError::sled("measuring size on disk", e))
    }

    /// Reads up to `max` records from `from_position`, up to and including `limit`.
    pub(crate) fn read_range(
        log: &sled::Tree,
        from_position: u64,
        limit: u64,
        max: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let from = from_position.max(1);
        let mut out = Vec::new();
        if from > limit || max == 0 {
            return Ok(out);
        }
        let start = chunk_key_at_or_before(log, from)?.unwrap_or(from);
        for item in log.range(keys::log(start)..=keys::log(limit)) {
            let (key, value) = item.map_err(|e| StoreError::sled("reading the log", e))?;
            let first = keys::log_position(&key).ok_or_else(|| StoreError::Corrupt {
                position: 0,
                detail: "malformed log key".to_owned(),
            })?;
            let view = ChunkView::parse(&value).map_err(|e| StoreError::Corrupt {
                position: first,
                detail: e.to_string(),
            })?;
            for i in 0..view.len() {
                let position = first + i as u64;
                if position < from {
                    continue;
                }
                if position > limit || out.len() >= max {
                    return Ok(out);
                }
                let record = view.record(i).map_err(|e| StoreError::Corrupt {
                    position,
                    detail: e.to_string(),
                })?;
                check_position(&record, position)?;
                out.push(record);
            }
        }
        Ok(out)
    }

    /// The `S` entries of `stream` from `from_version`, at most `max` of them, in version order.
    pub(crate) fn stream_entries(
        log: &sled::Tree,
        stream: StreamId,
        from_version: u64,
        max: usize,
    ) -> Result<Vec<(u64, keys::StreamEntry)>, StoreError> {
        let from = from_version.max(1);
        let (first_page, first_index) = keys::page_of(from);
        let prefix = keys::stream_prefix(stream);
        let mut out = Vec::new();
        for item in log.range(keys::stream_page(stream, first_page)..) {
            let (key, page) = item.map_err(|e| StoreError::sled("reading the stream index", e))?;
            if !key.starts_with(&prefix) {
                break;
            }
            let number = keys::page_number(&key).ok_or_else(|| StoreError::Corrupt {
                position: 0,
                detail: format!("malformed stream index key for {stream}"),
            })?;
            let start = if number == first_page { first_index } else { 0 };
            for index in start..keys::page_len(&page) {
                if out.len() >= max {
                    return Ok(out);
                }
                if let Some(entry) = keys::page_entry(&page, index) {
                    out.push((
                        u64::from(number) * keys::STREAM_PAGE + index as u64 + 1,
                        entry,
                    ));
                }
            }
        }
        Ok(out)
    }

    /// The `S` entry of one version of `stream`.
    pub(crate) fn stream_entry(
        log: &sled::Tree,
        stream: StreamId,
        version: u64,
    ) -> Result<Option<keys::StreamEntry>, StoreError> {
        let (page, index) = keys::page_of(version);
        Ok(Self::get(log, &keys::stream_page(stream, page))?
            .and_then(|p| keys::page_entry(&p, index)))
    }

    pub(crate) fn read_stream_range(
        log: &sled::Tree,
        stream: StreamId,
        from_version: u64,
        limit: u64,
        max: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let entries = Self::stream_entries(log, stream, from_version, max)?;
        let mut out = Vec::with_capacity(entries.len());
        let mut i = 0;
        while i < entries.len() {
            // Read runs of consecutive positions in one go.
            let (first_version, first) = entries[i];
            if first.position > limit {
                break;
            }
            let mut run = 1;
            while i + run < entries.len()
                && entries[i + run].1.position == first.position + run as u64
                && entries[i + run].1.position <= limit
            {
                run += 1;
            }
            let records = Self::read_range(log, first.position, limit, run)?;
            for (k, record) in records.into_iter().enumerate() {
                let version = first_version + k as u64;
                if record.stream != stream || record.version != version {
                    return Err(StoreError::Corrupt {
                        position: record.position,
                        detail: format!(
                            "stream index says {stream} v{version}, record is {} v{}",
                            record.stream, record.version
                        ),
                    });
                }
                out.push(record);
            }
            i += run;
        }
        Ok(out)
    }

    pub(crate) fn last_stream_version(
        log: &sled::Tree,
        stream: StreamId,
    ) -> Result<Option<u64>, StoreError> {
        let last = log
            .scan_prefix(keys::stream_prefix(stream))
            .next_back()
            .transpose()
            .map_err(|e| StoreError::sled("reading the stream index", e))?;
        match last {
            None => Ok(None),
            Some((k, page)) => {
                let number = keys::page_number(&k).ok_or_else(|| StoreError::Corrupt {
                    position: 0,
                    detail: format!("malformed stream index key for {stream}"),
                })?;
                let len = keys::page_len(&page) as u64;
                Ok((len > 0).then(|| u64::from(number) * keys::STREAM_PAGE + len))
            }
        }
    }

    pub(crate) fn get(log: &sled::Tree, key: &[u8]) -> Result<Option<sled::IVec>, StoreError> {
        log.get(key)
            .map_err(|e| StoreError::sled("reading an index", e))
    }

    fn durable_head(&self) -> u64 {
        *self.inner.head.borrow()
    }

    /// Every stored chunk in order, raw: for verification and export of the log.
    pub fn raw_chunks(&self) -> impl Iterator<Item = Result<(u64, sled::IVec), StoreError>> + '_ {
        let limit = self.durable_head();
        self.inner
            .log
            .range(keys::log(0)..=keys::log(limit))
            .map(|item| {
                let (k, v) = item.map_err(|e| StoreError::sled("reading the log", e))?;
                let position = keys::log_position(&k).ok_or_else(|| StoreError::Corrupt {
                    position: 0,
                    detail: "malformed log key".to_owned(),
                })?;
                Ok((position, v))
            })
    }

    /// Overwrites a stored chunk with arbitrary bytes. Only for tests that prove verification
    /// catches corruption; never called by the product.
    #[doc(hidden)]
    pub fn corrupt_chunk_for_tests(
        &self,
        first_position: u64,
        bytes: Vec<u8>,
    ) -> Result<(), StoreError> {
        self.inner
            .log
            .insert(keys::log(first_position), bytes)
            .map_err(|e| StoreError::sled("corrupting a chunk", e))?;
        self.inner
            .log
            .flush()
            .map_err(|e| StoreError::sled("flushing", e))?;
        Ok(())
    }
}

impl Inner {
    fn shutdown(&self) {
        self.sender.lock().map(|mut s| s.take()).ok();
        let handle = self.writer.lock().ok().and_then(|mut w| w.take());
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn check_position(record: &RecordedEvent, position: u64) -> Result<(), StoreError> {
    if record.position != position {
        return Err(StoreError::Corrupt {
            position,
            detail: format!("record claims position {}", record.position),
        });
    }
    Ok(())
}

fn chunk_key_at_or_before(log: &sled::Tree, position: u64) -> Result<Option<u64>, StoreError> {
    let found = log
        .range(keys::log(0)..=keys::log(position))
        .next_back()
        .transpose()
        .map_err(|e| StoreError::sled("reading the log", e))?;
    Ok(found.and_then(|(k, _)| keys::log_position(&k)))
}

/// The head position, last hash and last `recorded_at` of the log, from its last chunk.
fn read_tail(log: &sled::Tree) -> Result<(u64, [u8; 32], Timestamp), StoreError> {
    let last = log
        .range(keys::log(0)..=keys::log(u64::MAX))
        .next_back()
        .transpose()
        .map_err(|e| StoreError::sled("reading the log tail", e))?;
    let Some((key, value)) = last else {
        return Ok((0, GENESIS_HASH, Timestamp(0)));
    };
    let first = keys::log_position(&key).unwrap_or(0);
    let view = ChunkView::parse(&value).map_err(|e| StoreError::Corrupt {
        position: first,
        detail: e.to_string(),
    })?;
    let record = view
        .record(view.len() - 1)
        .map_err(|e| StoreError::Corrupt {
            position: first,
            detail: e.to_string(),
        })?;
    check_position(&record, first + view.len() as u64 - 1)?;
    Ok((record.position, record.hash, record.recorded_at))
}

#[async_trait]
impl EventStore for SledEventStore {
    async fn append(&self, request: AppendRequest) -> Result<AppendResult, StoreError> {
        let sender = self
            .inner
            .sender
            .lock()
            .map_err(|_| StoreError::Closed)?
            .clone()
            .ok_or(StoreError::Closed)?;
        let (reply, answer) = oneshot::channel();
        sender
            .send(Job { request, reply })
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    async fn read_stream(
        &self,
        stream: StreamId,
        from_version: u64,
        max: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let known = &self.inner.shared.known;
        let ticket = known.ticket();
        let records = Self::read_stream_range(
            &self.inner.log,
            stream,
            from_version,
            self.durable_head(),
            max,
        )?;
        // A read that reached the stream's durable end tells its version.
        if records.len() < max {
            match records.last() {
                Some(last) => known.seed(ticket, stream, last.version),
                None if from_version <= 1 => known.seed(ticket, stream, 0),
                None => {}
            }
        }
        Ok(records)
    }

    fn known_version(&self, stream: StreamId) -> Option<u64> {
        self.inner.shared.known.get(stream)
    }

    async fn read_all(
        &self,
        from_position: u64,
        max: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        Self::read_range(&self.inner.log, from_position, self.durable_head(), max)
    }

    fn head(&self) -> u64 {
        self.durable_head()
    }

    fn subscribe(&self) -> watch::Receiver<u64> {
        self.inner.head.clone()
    }

    async fn find_event(&self, event_id: Ulid) -> Result<Option<RecordedEvent>, StoreError> {
        let Some(position) = Self::get(&self.inner.log, &keys::event_id(event_id))? else {
            return Ok(None);
        };
        let position = keys::be_u64(&position);
        let record = Self::read_range(&self.inner.log, position, self.durable_head(), 1)?.pop();
        Ok(record.filter(|r| r.event_id == event_id))
    }

    async fn stream_version(&self, stream: StreamId) -> Result<Option<u64>, StoreError> {
        // Versions past the durable head are not visible: read the records, not just the index.
        let head = self.durable_head();
        let Some(last) = Self::last_stream_version(&self.inner.log, stream)? else {
            return Ok(None);
        };
        let records = Self::read_stream_range(&self.inner.log, stream, last, head, 1)?;
        if records.is_empty() {
            // The last append is not durable yet: fall back to the stream as a reader sees it.
            let visible = Self::read_stream_range(&self.inner.log, stream, 1, head, usize::MAX)?;
            return Ok(visible.last().map(|r| r.version));
        }
        Ok(Some(last))
    }

    async fn stream_number(&self, stream: StreamId) -> Result<Option<u64>, StoreError> {
        Ok(Self::get(&self.inner.log, &keys::stream_number(stream))?.map(|v| keys::be_u64(&v)))
    }

    async fn stream_by_number(
        &self,
        kind: StreamKind,
        number: u64,
    ) -> Result<Option<StreamId>, StoreError> {
        let value = Self::get(&self.inner.log, &keys::number(kind, number))?;
        Ok(value.and_then(|v| {
            let bytes: [u8; 16] = v.as_ref().try_into().ok()?;
            Some(StreamId::new(kind, Ulid::from_bytes(bytes)))
        }))
    }

    async fn claim_holder(&self, scope: &str, value: &str) -> Result<Option<StreamId>, StoreError> {
        let held = Self::get(&self.inner.log, &keys::unique(scope, value))?;
        Ok(held.and_then(|v| StreamId::from_bytes(&v)))
    }

    async fn credential(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(Self::get(&self.inner.log, &keys::credential(key))?.map(|v| v.to_vec()))
    }
}

impl SledEventStore {
    /// Appends `requests` in exactly this order (each waits for the previous one's place in the
    /// queue, not for its sync), then waits for all of them. For the replay tool's import, where
    /// positions must come out as they were exported.
    pub async fn append_in_order(
        &self,
        requests: Vec<AppendRequest>,
    ) -> Vec<Result<AppendResult, StoreError>> {
        let sender = match self.inner.sender.lock().ok().and_then(|s| s.clone()) {
            Some(sender) => sender,
            None => return requests.iter().map(|_| Err(StoreError::Closed)).collect(),
        };
        let mut answers = Vec::with_capacity(requests.len());
        for request in requests {
            let (reply, answer) = oneshot::channel();
            if sender.send(Job { request, reply }).await.is_err() {
                answers.push(None);
            } else {
                answers.push(Some(answer));
            }
        }
        let mut results = Vec::with_capacity(answers.len());
        for answer in answers {
            results.push(match answer {
                Some(answer) => answer.await.unwrap_or(Err(StoreError::Closed)),
                None => Err(StoreError::Closed),
            });
        }
        results
    }

    pub(crate) fn log_tree(&self) -> &sled::Tree {
        &self.inner.log
    }
}
