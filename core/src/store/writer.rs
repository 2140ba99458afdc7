//! The single writer: group commit of appends, in two pipelined stages.
//!
//! Stage one, the writer thread, owns every write to the log. It takes the first waiting
//! append, drains whatever else is waiting (up to [`super::StoreConfig::max_group_appends`]),
//! decides each append (idempotency, expected version, unique claims), and applies the whole
//! group as one sled batch (atomic across a crash). Stage two, the syncer thread
//! ([`super::syncer`]), makes applied groups durable: one sled flush and one `fdatasync` for
//! everything applied since the last sync, and only then acknowledges those appends and moves
//! the durable head that readers see. The writer prepares the next group while the syncer
//! waits on the disk, so the two cores work at once.
//!
//! Failure handling: if a batch cannot be applied, the writer refuses appends until the
//! process restarts (sled discards an unsealed batch on recovery). If a flush or `fdatasync`
//! fails, the groups it covered are "maybe committed": their callers get an I/O error and
//! nothing is acknowledged; the writer refuses new appends until a sync succeeds, trying one
//! before each group. Once a sync succeeds, those earlier groups are durable and visible; a
//! caller retrying with the same event ids then gets the original result.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use ulid::Ulid;

use super::error::StoreError;
use super::keys;
use super::sled_store::SledEventStore;
use super::syncer::{self, Applied, Health, Reply, Shared};
use crate::codec::{encode_chunk, record_hash};
use crate::envelope::{AppendRequest, AppendResult, ClaimAction, RecordedEvent};
use crate::ids::{StreamId, StreamKind, Timestamp};

/// A stored chunk holds consecutive records up to about this many bytes.
pub(crate) const MAX_CHUNK_BYTES: usize = 16 * 1024;
/// The largest payload one event may carry (attachments live outside the log).
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;
/// The most events one append may carry.
pub const MAX_EVENTS_PER_APPEND: usize = 1000;
const MAX_NAME_BYTES: usize = 256;
const MAX_CLAIM_VALUE_BYTES: usize = 1024;
/// The stream-version cache is cleared when it grows past this many streams.
const VERSION_CACHE_STREAMS: usize = 200_000;

pub(crate) struct Job {
    pub request: AppendRequest,
    pub reply: oneshot::Sender<Result<AppendResult, StoreError>>,
}

pub(crate) struct WriterState {
    shared: Arc<Shared>,
    log: sled::Tree,
    max_group: usize,
    gather_window: std::time::Duration,
    /// Last position applied to sled (durable once the syncer has covered it).
    head: u64,
    last_hash: [u8; 32],
    last_recorded_at: Timestamp,
    versions: HashMap<StreamId, u64>,
    counters: HashMap<StreamKind, u64>,
}

/// What an append in a group resolved to before the commit.
enum Planned {
    New(AppendResult),
    /// A retry of an append made earlier in the same group.
    DuplicateInGroup(Ulid),
}

/// The group being assembled: an overlay on the applied state.
#[derive(Default)]
struct Group {
    batch: sled::Batch,
    records: Vec<RecordedEvent>,
    replies: Vec<(oneshot::Sender<Result<AppendResult, StoreError>>, Planned)>,
    versions: HashMap<StreamId, u64>,
    counters: HashMap<StreamKind, u64>,
    /// `S` pages touched by this group, as they will be written.
    pages: HashMap<(StreamId, u32), Vec<u8>>,
    /// Numbers of streams created in this group (not in sled yet).
    numbers: HashMap<StreamId, u64>,
    event_ids: HashMap<Ulid, AppendResult>,
    claims: HashMap<Vec<u8>, Option<StreamId>>,
}

