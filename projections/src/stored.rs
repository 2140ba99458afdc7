//! A read model's records: held in memory, persisted as an image of every record (a file
//! beside the log) plus the deltas stored since (in the model's own sled tree).
//!
//! Why: sled 0.34 costs microseconds per key written and copies a whole leaf (up to 16
//! entries) on every insert, so models stored one sled key per record could not rebuild
//! faster than sled writes keys (~35,000 events/s here), and a live model's stores held
//! sled's process-wide write lock, which the log's group commit needs, for thousands of keys
//! at a time (`docs/PROPOSAL-read-model-snapshots.md`, `docs/BENCHMARKS.md`). Here the
//! records live in an ordered map, and what is written is:
//!
//! - a **delta** per store of a live model: the writes of one frozen overlay layer, in pieces
//!   of about [`DELTA_PIECE_BYTES`], in one sled batch with the checkpoint they reach, so
//!   each event is still applied exactly once;
//! - an **image** of every record, written at the end of a rebuild and whenever the deltas
//!   outgrow the current one: a file written once, synced, and checked by its length and
//!   CRC-32 when read (against damage, at memory speed). Large values in sled would be copied
//!   with their leaf on every later insert (and leaves past 2 MiB go to blob files), so
//!   images stay out of it.
//!
//! Layout, beside the runner's `0xFF` keys (the checkpoint among them):
//! - `0x02 <sequence u64 BE> <piece u32 BE>`: deltas, applied in key order over the image;
//! - `0xFF 'i'`: the current image: generation (u64 BE), length (u64 BE), CRC-32 (u32 BE);
//! - `image-<generation>` in the model's directory: the image's records in key order.
//!
//! A new image is written and synced under the next generation; one batch then points at it
//! and drops the deltas it includes; once that batch is flushed, the old file goes. A crash
//! leaves the old image with its deltas, or the new one with the deltas after it, never a mix;
//! loading removes files no pointer names. A live model's new image is written by a
//! background thread while the model goes on storing deltas (see
//! [`Stored::write_image_covering`] for why that is sound), so a large model's image never
//! holds its stores up. Trees of the earlier layout (one `0x00 <key>` sled key per record)
//! are read as they are and converted to an image when first loaded.
//!
//! Records are loaded on first use, not when the handle is made: a model that is only going to
//! be rebuilt (the replay tool, a version change) never reads its old records, and the server
//! loads them in each model's task, off its start-up path.

use std::collections::{BTreeMap, VecDeque};
use std::io::Write as _;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::changes::{Write, CHECKPOINT_KEY};
use crate::overlay::{as_ref, range_is_empty, Layer, RangeCursor};
use crate::ProjectionError;

/// A delta is cut into pieces of about this size: a sled leaf holds up to 16 of them and is
/// copied whole on each insert, so pieces stay small enough for that copy to be cheap and for
/// a leaf never to reach sled's blob files (2 MiB).
const DELTA_PIECE_BYTES: usize = 64 << 10;
/// An image is written in buffers of this size.
const WRITE_BUFFER_BYTES: usize = 1 << 20;
/// Deltas are folded into a new image once they hold as many bytes as the image, and at least
/// this many: loading then reads at most about twice the model.
const COMPACT_MIN_BYTES: u64 = 32 << 20;
/// Records merged into the map per write lock, so that queries are not held behind a large
/// layer (the layer being merged is still read before the map until it is released).
const MERGE_STEP: usize = 1_024;

/// Records of the earlier layout: one sled key per record.
const LEGACY: u8 = 0x00;
const DELTA: u8 = 0x02;
const IMAGE_KEY: &[u8] = &[0xFF, b'i'];
/// The first byte of every encoded image and delta piece: the encoding's version.
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
    /// Where the model's image files go.
    dir: PathBuf,
    records: RwLock<Records>,
    loaded: AtomicBool,
    /// Held while loading, so that the records are read once.
    loading: Mutex<()>,
    /// Where the image and the deltas stand. Held while storing a delta and while pointing
    /// at a new image, so that one change of the tree happens at a time.
    layout: Mutex<Layout>,
    /// Deltas are folded into a new image once they hold as many bytes as the image, and at
    /// least this many.
    compact_min_bytes: u64,
}

