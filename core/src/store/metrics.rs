//! Counters of the write path, for `/metrics`: cheap atomics the writer and the syncer bump,
//! read as a snapshot by whoever exports them (core has no metrics library).

use std::sync::atomic::{AtomicU64, Ordering};

/// The live counters (shared by the writer and the syncer).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    groups: AtomicU64,
    appends: AtomicU64,
    events: AtomicU64,
    syncs: AtomicU64,
    sync_micros: AtomicU64,
    failed_syncs: AtomicU64,
}

/// A reading of the store's counters since it was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct StoreMetrics {
    /// Groups applied (one sled batch each).
    pub groups: u64,
    /// Appends written in those groups (retries of recorded appends not counted).
    pub appends: u64,
    /// Events written.
    pub events: u64,
    /// Syncs (flush + `fdatasync`) that succeeded.
    pub syncs: u64,
    /// Time spent in those syncs, in microseconds.
    pub sync_micros: u64,
    /// Syncs that failed.
    pub failed_syncs: u64,
}

impl Counters {
    pub(crate) fn group(&self, appends: u64, events: u64) {
        self.groups.fetch_add(1, Ordering::Relaxed);
        self.appends.fetch_add(appends, Ordering::Relaxed);
        self.events.fetch_add(events, Ordering::Relaxed);
    }

    pub(crate) fn sync(&self, micros: u64, ok: bool) {
        if ok {
            self.syncs.fetch_add(1, Ordering::Relaxed);
            self.sync_micros.fetch_add(micros, Ordering::Relaxed);
        } else {
            self.failed_syncs.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn read(&self) -> StoreMetrics {
        StoreMetrics {
            groups: self.groups.load(Ordering::Relaxed),
            appends: self.appends.load(Ordering::Relaxed),
            events: self.events.load(Ordering::Relaxed),
            syncs: self.syncs.load(Ordering::Relaxed),
            sync_micros: self.sync_micros.load(Ordering::Relaxed),
            failed_syncs: self.failed_syncs.load(Ordering::Relaxed),
        }
    }
}