impl WriterState {
    pub(crate) fn new(
        shared: Arc<Shared>,
        log: sled::Tree,
        max_group: usize,
        gather_window: std::time::Duration,
        head: u64,
        last_hash: [u8; 32],
        last_recorded_at: Timestamp,
    ) -> WriterState {
        WriterState {
            shared,
            log,
            max_group: max_group.max(1),
            gather_window,
            head,
            last_hash,
            last_recorded_at,
            versions: HashMap::new(),
            counters: HashMap::new(),
        }
    }
}

/// The writer loop: runs until every sender is gone. Dropping `to_syncer` at the end lets the
/// syncer finish the last groups and stop.
pub(crate) fn run(
    mut state: WriterState,
    mut receiver: mpsc::Receiver<Job>,
    to_syncer: Option<std::sync::mpsc::SyncSender<Applied>>,
) {
    let mut jobs = Vec::with_capacity(state.max_group);
    while let Some(first) = receiver.blocking_recv() {
        jobs.push(first);
        gather(
            &mut receiver,
            &mut jobs,
            state.max_group,
            state.gather_window,
        );
        if let Some(applied) = state.apply_group(&mut jobs) {
            match &to_syncer {
                Some(syncer) => {
                    if let Err(unsent) = syncer.send(applied) {
                        // The syncer is gone (it only stops after the writer): refuse, never ack.
                        for reply in unsent.0.replies {
                            let _ = reply.sender.send(Err(StoreError::Closed));
                        }
                    }
                }
                None => syncer::complete(&state.shared, &mut vec![applied]),
            }
        }
    }
    if to_syncer.is_none() {
        if let Err(err) = state.shared.sync() {
            tracing::error!(error = %err, "final sync of the event log failed");
        }
    }
}

/// Drains waiting appends into `jobs`. With a gather window, keeps draining while appends are
/// still arriving (each pause at most a tenth of the window, the whole at most the window):
/// callers that were acknowledged together come back together, and catching them in one group
/// saves a sync for each of them.
fn gather(
    receiver: &mut mpsc::Receiver<Job>,
    jobs: &mut Vec<Job>,
    max_group: usize,
    window: std::time::Duration,
) {
    let started = std::time::Instant::now();
    let mut last_arrival = started;
    loop {
        while jobs.len() < max_group {
            match receiver.try_recv() {
                Ok(job) => {
                    jobs.push(job);
                    last_arrival = std::time::Instant::now();
                }
                Err(_) => break,
            }
        }
        if jobs.len() >= max_group
            || window.is_zero()
            || started.elapsed() >= window
            || last_arrival.elapsed() >= window / 10
        {
            return;
        }
        std::thread::yield_now();
    }
}

impl WriterState {
    /// Decides and applies one group. Refusals are answered at once; everything else is
    /// handed to the syncer, to be answered once durable.
    fn apply_group(&mut self, jobs: &mut Vec<Job>) -> Option<Applied> {
        if let Err(refusal) = self.ensure_healthy() {
            for job in jobs.drain(..) {
                let _ = job.reply.send(Err(refusal.clone()));
            }
            return None;
        }
        let mut group = Group::default();
        for job in jobs.drain(..) {
            match self.plan(&mut group, &job.request) {
                Ok(planned) => group.replies.push((job.reply, planned)),
                Err(refusal) => {
                    let _ = job.reply.send(Err(refusal));
                }
            }
        }
        if group.replies.is_empty() {
            return None;
        }
        if !group.records.is_empty() {
            let events = group.records.len() as u64;
            let appends = group
                .replies
                .iter()
                .filter(|(_, p)| matches!(p, Planned::New(r) if !r.duplicate))
                .count() as u64;
            if let Err(err) = self.apply(&mut group) {
                for (reply, _) in group.replies {
                    let _ = reply.send(Err(err.clone()));
                }
                return None;
            }
            self.shared.counters.group(appends, events);
        }
        if self.versions.len() > VERSION_CACHE_STREAMS {
            self.versions.clear();
        }
        self.versions.extend(group.versions.drain());
        self.counters.extend(group.counters.drain());
        let replies = group
            .replies
            .into_iter()
            .filter_map(|(sender, planned)| {
                let result = match planned {
                    Planned::New(result) => result,
                    Planned::DuplicateInGroup(first_event) => AppendResult {
                        duplicate: true,
                        ..*group.event_ids.get(&first_event)?
                    },
                };
                Some(Reply { sender, result })
            })
            .collect();
        // Duplicates of applied appends are acknowledged only once the original is durable:
        // the syncer answers no group before the head it names is synced.
        Some(Applied {
            head: self.head,
            replies,
        })
    }

