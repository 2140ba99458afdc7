//! A read model's records: held in memory, persisted in the model's own sled tree as an image
//! of every record plus the deltas stored since.
//!
//! Why: sled 0.34 costs microseconds per key written and copies a leaf node on each insert,
//! so models stored one sled key per record could not rebuild faster than sled writes keys
//! (~35,000 events/s here), and a live model's stores held sled's process-wide write lock,
//! which the log's group commit needs, for thousands of keys at a time
//! (`docs/PROPOSAL-read-model-snapshots.md`, `docs/BENCHMARKS.md`). Here the records live in
//! an ordered map, and what reaches sled is a few large values:
//!
//! - a **delta** per store of a live model: the writes of one frozen overlay layer, in one
//!   batch with the checkpoint they reach, so each event is still applied exactly once;
//! - an **image** of every record, in segments of about [`SEGMENT_BYTES`], written at the end
//!   of a rebuild and whenever the deltas outgrow it (they are dropped in the same batch).
//!
//! Layout of the tree, beside the runner's `0xFF` keys (the checkpoint among them):
//! - `0x01 <generation u64 BE> <segment u32 BE>`: image segments;
//! - `0x02 <sequence u64 BE>`: deltas, applied in sequence order over the image;
//! - `0xFF 'i'`: the current image: its generation (u64 BE), then its segment count (u32 BE).
//!
//! A new image is written beside the current one, under the next generation; one batch then
//! points at it, drops the deltas it includes and sets the checkpoint; the old segments go
//! after. A crash leaves the old image with its deltas, or the new one, never a mix; opening
//! removes segments no image points at. Trees of the earlier layout (one `0x00 <key>` sled key
//! per record) are read as they are and converted to an image when first loaded.
//!
//! Records are loaded on first use, not when the handle is made: a model that is only going to
//! be rebuilt (the replay tool, a version change) never reads its old records, and the server
//! loads them in each model's task, off its start-up path.

use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::changes::{Write, CHECKPOINT_KEY};
use crate::overlay::{as_ref, range_is_empty, Layer};
use crate::ProjectionError;

/// A segment of an image is cut once it holds this many bytes.
pub(crate) const SEGMENT_BYTES: usize = 1 << 20;
/// Deltas are folded into a new image once they hold as many bytes as the image, and at least
/// this many: opening then reads at most about twice the model.
const COMPACT_MIN_BYTES: u64 = 32 << 20;
/// Records merged into the map per write lock, so that queries are not held behind a large
/// layer (the layer being merged is still read before the map until it is released).
const MERGE_STEP: usize = 1_024;

/// Records of the earlier layout: one sled key per record.
const LEGACY: u8 = 0x00;
const SEGMENT: u8 = 0x01;
const DELTA: u8 = 0x02;
const IMAGE_KEY: &[u8] = &[0xFF, b'i'];
/// The first byte of every encoded segment and delta: the encoding's version.
const FORMAT: u8 = 1;
/// A value length that marks a removal (deltas only).
const REMOVED: u32 = u32::MAX;

/// A model's records by key.
type Records = BTreeMap<Vec<u8>, Vec<u8>>;
/// Records in key order, as a range answers them.
type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// The records of one generation of a model, and where they are persisted. Cloning shares it.
#[derive(Clone)]
pub(crate) struct Stored {
    inner: Arc<Inner>,
}

struct Inner {
    tree: sled::Tree,
    records: RwLock<Records>,
    loaded: AtomicBool,
    /// Where the tree's image and deltas stand. Held while loading and while persisting, so
    /// that one change of the tree happens at a time.
    layout: Mutex<Layout>,
}

#[derive(Default)]
struct Layout {
    /// The current image: generation and segment count.
    image: Option<(u64, u32)>,
    /// What the image's segments hold, in bytes.
    image_bytes: u64,
    /// The deltas stored since the image: sequences `first_delta..next_delta`.
    first_delta: u64,
    next_delta: u64,
    delta_bytes: u64,
}

impl Stored {
    /// The records persisted in `tree`, read on first use.
    pub(crate) fn new(tree: sled::Tree) -> Stored {
        Stored {
            inner: Arc::new(Inner {
                tree,
                records: RwLock::new(Records::new()),
                loaded: AtomicBool::new(false),
                layout: Mutex::new(Layout::default()),
            }),
        }
    }

    /// The sled tree the records are persisted in.
    pub(crate) fn tree(&self) -> &sled::Tree {
        &self.inner.tree
    }

