//! The overlay a projection writes through, and the read handle queries use.
//!
//! A projection's records live in memory and are persisted in one sled tree
//! ([`crate::stored`]), with the runner's checkpoint under `0xFF`. One tree means one atomic
//! batch for a stored layer of changes and its checkpoint.

use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;
use std::sync::Arc;

use crate::overlay::{Overlay, RangeCursor};
use crate::stored::{Scan, Stored};
use crate::{MemoryIndex, ProjectionError};

/// One committed write of a chunk, as a [`MemoryIndex`] sees it: the key and its new value,
/// `None` for a removal.
pub type Write = (Vec<u8>, Option<Vec<u8>>);

/// The records' keys in the digest carry the prefix byte they had when each record was a sled
/// key of its own, so that digests stay comparable across that change.
const DIGEST_PREFIX: u8 = 0x00;
pub(crate) const CHECKPOINT_KEY: &[u8] = &[0xFF, b'c'];
/// Written by the earlier layout while a rebuild wrote a window in several batches: a tree
/// that holds it is half written and is rebuilt from scratch.
pub(crate) const FLUSHING_KEY: &[u8] = &[0xFF, b'f'];

/// Pending changes of one chunk (or, in a rebuild, of a window of chunks) over a projection's
/// records: reads see earlier writes, and a key written many times is stored once.
pub struct Changes<'a> {
    records: &'a Stored,
    /// A live model's applied writes not yet in `records`: read before them.
    overlay: Option<&'a Overlay>,
    /// By user key (without the data prefix).
    pending: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// Roughly what `pending` holds, in bytes.
    bytes: usize,
}

impl<'a> Changes<'a> {
    /// Changes over what `records` holds (a rebuild's window).
    pub(crate) fn new(records: &'a Stored) -> Changes<'a> {
        Changes {
            records,
            overlay: None,
            pending: BTreeMap::new(),
            bytes: 0,
        }
    }

    /// Changes over a live model: what `overlay` holds, then `records`.
    pub(crate) fn over(records: &'a Stored, overlay: &'a Overlay) -> Changes<'a> {
        Changes {
            overlay: Some(overlay),
            ..Changes::new(records)
        }
    }

    /// The current value of `key`, including this chunk's writes.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, ProjectionError> {
        if let Some(v) = self.pending.get(key) {
            return Ok(v.clone());
        }
        self.stored(key)
    }

    /// The value of `key` before this chunk: the overlay's, else the stored records'.
    fn stored(&self, key: &[u8]) -> Result<Option<Vec<u8>>, ProjectionError> {
        if let Some(v) = self.overlay.and_then(|o| o.get(key)) {
            return Ok(v);
        }
        self.records.get(key)
    }

    /// Sets `key` to `value`.
    pub fn insert(&mut self, key: &[u8], value: Vec<u8>) {
        self.bytes += key.len() + value.len() + PER_KEY_OVERHEAD;
        let replaced = self.pending.insert(key.to_vec(), Some(value));
        self.forget(key, replaced);
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &[u8]) {
        self.bytes += key.len() + PER_KEY_OVERHEAD;
        let replaced = self.pending.insert(key.to_vec(), None);
        self.forget(key, replaced);
    }

    /// Takes a replaced pending write out of the byte count, so that a window in which the
    /// same keys are rewritten many times (a ticket's summary) is measured by what it holds.
    fn forget(&mut self, key: &[u8], replaced: Option<Option<Vec<u8>>>) {
        if let Some(old) = replaced {
            let old_bytes = key.len() + old.map_or(0, |v| v.len()) + PER_KEY_OVERHEAD;
            self.bytes = self.bytes.saturating_sub(old_bytes);
        }
    }

    /// Appends `record` to the value at `key`: for models that keep a list per key (a page of
    /// entries), so that a chunk's appends to one key are one write and cost what they add.
    pub fn append(&mut self, key: &[u8], record: &[u8]) -> Result<(), ProjectionError> {
        self.bytes += record.len();
        if let Some(Some(value)) = self.pending.get_mut(key) {
            value.extend_from_slice(record);
            return Ok(());
        }
        let mut value = match self.pending.get(key) {
            Some(_) => Vec::new(),
            None => self.stored(key)?.unwrap_or_default(),
        };
        value.extend_from_slice(record);
        self.insert(key, value);
        Ok(())
    }

    /// How many keys are pending.
    pub(crate) fn len(&self) -> usize {
        self.pending.len()
    }

    /// Roughly how many bytes the pending writes hold.
    pub(crate) fn pending_bytes(&self) -> usize {
        self.bytes
    }

    /// Keys under `prefix` as they stand with this chunk's writes, in order (for models that
    /// must visit a small set, e.g. a ticket's entries; not for whole-model scans).
    pub fn keys_with_prefix(&self, prefix: &[u8]) -> Result<Vec<Vec<u8>>, ProjectionError> {
        let mut keys: BTreeMap<Vec<u8>, bool> = BTreeMap::new();
        let (from, to) = prefix_bounds(prefix);
        for (k, _) in self.records.range(&from, &to, false, usize::MAX)? {
            keys.insert(k, true);
        }
        if let Some(overlay) = self.overlay {
            for (k, v) in overlay.range(&from, &to, false, usize::MAX) {
                keys.insert(k, v.is_some());
            }
        }
        for (k, v) in self.pending.range(prefix.to_vec()..) {
            if !k.starts_with(prefix) {
                break;
            }
            keys.insert(k.clone(), v.is_some());
        }
        Ok(keys
            .into_iter()
            .filter(|(_, present)| *present)
            .map(|(k, _)| k)
            .collect())
    }

    /// The pending writes in key order, for the stored records and a [`MemoryIndex`].
    pub(crate) fn into_writes(self) -> Vec<Write> {
        self.pending.into_iter().collect()
    }
}