    fn ensure_healthy(&mut self) -> Result<(), StoreError> {
        match self.shared.health() {
            Health::Healthy => Ok(()),
            Health::Poisoned { reason } => Err(StoreError::Unavailable(format!(
                "a write failed inside the database ({reason}); restart the server to recover"
            ))),
            Health::Unsynced { since } => match self.shared.sync() {
                Ok(()) => {
                    tracing::warn!(head = self.head, "event log is healthy again");
                    self.shared.set_health(Health::Healthy);
                    self.shared.publish_head(self.head);
                    // The groups whose sync failed are durable now, their versions unrecorded.
                    self.shared.known.resume();
                    Ok(())
                }
                Err(e) => Err(StoreError::Unavailable(format!(
                    "the log cannot be made durable since {since}; still failing: {e}"
                ))),
            },
        }
    }

    /// Encodes the group's records into chunks and applies the group as one sled batch.
    fn apply(&mut self, group: &mut Group) -> Result<(), StoreError> {
        let records = std::mem::take(&mut group.records);
        let mut batch = std::mem::take(&mut group.batch);
        for ((stream, page), value) in group.pages.drain() {
            // A page loaded for an append that was then refused may still be empty.
            if !value.is_empty() {
                batch.insert(&keys::stream_page(stream, page)[..], value);
            }
        }
        let mut start = 0;
        let mut bytes = 0usize;
        for (i, record) in records.iter().enumerate() {
            let size = record.payload.len() + 160;
            if i > start && (bytes + size > MAX_CHUNK_BYTES || i - start == usize::from(u16::MAX)) {
                batch.insert(
                    &keys::log(records[start].position)[..],
                    encode_chunk(&records[start..i])?,
                );
                start = i;
                bytes = 0;
            }
            bytes += size;
        }
        batch.insert(
            &keys::log(records[start].position)[..],
            encode_chunk(&records[start..])?,
        );

        if let Err(e) = self.log.apply_batch(batch) {
            let err = StoreError::sled("applying a batch", e);
            tracing::error!(error = %err, "event log batch failed; refusing writes until restart");
            self.shared.set_health(Health::Poisoned {
                reason: err.to_string(),
            });
            return Err(err);
        }
        if let Some(last) = records.last() {
            self.head = last.position;
            self.last_hash = last.hash;
            self.last_recorded_at = last.recorded_at;
        }
        Ok(())
    }

    fn current_version(
        &mut self,
        group: &Group,
        stream: StreamId,
    ) -> Result<Option<u64>, StoreError> {
        if let Some(v) = group.versions.get(&stream) {
            return Ok(Some(*v));
        }
        if let Some(v) = self.versions.get(&stream) {
            return Ok(Some(*v));
        }
        let v = SledEventStore::last_stream_version(&self.log, stream)?;
        if let Some(v) = v {
            self.versions.insert(stream, v);
        }
        Ok(v)
    }

    fn last_number(&mut self, group: &Group, kind: StreamKind) -> Result<u64, StoreError> {
        if let Some(n) = group
            .counters
            .get(&kind)
            .or_else(|| self.counters.get(&kind))
        {
            return Ok(*n);
        }
        let last = self
            .log
            .scan_prefix(keys::number_prefix(kind))
            .next_back()
            .transpose()
            .map_err(|e| StoreError::sled("reading stream numbers", e))?;
        let n = match last {
            Some((k, _)) => keys::be_u64(&k[2..]),
            None => kind.first_number() - 1,
        };
        self.counters.insert(kind, n);
        Ok(n)
    }