    fn read(&self) -> RwLockReadGuard<'_, Records> {
        self.inner.records.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Records> {
        self.inner
            .records
            .write()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn layout(&self) -> MutexGuard<'_, Layout> {
        self.inner.layout.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads the records from the tree unless that was done: the image, then the deltas in
    /// order. Converts a tree of the earlier layout to an image.
    pub(crate) fn load(&self) -> Result<(), ProjectionError> {
        if self.inner.loaded.load(Ordering::Acquire) {
            return Ok(());
        }
        let mut layout = self.layout();
        if self.inner.loaded.load(Ordering::Acquire) {
            return Ok(());
        }
        let tree = &self.inner.tree;
        let mut records = Records::new();
        let mut loaded = Layout::default();
        if let Some(v) = tree.get(IMAGE_KEY)? {
            let (generation, segments) = decode_image_key(&v)?;
            for segment in 0..segments {
                let bytes = tree.get(segment_key(generation, segment))?.ok_or_else(|| {
                    ProjectionError::Inconsistent(format!(
                        "image {generation} lacks its segment {segment}"
                    ))
                })?;
                loaded.image_bytes += bytes.len() as u64;
                decode(&bytes, false, |k, v| {
                    if let Some(v) = v {
                        records.insert(k.to_vec(), v.to_vec());
                    }
                })?;
            }
            loaded.image = Some((generation, segments));
        }
        let mut deltas = tree.scan_prefix([DELTA]).peekable();
        if let Some(Ok((k, _))) = deltas.peek() {
            loaded.first_delta = sequence_of(k)?;
            loaded.next_delta = loaded.first_delta;
        }
        for item in deltas {
            let (k, bytes) = item?;
            let sequence = sequence_of(&k)?;
            if sequence != loaded.next_delta {
                return Err(ProjectionError::Inconsistent(format!(
                    "delta {} missing before delta {sequence}",
                    loaded.next_delta
                )));
            }
            loaded.next_delta += 1;
            loaded.delta_bytes += bytes.len() as u64;
            decode(&bytes, true, |k, v| match v {
                Some(v) => {
                    records.insert(k.to_vec(), v.to_vec());
                }
                None => {
                    records.remove(k);
                }
            })?;
        }
        // Segments of an image no one points at: a crash while writing or dropping one.
        let current = loaded.image.map(|(g, _)| g);
        let mut stray = sled::Batch::default();
        for item in tree.scan_prefix([SEGMENT]) {
            let (k, _) = item?;
            if k.get(1..9).map(generation_of) != current {
                stray.remove(k);
            }
        }
        tree.apply_batch(stray)?;
        let legacy = tree.scan_prefix([LEGACY]).next().is_some();
        if legacy && loaded.image.is_none() {
            for item in tree.scan_prefix([LEGACY]) {
                let (k, v) = item?;
                records.insert(k[1..].to_vec(), v.to_vec());
            }
        }
        *self.write() = records;
        *layout = loaded;
        if legacy {
            if layout.image.is_none() {
                let checkpoint = crate::changes::checkpoint(tree)?;
                self.write_image_locked(&mut layout, checkpoint, SEGMENT_BYTES)?;
            }
            let mut old = sled::Batch::default();
            for item in tree.scan_prefix([LEGACY]) {
                old.remove(item?.0);
            }
            tree.apply_batch(old)?;
        }
        self.inner.loaded.store(true, Ordering::Release);
        Ok(())
    }

    /// The value of `key`.
    pub(crate) fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, ProjectionError> {
        self.load()?;
        Ok(self.read().get(key).cloned())
    }

    /// Up to `limit` records in `(from, to)`, in key order (descending when `reverse`).
    pub(crate) fn range(
        &self,
        from: &Bound<Vec<u8>>,
        to: &Bound<Vec<u8>>,
        reverse: bool,
        limit: usize,
    ) -> Result<Entries, ProjectionError> {
        self.load()?;
        let bounds = (as_ref(from), as_ref(to));
        if range_is_empty(&bounds) {
            return Ok(Vec::new());
        }
        let records = self.read();
        let range = records.range::<[u8], _>(bounds);
        let pick = |(k, v): (&Vec<u8>, &Vec<u8>)| (k.clone(), v.clone());
        Ok(if reverse {
            range.rev().take(limit).map(pick).collect()
        } else {
            range.take(limit).map(pick).collect()
        })
    }

    /// The records in `(from, to)` as an iterator that takes the lock a step at a time.
    pub(crate) fn scan(&self, from: Bound<Vec<u8>>, to: Bound<Vec<u8>>, reverse: bool) -> Scan {
        Scan {
            stored: self.clone(),
            from,
            to,
            reverse,
            buffered: VecDeque::new(),
            done: false,
        }
    }

    /// Folds `writes` into the records, in memory only: a rebuild's windows, which reach the
    /// tree as one image at the end.
    pub(crate) fn merge(&self, writes: Vec<Write>) -> Result<(), ProjectionError> {
        self.load()?;
        let mut writes = writes.into_iter().peekable();
        while writes.peek().is_some() {
            let mut records = self.write();
            for (k, v) in writes.by_ref().take(MERGE_STEP) {
                match v {
                    Some(v) => records.insert(k, v),
                    None => records.remove(&k),
                };
            }
        }
        Ok(())
    }

    /// Persists a live model's layer as one delta in one batch with the checkpoint `position`
    /// it reaches, then folds it into the records (the caller keeps the layer readable until
    /// this returns). Writes a new image when the deltas have outgrown the current one.
    pub(crate) fn persist(&self, layer: &Layer, position: u64) -> Result<(), ProjectionError> {
        self.load()?;
        let mut layout = self.layout();
        let mut batch = sled::Batch::default();
        let mut delta_bytes = 0;
        if !layer.is_empty() {
            let mut delta = vec![FORMAT];
            for (k, v) in layer {
                encode(&mut delta, k, v.as_deref());
            }
            delta_bytes = delta.len() as u64;
            batch.insert(&delta_key(layout.next_delta)[..], delta);
        }
        batch.insert(CHECKPOINT_KEY, &position.to_be_bytes()[..]);
        self.inner.tree.apply_batch(batch)?;
        if delta_bytes > 0 {
            layout.next_delta += 1;
            layout.delta_bytes += delta_bytes;
        }
        let mut entries = layer.iter().peekable();
        while entries.peek().is_some() {
            let mut records = self.write();
            for (k, v) in entries.by_ref().take(MERGE_STEP) {
                match v {
                    Some(v) => records.insert(k.clone(), v.clone()),
                    None => records.remove(k),
                };
            }
        }
        if layout.delta_bytes >= layout.image_bytes.max(COMPACT_MIN_BYTES) {
            self.write_image_locked(&mut layout, position, SEGMENT_BYTES)?;
        }
        Ok(())
    }

    /// Writes every record as a new image with the checkpoint `position`, dropping the deltas.
    pub(crate) fn write_image(&self, position: u64) -> Result<(), ProjectionError> {
        self.load()?;
        let mut layout = self.layout();
        self.write_image_locked(&mut layout, position, SEGMENT_BYTES)
    }

    /// [`Stored::write_image`] with segments cut at `segment_bytes`: tests make images of
    /// many segments out of a few records.
    #[cfg(test)]
    fn write_image_in_segments_of(
        &self,
        position: u64,
        segment_bytes: usize,
    ) -> Result<(), ProjectionError> {
        self.load()?;
        let mut layout = self.layout();
        self.write_image_locked(&mut layout, position, segment_bytes)
    }

    /// [`Stored::write_image`] under the layout lock. The records do not change meanwhile:
    /// only the holder of that lock changes them.
    fn write_image_locked(
        &self,
        layout: &mut Layout,
        position: u64,
        segment_bytes: usize,
    ) -> Result<(), ProjectionError> {
        let tree = &self.inner.tree;
        let generation = layout.image.map_or(1, |(g, _)| g + 1);
        let mut segments = 0u32;
        let mut image_bytes = 0u64;
        let mut after: Bound<Vec<u8>> = Bound::Unbounded;
        loop {
            let mut segment = vec![FORMAT];
            let mut last = None;
            {
                let records = self.read();
                let from = match &after {
                    Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
                    _ => Bound::Unbounded,
                };
                for (k, v) in records.range::<[u8], _>((from, Bound::Unbounded)) {
                    encode(&mut segment, k, Some(v));
                    if segment.len() >= segment_bytes {
                        last = Some(k.clone());
                        break;
                    }
                }
            }
            if segment.len() > 1 {
                image_bytes += segment.len() as u64;
                tree.insert(segment_key(generation, segments), segment)?;
                segments += 1;
            }
            match last {
                Some(k) => after = Bound::Excluded(k),
                None => break,
            }
        }
        let mut batch = sled::Batch::default();
        let mut pointer = generation.to_be_bytes().to_vec();
        pointer.extend_from_slice(&segments.to_be_bytes());
        batch.insert(IMAGE_KEY, pointer);
        for sequence in layout.first_delta..layout.next_delta {
            batch.remove(&delta_key(sequence)[..]);
        }
        batch.insert(CHECKPOINT_KEY, &position.to_be_bytes()[..]);
        tree.apply_batch(batch)?;
        if let Some((old, count)) = layout.image {
            let mut batch = sled::Batch::default();
            for segment in 0..count {
                batch.remove(&segment_key(old, segment)[..]);
            }
            tree.apply_batch(batch)?;
        }
        *layout = Layout {
            image: Some((generation, segments)),
            image_bytes,
            first_delta: layout.next_delta,
            next_delta: layout.next_delta,
            delta_bytes: 0,
        };
        Ok(())
    }
}

/// Records of a [`Stored`] in a range, fetched [`SCAN_STEP`] at a time.
pub(crate) struct Scan {
    stored: Stored,
    /// What is left of the range.
    from: Bound<Vec<u8>>,
    to: Bound<Vec<u8>>,
    reverse: bool,
    buffered: VecDeque<(Vec<u8>, Vec<u8>)>,
    done: bool,
}

/// Records fetched per step of a scan.
const SCAN_STEP: usize = 256;

impl Iterator for Scan {
    type Item = Result<(Vec<u8>, Vec<u8>), ProjectionError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buffered.is_empty() && !self.done {
            let step = match self
                .stored
                .range(&self.from, &self.to, self.reverse, SCAN_STEP)
            {
                Ok(step) => step,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            self.done = step.len() < SCAN_STEP;
            if let Some((last, _)) = step.last() {
                if self.reverse {
                    self.to = Bound::Excluded(last.clone());
                } else {
                    self.from = Bound::Excluded(last.clone());
                }
            }
            self.buffered.extend(step);
        }
        self.buffered.pop_front().map(Ok)
    }
}

fn segment_key(generation: u64, segment: u32) -> [u8; 13] {
    let mut k = [0u8; 13];
    k[0] = SEGMENT;
    k[1..9].copy_from_slice(&generation.to_be_bytes());
    k[9..].copy_from_slice(&segment.to_be_bytes());
    k
}

fn delta_key(sequence: u64) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = DELTA;
    k[1..].copy_from_slice(&sequence.to_be_bytes());
    k
}