#[derive(Default)]
struct Layout {
    /// The current image's generation (0: none yet).
    image: u64,
    /// Its length in bytes.
    image_bytes: u64,
    /// The sequence the next delta takes.
    next_delta: u64,
    /// The deltas the tree holds beside the image, in order: sequence and bytes.
    deltas: VecDeque<(u64, u64)>,
    /// A background thread is writing a new image.
    compacting: bool,
}

/// What the image pointer says.
struct Pointer {
    generation: u64,
    length: u64,
    crc: u32,
}

impl Pointer {
    fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(20);
        v.extend_from_slice(&self.generation.to_be_bytes());
        v.extend_from_slice(&self.length.to_be_bytes());
        v.extend_from_slice(&self.crc.to_be_bytes());
        v
    }

    fn decode(v: &[u8]) -> Result<Pointer, ProjectionError> {
        let malformed = || ProjectionError::Inconsistent("malformed image pointer".to_owned());
        if v.len() != 20 {
            return Err(malformed());
        }
        Ok(Pointer {
            generation: u64::from_be_bytes(bytes_at(v, 0).ok_or_else(malformed)?),
            length: u64::from_be_bytes(bytes_at(v, 8).ok_or_else(malformed)?),
            crc: u32::from_be_bytes(bytes_at(v, 16).ok_or_else(malformed)?),
        })
    }
}

impl Stored {
    /// The records persisted in `tree` and in the image files of `dir`, read on first use.
    pub(crate) fn new(tree: sled::Tree, dir: PathBuf) -> Stored {
        Stored::compacting_from(tree, dir, COMPACT_MIN_BYTES)
    }

    /// [`Stored::new`] folding deltas into an image from `bytes` on (tests make a model write
    /// images in the background after a few small stores).
    fn compacting_from(tree: sled::Tree, dir: PathBuf, bytes: u64) -> Stored {
        Stored {
            inner: Arc::new(Inner {
                tree,
                dir,
                records: RwLock::new(Records::new()),
                loaded: AtomicBool::new(false),
                loading: Mutex::new(()),
                layout: Mutex::new(Layout::default()),
                compact_min_bytes: bytes,
            }),
        }
    }

    /// Whether a background thread is writing a new image (the model's files must stay until
    /// it is done).
    pub(crate) fn is_compacting(&self) -> bool {
        self.layout().compacting
    }

    /// The sled tree the deltas and the checkpoint are kept in.
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

    fn image_path(&self, generation: u64) -> PathBuf {
        image_path(&self.inner.dir, generation)
    }