    fn claim_holder(&self, group: &Group, key: &[u8]) -> Result<Option<StreamId>, StoreError> {
        if let Some(holder) = group.claims.get(key) {
            return Ok(*holder);
        }
        Ok(SledEventStore::get(&self.log, key)?.and_then(|v| StreamId::from_bytes(&v)))
    }

    /// Decides one append against the committed state plus the group so far, and adds its
    /// records and index entries to the group. A refusal leaves the group untouched.
    fn plan(&mut self, group: &mut Group, request: &AppendRequest) -> Result<Planned, StoreError> {
        validate(request)?;
        if let Some(planned) = self.find_duplicate(group, request)? {
            return Ok(planned);
        }
        let stream = request.stream;
        let current = self.current_version(group, stream)?;
        if !request.expected.admits(current) {
            return Err(StoreError::Conflict {
                stream,
                expected: request.expected,
                current,
            });
        }
        let count = request.events.len() as u64;
        let first_version = current.unwrap_or(0) + 1;
        self.prepare_pages(group, stream, first_version, first_version + count - 1)?;
        // Claims: check all before touching the overlay.
        let mut claim_writes = Vec::with_capacity(request.claims.len());
        for claim in &request.claims {
            let key = keys::unique(&claim.scope, &claim.value);
            let holder = self.claim_holder(group, &key)?;
            match (claim.action, holder) {
                (ClaimAction::Claim, Some(h)) if h != stream => {
                    return Err(StoreError::UniqueViolation {
                        scope: claim.scope.clone(),
                        value: claim.value.clone(),
                        holder: h,
                    })
                }
                (ClaimAction::Claim, _) => claim_writes.push((key, Some(stream))),
                (ClaimAction::Release, Some(h)) if h == stream => claim_writes.push((key, None)),
                (ClaimAction::Release, _) => {
                    return Err(StoreError::NotHolder {
                        scope: claim.scope.clone(),
                        value: claim.value.clone(),
                        stream,
                    })
                }
            }
        }
        let stream_number = match (current, group.numbers.get(&stream)) {
            (Some(_), Some(n)) => *n,
            (Some(_), None) => self.number_of(stream)?,
            (None, _) => {
                let n = self.last_number(group, stream.kind)? + 1;
                group.counters.insert(stream.kind, n);
                group.numbers.insert(stream, n);
                group
                    .batch
                    .insert(&keys::number(stream.kind, n)[..], &stream.id.to_bytes()[..]);
                group
                    .batch
                    .insert(&keys::stream_number(stream)[..], &n.to_be_bytes()[..]);
                n
            }
        };
        for (key, holder) in claim_writes {
            match holder {
                Some(h) => group.batch.insert(key.clone(), &h.to_bytes()[..]),
                None => group.batch.remove(key.clone()),
            }
            group.claims.insert(key, holder);
        }
        for write in &request.credentials {
            let key = keys::credential(&write.key);
            match &write.value {
                Some(v) => group.batch.insert(key, v.clone()),
                None => group.batch.remove(key),
            }
        }

        let head = group.head_after(self.head);
        let (mut prev_hash, mut recorded_at) = group
            .last_record()
            .unwrap_or((self.last_hash, self.last_recorded_at));
        recorded_at = match request.recorded_at {
            None => recorded_at.max(Timestamp::now()),
            Some(imported) if imported >= recorded_at => imported,
            Some(imported) => {
                return Err(StoreError::InvalidAppend(format!(
                    "imported recorded_at {} is before the log's last {}",
                    imported.0, recorded_at.0
                )))
            }
        };
        for (i, event) in request.events.iter().enumerate() {
            let position = head + 1 + i as u64;
            let mut record = RecordedEvent {
                position,
                stream,
                version: first_version + i as u64,
                event_id: event.event_id,
                recorded_at,
                actor: request.meta.actor,
                correlation_id: request.meta.correlation_id,
                causation_id: request.meta.causation_id,
                event_type: event.event_type.clone(),
                schema_version: event.schema_version,
                payload: event.payload.clone(),
                claims: if i == 0 {
                    request.claims.clone()
                } else {
                    Vec::new()
                },
                hash: [0; 32],
            };
            record.hash = record_hash(&prev_hash, &record);
            prev_hash = record.hash;
            group.batch.insert(
                &keys::event_id(event.event_id)[..],
                &position.to_be_bytes()[..],
            );
            let (page, _) = keys::page_of(record.version);
            if let Some(value) = group.pages.get_mut(&(stream, page)) {
                value.extend_from_slice(&keys::encode_entry(position, i == 0));
            }
            group.records.push(record);
        }
        let last_version = first_version + count - 1;
        group.versions.insert(stream, last_version);
        let result = AppendResult {
            stream,
            first_version,
            last_version,
            first_position: head + 1,
            last_position: head + count,
            stream_number,
            duplicate: false,
        };
        group.event_ids.insert(request.events[0].event_id, result);
        for event in &request.events[1..] {
            group.event_ids.insert(event.event_id, result);
        }
        Ok(Planned::New(result))
    }