fn generation_of(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[..8.min(bytes.len())]);
    u64::from_be_bytes(b)
}

fn sequence_of(key: &[u8]) -> Result<u64, ProjectionError> {
    let b: [u8; 8] = key
        .get(1..)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| ProjectionError::Inconsistent("malformed delta key".to_owned()))?;
    Ok(u64::from_be_bytes(b))
}

fn decode_image_key(v: &[u8]) -> Result<(u64, u32), ProjectionError> {
    let malformed = || ProjectionError::Inconsistent("malformed image pointer".to_owned());
    let generation: [u8; 8] = v
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(malformed)?;
    let segments: [u8; 4] = v
        .get(8..)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(malformed)?;
    Ok((u64::from_be_bytes(generation), u32::from_be_bytes(segments)))
}

/// Appends one record (`None`: a removal) to an encoded segment or delta.
fn encode(out: &mut Vec<u8>, key: &[u8], value: Option<&[u8]>) {
    out.extend_from_slice(&(key.len() as u32).to_le_bytes());
    out.extend_from_slice(key);
    match value {
        Some(v) => {
            out.extend_from_slice(&(v.len() as u32).to_le_bytes());
            out.extend_from_slice(v);
        }
        None => out.extend_from_slice(&REMOVED.to_le_bytes()),
    }
}

