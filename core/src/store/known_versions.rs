//! Each recently used stream's durable version, kept in memory.
//!
//! Why: a command (and every request's authentication) loads its aggregates from the command
//! service's cache, and a cache hit is only good if no event was appended since. Asking sled
//! costs a range read per stream per request. The syncer knows every version it makes
//! durable, so it records them here before it moves the head and answers the callers: anyone
//! who has seen an acknowledgement, or the head that covers it, finds the new version here.
//!
//! The map answers only what it knows exactly. A stream it has never seen is unknown and the
//! caller reads sled, which seeds the map. A failed sync suspends the map until a sync
//! succeeds again and the head has moved: the groups it covered become durable then, without
//! an acknowledgement that records them. Outgrowing the size bound clears it. A reader's seed
//! is dropped when the map was cleared while it read sled, so a seed can never bring back a
//! version older than one that became durable.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::ids::StreamId;

/// The map is cleared when it grows past this many streams.
const MAX_STREAMS: usize = 200_000;

/// Durable versions of streams, as far as this process knows them exactly.
#[derive(Default)]
pub(crate) struct KnownVersions {
    inner: Mutex<Known>,
}

#[derive(Default)]
struct Known {
    versions: HashMap<StreamId, u64>,
    /// Bumped by every clear: a seed read before a clear is not trusted after it.
    generation: u64,
    /// Between a failed sync and the next successful one: knows nothing.
    suspended: bool,
}

/// What a reader holds while it reads a stream from sled, to seed the map afterwards.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SeedTicket(u64);

impl KnownVersions {
    fn lock(&self) -> MutexGuard<'_, Known> {
        match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The stream's durable version, if known exactly (0: the stream has no events).
    pub(crate) fn get(&self, stream: StreamId) -> Option<u64> {
        let known = self.lock();
        if known.suspended {
            return None;
        }
        known.versions.get(&stream).copied()
    }

    /// Records versions the syncer just made durable. Called before the head moves.
    pub(crate) fn durable(&self, versions: impl IntoIterator<Item = (StreamId, u64)>) {
        let mut known = self.lock();
        if known.suspended {
            return;
        }
        for (stream, version) in versions {
            known.record(stream, version);
        }
    }

    /// After a failed sync: the groups it covered may become durable later, unrecorded, so
    /// the map knows nothing until [`KnownVersions::resume`].
    pub(crate) fn suspend(&self) {
        let mut known = self.lock();
        known.clear();
        known.suspended = true;
    }

    /// After a successful sync has published the head past every group that failed: starts
    /// afresh (seeds read before this are dropped).
    pub(crate) fn resume(&self) {
        let mut known = self.lock();
        known.clear();
        known.suspended = false;
    }

    /// Taken before a reader reads a stream's versions from sled.
    pub(crate) fn ticket(&self) -> SeedTicket {
        SeedTicket(self.lock().generation)
    }

    /// A reader found `version` as the stream's last durable version. Kept unless the map was
    /// cleared since `ticket` was taken; a newer version the syncer recorded meanwhile wins.
    pub(crate) fn seed(&self, ticket: SeedTicket, stream: StreamId, version: u64) {
        let mut known = self.lock();
        if known.generation != ticket.0 {
            return;
        }
        known.record(stream, version);
    }
}

impl Known {
    /// Notes `version` for `stream`, never going back (a retry is answered with its original,
    /// older version; a reader may have read before the latest append), within the bound.
    fn record(&mut self, stream: StreamId, version: u64) {
        let entry = self.versions.entry(stream).or_insert(version);
        *entry = (*entry).max(version);
        if self.versions.len() > MAX_STREAMS {
            self.clear();
        }
    }

    fn clear(&mut self) {
        self.versions.clear();
        self.generation += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::StreamKind;

    fn stream(n: u128) -> StreamId {
        StreamId::new(StreamKind::Ticket, ulid::Ulid(n))
    }

    #[test]
    fn unknown_until_seeded_or_made_durable() {
        let known = KnownVersions::default();
        assert_eq!(known.get(stream(1)), None);
        known.seed(known.ticket(), stream(1), 3);
        known.durable([(stream(2), 1)]);
        assert_eq!(known.get(stream(1)), Some(3));
        assert_eq!(known.get(stream(2)), Some(1));
    }

    #[test]
    fn versions_never_go_back() {
        let known = KnownVersions::default();
        known.durable([(stream(1), 5)]);
        // A retry's answer and a reader that read before the append are both older.
        known.durable([(stream(1), 4)]);
        known.seed(known.ticket(), stream(1), 2);
        assert_eq!(known.get(stream(1)), Some(5));
    }

    #[test]
    fn a_seed_read_before_a_clear_is_dropped() {
        let known = KnownVersions::default();
        let ticket = known.ticket();
        // The reader read version 2; meanwhile version 3 became durable and the map was
        // cleared (a failed sync): the old read must not come back.
        known.durable([(stream(1), 3)]);
        known.suspend();
        known.seed(ticket, stream(1), 2);
        assert_eq!(known.get(stream(1)), None);
        known.resume();
        known.seed(ticket, stream(1), 2);
        assert_eq!(known.get(stream(1)), None);
        known.seed(known.ticket(), stream(1), 3);
        assert_eq!(known.get(stream(1)), Some(3));
    }

    #[test]
    fn a_suspended_map_knows_nothing_until_resumed() {
        let known = KnownVersions::default();
        known.durable([(stream(1), 3)]);
        known.suspend();
        // Readers during the failure read the old head: their seeds must not survive it.
        let during = known.ticket();
        known.seed(during, stream(1), 3);
        known.durable([(stream(2), 1)]);
        assert_eq!(known.get(stream(1)), None);
        assert_eq!(known.get(stream(2)), None);
        known.resume();
        known.seed(during, stream(1), 3);
        assert_eq!(known.get(stream(1)), None);
        known.durable([(stream(2), 2)]);
        assert_eq!(known.get(stream(2)), Some(2));
    }
}