    /// Loads into the group's overlay the `S` pages that versions `first..=last` of `stream`
    /// go to, and checks that they end exactly where this append starts. Called before
    /// anything of the append touches the group, so a refusal leaves the group as it was.
    fn prepare_pages(
        &self,
        group: &mut Group,
        stream: StreamId,
        first: u64,
        last: u64,
    ) -> Result<(), StoreError> {
        let (first_page, first_index) = keys::page_of(first);
        let (last_page, _) = keys::page_of(last);
        for page in first_page..=last_page {
            if let std::collections::hash_map::Entry::Vacant(e) = group.pages.entry((stream, page))
            {
                let stored = SledEventStore::get(&self.log, &keys::stream_page(stream, page))?;
                e.insert(stored.map(|v| v.to_vec()).unwrap_or_default());
            }
            let expected = if page == first_page { first_index } else { 0 };
            let held = group
                .pages
                .get(&(stream, page))
                .map_or(0, |v| keys::page_len(v));
            if held != expected {
                return Err(StoreError::Corrupt {
                    position: 0,
                    detail: format!(
                        "stream index of {stream} holds {held} versions in page {page}, expected {expected}"
                    ),
                });
            }
        }
        Ok(())
    }

    fn number_of(&self, stream: StreamId) -> Result<u64, StoreError> {
        SledEventStore::get(&self.log, &keys::stream_number(stream))?
            .map(|v| keys::be_u64(&v))
            .ok_or_else(|| StoreError::Corrupt {
                position: 0,
                detail: format!("{stream} has events but no sequential number"),
            })
    }

