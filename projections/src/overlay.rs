//! A live model's writes that are applied but not yet stored: what lets a model publish a
//! chunk of the log as soon as it has folded it, and store only every so often.
//!
//! A store is a sled batch, which takes sled's process-wide write lock, so a live model that
//! stored every group commit spent most of its time in sled, and wrote the same hot keys (a
//! history block of 64 positions, a day's counters) once per chunk. Here a chunk's writes go
//! to an in-memory layer that queries read before the stored records; the runner stores that
//! layer as one delta with its checkpoint every [`crate::runner`]-chosen interval
//! ([`crate::stored`]). The design's rule holds: a model's updates and its checkpoint are
//! written in one batch, so after a crash the model resumes from a stored checkpoint and the
//! layer's events are applied again, once.
//!
//! Two layers: `active` takes new chunks; `frozen` is the one being stored. Readers look
//! newest first (active, frozen, then the stored records), so a key is never missed while it
//! moves from the overlay to the records.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::changes::Write;

/// Writes by user key; `None` is a removal.
pub(crate) type Layer = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

#[derive(Default)]
struct Layers {
    active: Layer,
    /// Roughly what `active` holds, in bytes.
    active_bytes: usize,
    frozen: Option<Arc<Layer>>,
}

/// The applied, unstored writes of one live model. Cloning shares it.
#[derive(Clone, Default)]
pub(crate) struct Overlay {
    layers: Arc<RwLock<Layers>>,
}

/// What a pending write costs beyond its key and value (map node, vectors).
const PER_KEY_OVERHEAD: usize = 64;

impl Overlay {
    fn read(&self) -> RwLockReadGuard<'_, Layers> {
        self.layers.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Layers> {
        self.layers.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The overlay's word on `key`: `Some(value)` when a layer holds it (`Some(None)`: it was
    /// removed), `None` when the stored records decide.
    pub(crate) fn get(&self, key: &[u8]) -> Option<Option<Vec<u8>>> {
        let layers = self.read();
        if let Some(v) = layers.active.get(key) {
            return Some(v.clone());
        }
        layers.frozen.as_ref()?.get(key).cloned()
    }

    /// Publishes a chunk's writes (queries see them from now on).
    pub(crate) fn commit(&self, writes: &[Write]) {
        if writes.is_empty() {
            return;
        }
        let mut layers = self.write();
        for (key, value) in writes {
            let added = key.len() + value.as_ref().map_or(0, Vec::len) + PER_KEY_OVERHEAD;
            let replaced = layers.active.insert(key.clone(), value.clone());
            layers.active_bytes += added;
            if let Some(old) = replaced {
                let old = key.len() + old.map_or(0, |v| v.len()) + PER_KEY_OVERHEAD;
                layers.active_bytes = layers.active_bytes.saturating_sub(old);
            }
        }
    }

    /// Keys and bytes held by the active layer.
    pub(crate) fn active_size(&self) -> (usize, usize) {
        let layers = self.read();
        (layers.active.len(), layers.active_bytes)
    }

    /// Whether a frozen layer is still being written.
    pub(crate) fn is_flushing(&self) -> bool {
        self.read().frozen.is_some()
    }

    /// Moves the active layer to the frozen slot, to be stored; `None` when a
    /// frozen layer is still being written.
    pub(crate) fn freeze(&self) -> Option<Arc<Layer>> {
        let mut layers = self.write();
        if layers.frozen.is_some() {
            return None;
        }
        let frozen = Arc::new(std::mem::take(&mut layers.active));
        layers.active_bytes = 0;
        layers.frozen = Some(frozen.clone());
        Some(frozen)
    }

    /// The frozen layer is in the stored records now: drop it.
    pub(crate) fn release_frozen(&self) {
        self.write().frozen = None;
    }

    /// Up to `limit` entries of both layers in `(from, to)`, newest layer winning, in key
    /// order (descending when `reverse`). Removals are included (`None`): they hide the
    /// tree's entries.
    pub(crate) fn range(
        &self,
        from: &Bound<Vec<u8>>,
        to: &Bound<Vec<u8>>,
        reverse: bool,
        limit: usize,
    ) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        let layers = self.read();
        let bounds = (as_ref(from), as_ref(to));
        if range_is_empty(&bounds) {
            return Vec::new();
        }
        let mut merged: BTreeMap<&[u8], &Option<Vec<u8>>> = BTreeMap::new();
        let take = |layer: &'_ Layer| -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
            let range = layer.range::<[u8], _>(bounds);
            if reverse {
                range
                    .rev()
                    .take(limit)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            } else {
                range
                    .take(limit)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            }
        };
        let frozen = layers.frozen.as_deref().map(take).unwrap_or_default();
        let active = take(&layers.active);
        for (k, v) in frozen.iter().chain(active.iter()) {
            merged.insert(k, v);
        }
        let pick = |(k, v): (&&[u8], &&Option<Vec<u8>>)| (k.to_vec(), (*v).clone());
        if reverse {
            merged.iter().rev().take(limit).map(pick).collect()
        } else {
            merged.iter().take(limit).map(pick).collect()
        }
    }
}