/// What a pending write costs beyond its key and value (map node, vectors).
const PER_KEY_OVERHEAD: usize = 64;

/// The user keys starting with `prefix`, as bounds.
fn prefix_bounds(prefix: &[u8]) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
    let mut end = prefix.to_vec();
    // The smallest key greater than every key starting with the prefix.
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return (Bound::Included(prefix.to_vec()), Bound::Excluded(end));
        }
    }
    (Bound::Included(prefix.to_vec()), Bound::Unbounded)
}

/// A read-only view of a projection's model, as of `position` (or later).
#[derive(Clone)]
pub struct ProjectionView {
    pub(crate) stored: Stored,
    /// A live model's applied writes not yet in `stored`.
    pub(crate) overlay: Option<Overlay>,
    pub(crate) position: u64,
    pub(crate) memory: Option<Arc<dyn MemoryIndex>>,
}

/// Overlay entries fetched per step of a scan.
const SCAN_STEP: usize = 256;

impl ProjectionView {
    /// A view of what `stored` holds, as of `position` (a stored model: tests, index loads).
    pub(crate) fn of_stored(stored: Stored, position: u64) -> ProjectionView {
        ProjectionView {
            stored,
            overlay: None,
            position,
            memory: None,
        }
    }

    /// The model's in-memory index, when it keeps one of type `T`.
    pub fn memory<T: MemoryIndex>(&self) -> Option<&T> {
        self.memory.as_deref()?.as_any().downcast_ref::<T>()
    }

    /// The log position this view reflects (every event up to it is applied).
    pub fn position(&self) -> u64 {
        self.position
    }

    /// The value of `key`.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, ProjectionError> {
        if let Some(v) = self.overlay.as_ref().and_then(|o| o.get(key)) {
            return Ok(v);
        }
        self.stored.get(key)
    }

    /// Key/value pairs under `prefix`, in key order, from `after` (exclusive) when given:
    /// the primitive of cursor pagination over an index.
    pub fn scan(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        reverse: bool,
    ) -> impl Iterator<Item = Result<(Vec<u8>, Vec<u8>), ProjectionError>> + '_ {
        let (start, end) = prefix_bounds(prefix);
        // A cursor outside the prefix's keys narrows nothing: the prefix's bound stays.
        let (from, to) = match (after, reverse) {
            (Some(a), false) if a >= prefix => (Bound::Excluded(a.to_vec()), end),
            (Some(a), true) if !matches!(&end, Bound::Excluded(e) if a >= e.as_slice()) => {
                (start, Bound::Excluded(a.to_vec()))
            }
            _ => (start, end),
        };
        MergedScan {
            stored: self
                .stored
                .scan(from.clone(), to.clone(), reverse)
                .peekable(),
            buffered: VecDeque::new(),
            cursor: RangeCursor {
                done: self.overlay.is_none(),
                ..RangeCursor::new(from, to, reverse)
            },
            overlay: self.overlay.clone(),
        }
    }
}

/// A scan of the stored records with the overlay's entries laid over them (newer values
/// replace the stored ones, removals hide them), each fetched a step at a time.
struct MergedScan {
    stored: std::iter::Peekable<Scan>,
    overlay: Option<Overlay>,
    buffered: VecDeque<(Vec<u8>, Option<Vec<u8>>)>,
    /// What is left of the overlay's side of the range: it resumes from here.
    cursor: RangeCursor,
}

impl MergedScan {
    /// The next overlay entry, fetching another step when the buffer is empty.
    fn peek_overlay(&mut self) -> Option<&(Vec<u8>, Option<Vec<u8>>)> {
        if self.buffered.is_empty() && !self.cursor.done {
            if let Some(overlay) = &self.overlay {
                let c = &self.cursor;
                let step = overlay.range(&c.from, &c.to, c.reverse, SCAN_STEP);
                self.cursor.advance(&step, SCAN_STEP);
                self.buffered.extend(step);
            }
        }
        self.buffered.front()
    }
}