    /// Whether `request` repeats an append already in the log or in this group.
    fn find_duplicate(
        &mut self,
        group: &Group,
        request: &AppendRequest,
    ) -> Result<Option<Planned>, StoreError> {
        let first_id = request.events[0].event_id;
        if let Some(original) = group.event_ids.get(&first_id) {
            let same = original.last_version - original.first_version + 1
                == request.events.len() as u64
                && original.stream == request.stream
                && request
                    .events
                    .iter()
                    .all(|e| group.event_ids.get(&e.event_id) == Some(original));
            if !same {
                return Err(StoreError::IdempotencyMismatch { event_id: first_id });
            }
            return Ok(Some(Planned::DuplicateInGroup(first_id)));
        }
        let Some(position) = SledEventStore::get(&self.log, &keys::event_id(first_id))? else {
            // Not a retry, unless a later id is known: then it overlaps another append.
            for event in &request.events[1..] {
                if group.event_ids.contains_key(&event.event_id)
                    || SledEventStore::get(&self.log, &keys::event_id(event.event_id))?.is_some()
                {
                    return Err(StoreError::IdempotencyMismatch {
                        event_id: event.event_id,
                    });
                }
            }
            return Ok(None);
        };
        let position = keys::be_u64(&position);
        let count = request.events.len();
        let records = SledEventStore::read_range(&self.log, position, self.head, count)?;
        let matches = records.len() == count
            && records
                .iter()
                .zip(&request.events)
                .all(|(r, e)| r.event_id == e.event_id && r.stream == request.stream);
        // It is the same append only if the original append had exactly these events: it
        // started at the first, and the next version (if any) started another append.
        let same_append = matches && {
            let v = records[0].version;
            let starts = |version: u64| -> Result<Option<bool>, StoreError> {
                Ok(
                    SledEventStore::stream_entry(&self.log, request.stream, version)?
                        .map(|e| e.starts_append),
                )
            };
            let mut inside = true;
            for k in 1..count as u64 {
                inside &= starts(v + k)? == Some(false);
            }
            starts(v)? == Some(true) && inside && starts(v + count as u64)? != Some(false)
        };
        if !same_append {
            return Err(StoreError::IdempotencyMismatch { event_id: first_id });
        }
        let (first, last) = (&records[0], &records[count - 1]);
        Ok(Some(Planned::New(AppendResult {
            stream: request.stream,
            first_version: first.version,
            last_version: last.version,
            first_position: first.position,
            last_position: last.position,
            stream_number: self.number_of(request.stream)?,
            duplicate: true,
        })))
    }
}

impl Group {
    fn head_after(&self, committed_head: u64) -> u64 {
        self.records.last().map_or(committed_head, |r| r.position)
    }

    fn last_record(&self) -> Option<([u8; 32], Timestamp)> {
        self.records.last().map(|r| (r.hash, r.recorded_at))
    }
}

fn validate(request: &AppendRequest) -> Result<(), StoreError> {
    let invalid = |m: String| Err(StoreError::InvalidAppend(m));
    if request.events.is_empty() {
        return invalid("an append needs at least one event".to_owned());
    }
    if request.events.len() > MAX_EVENTS_PER_APPEND {
        return invalid(format!(
            "{} events in one append (at most {MAX_EVENTS_PER_APPEND})",
            request.events.len()
        ));
    }
    let mut ids = std::collections::HashSet::with_capacity(request.events.len());
    for event in &request.events {
        if !ids.insert(event.event_id) {
            return invalid(format!("event id {} appears twice", event.event_id));
        }
        if event.event_type.is_empty() || event.event_type.len() > MAX_NAME_BYTES {
            return invalid(format!(
                "event type {:?} is empty or too long",
                event.event_type
            ));
        }
        if event.payload.len() > MAX_PAYLOAD_BYTES {
            return invalid(format!(
                "payload of {} bytes (at most {MAX_PAYLOAD_BYTES})",
                event.payload.len()
            ));
        }
    }
    for claim in &request.claims {
        if claim.scope.is_empty()
            || claim.scope.len() > MAX_NAME_BYTES
            || claim.scope.contains('\0')
        {
            return invalid(format!(
                "claim scope {:?} is empty, too long or has NUL",
                claim.scope
            ));
        }
        if claim.value.len() > MAX_CLAIM_VALUE_BYTES {
            return invalid(format!(
                "claim value of {} bytes is too long",
                claim.value.len()
            ));
        }
    }
    let mut claimed = std::collections::HashSet::new();
    for claim in &request.claims {
        if !claimed.insert((&claim.scope, &claim.value)) {
            return invalid(format!(
                "{} {:?} is claimed twice",
                claim.scope, claim.value
            ));
        }
    }
    for write in &request.credentials {
        if write.key.is_empty() || write.key.len() > MAX_NAME_BYTES {
            return invalid("credential key is empty or too long".to_owned());
        }
    }
    Ok(())
}