    /// Reads the records unless that was done: the image, then the deltas in order. Converts
    /// a tree of the earlier layout to an image.
    pub(crate) fn load(&self) -> Result<(), ProjectionError> {
        if self.inner.loaded.load(Ordering::Acquire) {
            return Ok(());
        }
        let _loading = self.inner.loading.lock().unwrap_or_else(|p| p.into_inner());
        if self.inner.loaded.load(Ordering::Acquire) {
            return Ok(());
        }
        let (records, loaded, legacy) = self.read_persisted()?;
        // Images no pointer names: a crash while one was written or before the old one went.
        remove_images_but(&self.inner.dir, loaded.image)?;
        *self.write() = records;
        let (image, covers) = (loaded.image, loaded.next_delta);
        *self.layout() = loaded;
        if legacy {
            let tree = &self.inner.tree;
            if image == 0 {
                let checkpoint = crate::changes::checkpoint(tree)?;
                self.write_image_covering(covers, Some(checkpoint))?;
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

    /// Reads every persisted record and checks it, writing nothing: whether the image is
    /// the one recorded and every delta decodes and follows the one before
    /// (`ledgerdesk-replay verify`).
    pub(crate) fn check(&self) -> Result<(), ProjectionError> {
        self.read_persisted().map(|_| ())
    }

    /// The records as persisted (the image, then the deltas in order; the records of the
    /// earlier layout when there is no image), where the layout stands, and whether the tree
    /// still holds records of the earlier layout. Reads only.
    fn read_persisted(&self) -> Result<(Records, Layout, bool), ProjectionError> {
        let tree = &self.inner.tree;
        let mut records = Records::new();
        let mut loaded = Layout::default();
        if let Some(v) = tree.get(IMAGE_KEY)? {
            let pointer = Pointer::decode(&v)?;
            let path = self.image_path(pointer.generation);
            let bytes = std::fs::read(&path).map_err(|e| {
                ProjectionError::Storage(format!("reading {}: {e}", path.display()))
            })?;
            if bytes.len() as u64 != pointer.length || crc32fast::hash(&bytes) != pointer.crc {
                return Err(ProjectionError::Inconsistent(format!(
                    "{} is not the image its model recorded (length or checksum differ)",
                    path.display()
                )));
            }
            decode(&bytes, false, |k, v| {
                if let Some(v) = v {
                    records.insert(k.to_vec(), v.to_vec());
                }
            })?;
            loaded.image = pointer.generation;
            loaded.image_bytes = pointer.length;
        }
        let mut last: Option<(u64, u32)> = None;
        for item in tree.scan_prefix([DELTA]) {
            let (k, bytes) = item?;
            let (sequence, piece) = delta_of(&k)?;
            let follows = match last {
                None => piece == 0,
                Some((s, p)) => {
                    (sequence == s && piece == p + 1) || (sequence == s + 1 && piece == 0)
                }
            };
            if !follows {
                return Err(ProjectionError::Inconsistent(format!(
                    "delta piece {sequence}/{piece} does not follow {last:?}"
                )));
            }
            last = Some((sequence, piece));
            match loaded.deltas.back_mut() {
                Some((s, b)) if *s == sequence => *b += bytes.len() as u64,
                _ => loaded.deltas.push_back((sequence, bytes.len() as u64)),
            }
            decode(&bytes, true, |k, v| match v {
                Some(v) => {
                    records.insert(k.to_vec(), v.to_vec());
                }
                None => {
                    records.remove(k);
                }
            })?;
        }
        loaded.next_delta = last.map_or(0, |(s, _)| s + 1);
        let legacy = tree.scan_prefix([LEGACY]).next().is_some();
        if legacy && loaded.image == 0 {
            for item in tree.scan_prefix([LEGACY]) {
                let (k, v) = item?;
                records.insert(k[1..].to_vec(), v.to_vec());
            }
        }
        Ok((records, loaded, legacy))
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
            cursor: RangeCursor::new(from, to, reverse),
            buffered: VecDeque::new(),
        }
    }

    /// Folds `writes` into the records, in memory only: a rebuild's windows, which are
    /// written as one image at the end.
    pub(crate) fn merge(&self, writes: Vec<Write>) -> Result<(), ProjectionError> {
        self.load()?;
        self.apply_in_steps(writes.into_iter());
        Ok(())
    }

    /// Applies `writes` to the records, [`MERGE_STEP`] of them per write lock.
    fn apply_in_steps(&self, writes: impl Iterator<Item = Write>) {
        let mut writes = writes.peekable();
        while writes.peek().is_some() {
            let mut records = self.write();
            for (k, v) in writes.by_ref().take(MERGE_STEP) {
                match v {
                    Some(v) => records.insert(k, v),
                    None => records.remove(&k),
                };
            }
        }
    }

    /// Persists a live model's layer as one delta, in one batch with the checkpoint
    /// `position` it reaches, then folds it into the records (the caller keeps the layer
    /// readable until this returns). Writes a new image when the deltas have outgrown the
    /// current one.
    pub(crate) fn persist(&self, layer: &Layer, position: u64) -> Result<(), ProjectionError> {
        self.load()?;
        let mut layout = self.layout();
        let mut batch = sled::Batch::default();
        let mut delta_bytes = 0u64;
        let mut piece = 0u32;
        let mut buffer = vec![FORMAT];
        let mut entries = layer.iter().peekable();
        while let Some((k, v)) = entries.next() {
            encode(&mut buffer, k, v.as_deref());
            if buffer.len() >= DELTA_PIECE_BYTES || entries.peek().is_none() {
                delta_bytes += buffer.len() as u64;
                let full = std::mem::replace(&mut buffer, vec![FORMAT]);
                batch.insert(&delta_key(layout.next_delta, piece)[..], full);
                piece += 1;
            }
        }
        batch.insert(CHECKPOINT_KEY, &position.to_be_bytes()[..]);
        self.inner.tree.apply_batch(batch)?;
        if piece > 0 {
            let sequence = layout.next_delta;
            layout.deltas.push_back((sequence, delta_bytes));
            layout.next_delta += 1;
        }
        self.apply_in_steps(layer.iter().map(|(k, v)| (k.clone(), v.clone())));
        let delta_bytes: u64 = layout.deltas.iter().map(|(_, bytes)| bytes).sum();
        let due = !layout.compacting
            && delta_bytes >= layout.image_bytes.max(self.inner.compact_min_bytes);
        if due {
            layout.compacting = true;
            let covers = layout.next_delta;
            drop(layout);
            self.compact_in_background(covers);
        }
        Ok(())
    }

    /// Writes a new image covering the deltas before `covers` on a thread of its own; a
    /// failure is logged and leaves the current image and the deltas, so the next store tries
    /// again.
    fn compact_in_background(&self, covers: u64) {
        let stored = self.clone();
        let spawned = std::thread::Builder::new()
            .name("ledgerdesk-image".to_owned())
            .spawn(move || {
                if let Err(e) = stored.write_image_covering(covers, None) {
                    tracing::warn!(
                        dir = %stored.inner.dir.display(),
                        error = %e,
                        "writing a read model's image failed: its deltas stay, and it is tried again"
                    );
                }
                stored.layout().compacting = false;
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start a thread to write a read model's image");
            self.layout().compacting = false;
        }
    }

    /// Writes every record as a new image with the checkpoint `position`, dropping every
    /// delta: the end of a rebuild. Nothing else stores meanwhile.
    pub(crate) fn write_image(&self, position: u64) -> Result<(), ProjectionError> {
        self.load()?;
        let covers = self.layout().next_delta;
        self.write_image_covering(covers, Some(position))
    }

    /// Writes every record as a new image that replaces the current one and the deltas before
    /// `covers`, all of which are in the records already; the later deltas stay, and loading
    /// applies them over the image. Sets the checkpoint when given one.
    ///
    /// Stores may go on meanwhile, so the image may also hold some of the later deltas'
    /// writes, and not others. That is sound: a delta holds whole values and removals, so
    /// applying it again over a record it already wrote changes nothing, and applying the
    /// later deltas in order leaves each key with its last write, as in the records.
    fn write_image_covering(
        &self,
        covers: u64,
        checkpoint: Option<u64>,
    ) -> Result<(), ProjectionError> {
        self.write_image_covering_then(covers, checkpoint, || {})
    }

    /// [`Stored::write_image_covering`], calling `meanwhile` once the image file is written,
    /// before the tree points at it: tests store deltas there, as a live model does while its
    /// image is being written. The records must be loaded (this is part of loading, for a
    /// tree of the earlier layout).
    fn write_image_covering_then(
        &self,
        covers: u64,
        checkpoint: Option<u64>,
        meanwhile: impl FnOnce(),
    ) -> Result<(), ProjectionError> {
        let tree = &self.inner.tree;
        let generation = self.layout().image + 1;
        let path = self.image_path(generation);
        let pointer = match self.write_image_file(&path, generation) {
            Ok(pointer) => pointer,
            Err(e) => {
                // A full disk, say: nothing points at the partial file.
                let _ = std::fs::remove_file(&path);
                return Err(e);
            }
        };
        meanwhile();
        let mut layout = self.layout();
        let mut batch = sled::Batch::default();
        batch.insert(IMAGE_KEY, pointer.encode());
        for item in tree.range(delta_key(0, 0)..delta_key(covers, 0)) {
            batch.remove(item?.0);
        }
        if let Some(checkpoint) = checkpoint {
            batch.insert(CHECKPOINT_KEY, &checkpoint.to_be_bytes()[..]);
        }
        tree.apply_batch(batch)?;
        let old = std::mem::replace(&mut layout.image, generation);
        layout.image_bytes = pointer.length;
        layout.deltas.retain(|(sequence, _)| *sequence >= covers);
        if old > 0 {
            // The old image goes once nothing durable can point at it any more.
            tree.flush()?;
            let old = self.image_path(old);
            std::fs::remove_file(&old).map_err(|e| {
                ProjectionError::Storage(format!("removing {}: {e}", old.display()))
            })?;
        }
        Ok(())
    }

    /// Writes every record to a new file at `path` and syncs it: the image `generation`.
    fn write_image_file(&self, path: &Path, generation: u64) -> Result<Pointer, ProjectionError> {
        let io = |e: std::io::Error| {
            ProjectionError::Storage(format!("writing {}: {e}", path.display()))
        };
        std::fs::create_dir_all(&self.inner.dir).map_err(io)?;
        let mut file = std::fs::File::options()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(io)?;
        let mut hasher = crc32fast::Hasher::new();
        let mut length = 0u64;
        let mut buffer = Vec::with_capacity(WRITE_BUFFER_BYTES + 4096);
        buffer.push(FORMAT);
        let mut after: Option<Vec<u8>> = None;
        loop {
            let mut more = false;
            {
                let records = self.read();
                let from = match &after {
                    Some(k) => Bound::Excluded(k.as_slice()),
                    None => Bound::Unbounded,
                };
                for (k, v) in records.range::<[u8], _>((from, Bound::Unbounded)) {
                    encode(&mut buffer, k, Some(v));
                    if buffer.len() >= WRITE_BUFFER_BYTES {
                        after = Some(k.clone());
                        more = true;
                        break;
                    }
                }
            }
            hasher.update(&buffer);
            file.write_all(&buffer).map_err(io)?;
            length += buffer.len() as u64;
            buffer.clear();
            if !more {
                break;
            }
        }
        file.sync_data().map_err(io)?;
        // The file's name must be durable too before a pointer names it.
        std::fs::File::open(&self.inner.dir)
            .and_then(|d| d.sync_all())
            .map_err(io)?;
        Ok(Pointer {
            generation,
            length,
            crc: hasher.finalize(),
        })
    }
}

/// Where image `generation` of the model in `dir` is written.
fn image_path(dir: &Path, generation: u64) -> PathBuf {
    dir.join(format!("image-{generation}"))
}

/// Removes the image files in `dir` other than `keep`'s.
fn remove_images_but(dir: &Path, keep: u64) -> Result<(), ProjectionError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(ProjectionError::Storage(format!(
                "listing {}: {e}",
                dir.display()
            )))
        }
    };
    let keep = format!("image-{keep}");
    for entry in entries {
        let entry = entry.map_err(|e| ProjectionError::Storage(e.to_string()))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("image-") && name != keep {
            std::fs::remove_file(entry.path()).map_err(|e| {
                ProjectionError::Storage(format!("removing {}: {e}", entry.path().display()))
            })?;
        }
    }
    Ok(())
}