impl Iterator for MergedScan {
    type Item = Result<(Vec<u8>, Vec<u8>), ProjectionError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let reverse = self.cursor.reverse;
            let overlay_key = self.peek_overlay().map(|(k, _)| k.clone());
            let tree_key = match self.stored.peek() {
                Some(Ok((k, _))) => Some(k.clone()),
                Some(Err(_)) => {
                    return match self.stored.next() {
                        Some(Err(e)) => Some(Err(e)),
                        _ => None,
                    };
                }
                None => None,
            };
            let overlay_first = match (&overlay_key, &tree_key) {
                (Some(o), Some(t)) => {
                    if reverse {
                        o >= t
                    } else {
                        o <= t
                    }
                }
                (Some(_), None) => true,
                (None, _) => false,
            };
            if overlay_first {
                if overlay_key == tree_key {
                    self.stored.next();
                }
                let (k, v) = self.buffered.pop_front()?;
                match v {
                    Some(v) => return Some(Ok((k, v))),
                    None => continue,
                }
            }
            return self.stored.next();
        }
    }
}

pub(crate) fn checkpoint(tree: &sled::Tree) -> Result<u64, ProjectionError> {
    Ok(tree
        .get(CHECKPOINT_KEY)?
        .map(|v| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&v[..8.min(v.len())]);
            u64::from_be_bytes(b)
        })
        .unwrap_or(0))
}

/// BLAKE3 over every data key and value in order: equal digests mean equal models.
pub(crate) fn digest(view: &ProjectionView) -> Result<String, ProjectionError> {
    let mut h = blake3::Hasher::new();
    for item in view.scan(&[], None, false) {
        let (k, v) = item?;
        h.update(&(k.len() as u64 + 1).to_le_bytes());
        h.update(&[DIGEST_PREFIX]);
        h.update(&k);
        h.update(&(v.len() as u64).to_le_bytes());
        h.update(&v);
    }
    Ok(h.finalize().to_hex().to_string())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    /// A key from a small alphabet, so that prefixes and cursors fall among many keys.
    fn key() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![Just(b'a'), Just(b'b'), Just(b'c'), Just(0xFF)],
            1..5,
        )
    }

    /// A write: a value, or a removal.
    fn write() -> impl Strategy<Value = (Vec<u8>, Option<Vec<u8>>)> {
        (
            key(),
            proptest::option::weighted(0.7, proptest::collection::vec(any::<u8>(), 0..3)),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Reads through a view (stored records, then a frozen layer, then the active one, newest
        /// winning, removals hiding) answer what one map with every write applied in order
        /// answers: `get`, and `scan` from any prefix and cursor in both directions, including
        /// scans longer than one overlay step.
        #[test]
        fn a_view_reads_stored_records_and_overlay_as_one_map(
            stored in proptest::collection::vec((key(), proptest::collection::vec(any::<u8>(), 0..3)), 0..300),
            frozen in proptest::collection::vec(write(), 0..400),
            active in proptest::collection::vec(write(), 0..400),
            prefix in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(0xFF)], 0..2),
            after in proptest::option::of(key()),
            reverse in any::<bool>(),
        ) {
            let db = sled::Config::new().temporary(true).open().unwrap();
            let dir = tempfile::tempdir().unwrap();
            let records = Stored::new(db.open_tree("model").unwrap(), dir.path().to_path_buf());
            let mut expected: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
            let mut layer = crate::overlay::Layer::new();
            for (k, v) in &stored {
                layer.insert(k.clone(), Some(v.clone()));
                expected.insert(k.clone(), v.clone());
            }
            records.persist(&layer, 7).unwrap();
            let overlay = Overlay::default();
            for layer in [&frozen, &active] {
                let writes: BTreeMap<_, _> = layer.iter().cloned().collect();
                let writes: Vec<Write> = writes.into_iter().collect();
                overlay.commit(&writes);
                for (k, v) in &writes {
                    match v {
                        Some(v) => expected.insert(k.clone(), v.clone()),
                        None => expected.remove(k),
                    };
                }
                if std::ptr::eq(layer, &frozen) {
                    overlay.freeze();
                }
            }
            let view = ProjectionView {
                overlay: Some(overlay),
                ..ProjectionView::of_stored(records, 7)
            };

            let touched = stored.iter().map(|(k, _)| k);
            for k in touched.chain(frozen.iter().chain(active.iter()).map(|(k, _)| k)) {
                prop_assert_eq!(view.get(k).unwrap(), expected.get(k).cloned());
            }
            let mut wanted: Vec<(Vec<u8>, Vec<u8>)> = expected
                .iter()
                .filter(|(k, _)| k.starts_with(&prefix))
                .filter(|(k, _)| match (&after, reverse) {
                    (Some(a), false) => k.as_slice() > a.as_slice(),
                    (Some(a), true) => k.as_slice() < a.as_slice(),
                    (None, _) => true,
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if reverse {
                wanted.reverse();
            }
            let got: Vec<(Vec<u8>, Vec<u8>)> = view
                .scan(&prefix, after.as_deref(), reverse)
                .collect::<Result<_, _>>()
                .unwrap();
            prop_assert_eq!(got, wanted);
        }
    }
}