/// Calls `record` with each record of an encoded segment or delta, in order; removals only
/// where `removals` are allowed (deltas).
fn decode(
    bytes: &[u8],
    removals: bool,
    mut record: impl FnMut(&[u8], Option<&[u8]>),
) -> Result<(), ProjectionError> {
    let malformed = |what: &str| ProjectionError::Inconsistent(format!("stored records: {what}"));
    let mut rest = match bytes.split_first() {
        Some((&FORMAT, rest)) => rest,
        Some((other, _)) => return Err(malformed(&format!("unknown format {other}"))),
        None => return Err(malformed("empty")),
    };
    let length = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    while !rest.is_empty() {
        let key_len = take(4, &mut rest)
            .map(length)
            .ok_or_else(|| malformed("cut key"))?;
        let key = take(key_len as usize, &mut rest).ok_or_else(|| malformed("cut key"))?;
        let value_len = take(4, &mut rest)
            .map(length)
            .ok_or_else(|| malformed("cut value"))?;
        if value_len == REMOVED {
            if !removals {
                return Err(malformed("a removal in an image"));
            }
            record(key, None);
        } else {
            let value =
                take(value_len as usize, &mut rest).ok_or_else(|| malformed("cut value"))?;
            record(key, Some(value));
        }
    }
    Ok(())
}

/// The first `n` bytes of `rest`, which moves past them; `None` when it is shorter.
fn take<'a>(n: usize, rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let (head, tail) = (rest.get(..n)?, rest.get(n..)?);
    *rest = tail;
    Some(head)
}

#[cfg(test)]
mod tests;