/// Removes a model generation's image files, with its tree dropped (an old generation after
/// a swap, an abandoned rebuild).
pub(crate) fn remove_dir(dir: &Path) -> Result<(), ProjectionError> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(ProjectionError::Storage(
            format!("removing {}: {e}", dir.display()),
        )),
        _ => Ok(()),
    }
}

/// Records of a [`Stored`] in a range, fetched [`SCAN_STEP`] at a time.
pub(crate) struct Scan {
    stored: Stored,
    cursor: RangeCursor,
    buffered: VecDeque<(Vec<u8>, Vec<u8>)>,
}

/// Records fetched per step of a scan.
const SCAN_STEP: usize = 256;

impl Iterator for Scan {
    type Item = Result<(Vec<u8>, Vec<u8>), ProjectionError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buffered.is_empty() && !self.cursor.done {
            let c = &self.cursor;
            let step = match self.stored.range(&c.from, &c.to, c.reverse, SCAN_STEP) {
                Ok(step) => step,
                Err(e) => {
                    self.cursor.done = true;
                    return Some(Err(e));
                }
            };
            self.cursor.advance(&step, SCAN_STEP);
            self.buffered.extend(step);
        }
        self.buffered.pop_front().map(Ok)
    }
}

fn delta_key(sequence: u64, piece: u32) -> [u8; 13] {
    let mut k = [0u8; 13];
    k[0] = DELTA;
    k[1..9].copy_from_slice(&sequence.to_be_bytes());
    k[9..].copy_from_slice(&piece.to_be_bytes());
    k
}

fn delta_of(key: &[u8]) -> Result<(u64, u32), ProjectionError> {
    let malformed = || ProjectionError::Inconsistent("malformed delta key".to_owned());
    if key.len() != 13 {
        return Err(malformed());
    }
    let sequence = u64::from_be_bytes(bytes_at(key, 1).ok_or_else(malformed)?);
    let piece = u32::from_be_bytes(bytes_at(key, 9).ok_or_else(malformed)?);
    Ok((sequence, piece))
}

/// The `N` bytes of `v` from `at` on, when it has them.
fn bytes_at<const N: usize>(v: &[u8], at: usize) -> Option<[u8; N]> {
    v.get(at..at.checked_add(N)?)?.try_into().ok()
}

/// Appends one record (`None`: a removal) to an encoded image or delta piece.
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

/// Calls `record` with each record of an encoded image or delta piece, in order; removals only
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