/// What is left of a range read a step at a time (the overlay's layers, the stored records):
/// each step's last key narrows it, and a short step ends it.
pub(crate) struct RangeCursor {
    pub(crate) from: Bound<Vec<u8>>,
    pub(crate) to: Bound<Vec<u8>>,
    pub(crate) reverse: bool,
    pub(crate) done: bool,
}

impl RangeCursor {
    pub(crate) fn new(from: Bound<Vec<u8>>, to: Bound<Vec<u8>>, reverse: bool) -> RangeCursor {
        RangeCursor {
            from,
            to,
            reverse,
            done: false,
        }
    }

    /// Moves past a step that asked for `limit` entries and got `step`.
    pub(crate) fn advance<V>(&mut self, step: &[(Vec<u8>, V)], limit: usize) {
        self.done = step.len() < limit;
        if let Some((last, _)) = step.last() {
            if self.reverse {
                self.to = Bound::Excluded(last.clone());
            } else {
                self.from = Bound::Excluded(last.clone());
            }
        }
    }
}

pub(crate) fn as_ref(bound: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match bound {
        Bound::Included(k) => Bound::Included(k.as_slice()),
        Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// `BTreeMap::range` panics on a range whose start is past its end (or equal, both
/// excluded): such a range holds nothing.
pub(crate) fn range_is_empty(bounds: &(Bound<&[u8]>, Bound<&[u8]>)) -> bool {
    match bounds {
        (Bound::Included(a), Bound::Included(b)) => a > b,
        (Bound::Included(a), Bound::Excluded(b))
        | (Bound::Excluded(a), Bound::Included(b))
        | (Bound::Excluded(a), Bound::Excluded(b)) => a >= b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(k: &str, v: Option<&str>) -> Write {
        (k.as_bytes().to_vec(), v.map(|v| v.as_bytes().to_vec()))
    }

    #[test]
    fn the_active_layer_hides_the_frozen_one_and_removals_are_answers() {
        let overlay = Overlay::default();
        overlay.commit(&[w("a", Some("1")), w("b", Some("1"))]);
        let frozen = overlay.freeze().expect("nothing frozen yet");
        assert_eq!(frozen.len(), 2);
        assert!(overlay.freeze().is_none(), "one frozen layer at a time");
        overlay.commit(&[w("a", Some("2")), w("b", None)]);
        assert_eq!(overlay.get(b"a"), Some(Some(b"2".to_vec())));
        assert_eq!(overlay.get(b"b"), Some(None));
        assert_eq!(overlay.get(b"c"), None);
        overlay.release_frozen();
        assert_eq!(overlay.get(b"a"), Some(Some(b"2".to_vec())));
        assert!(!overlay.is_flushing());
    }

    #[test]
    fn a_range_merges_both_layers_in_order_and_in_reverse() {
        let overlay = Overlay::default();
        overlay.commit(&[w("k1", Some("old")), w("k3", Some("x")), w("z", Some("z"))]);
        overlay.freeze();
        overlay.commit(&[w("k1", Some("new")), w("k2", None)]);
        let from = Bound::Included(b"k".to_vec());
        let to = Bound::Excluded(b"l".to_vec());
        let forward = overlay.range(&from, &to, false, 10);
        assert_eq!(
            forward,
            vec![w("k1", Some("new")), w("k2", None), w("k3", Some("x"))]
        );
        let back = overlay.range(&from, &to, true, 2);
        assert_eq!(back, vec![w("k3", Some("x")), w("k2", None)]);
        let empty = overlay.range(
            &Bound::Excluded(b"k2".to_vec()),
            &Bound::Excluded(b"k2".to_vec()),
            false,
            10,
        );
        assert!(empty.is_empty());
    }
}
