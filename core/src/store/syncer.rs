//! The second stage of group commit: making applied groups durable, then acknowledging them.
//!
//! The syncer takes every group the writer has applied since its last sync, calls sled's flush
//! once, follows it with an `fdatasync` of sled's data file (sled 0.34.7 ends its flush in
//! `sync_file_range`, which does not reach the drive's write cache), and only then answers the
//! appends and moves the durable head. A group is never answered before a sync that covers its
//! head has returned.

use std::fs::File;
use std::sync::{mpsc, Mutex};

use tokio::sync::{oneshot, watch};

use super::error::StoreError;
use super::known_versions::KnownVersions;
use super::sled_store::StoreConfig;
use crate::envelope::AppendResult;

/// The state of the log's durability, shared by the writer and the syncer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Health {
    Healthy,
    /// Groups were applied but a sync failed; retry the sync before accepting more.
    Unsynced {
        since: String,
    },
    /// A batch failed half-way inside sled: only a restart (and sled's recovery) is safe.
    Poisoned {
        reason: String,
    },
}

/// An append waiting for durability.
pub(crate) struct Reply {
    pub sender: oneshot::Sender<Result<AppendResult, StoreError>>,
    pub result: AppendResult,
}

/// A group the writer applied: it is durable once a sync covers `head`.
pub(crate) struct Applied {
    pub head: u64,
    pub replies: Vec<Reply>,
}

/// What both stages share: the database, the data file to `fdatasync`, health and the head.
pub(crate) struct Shared {
    db: sled::Db,
    data_file: File,
    config: StoreConfig,
    health: Mutex<Health>,
    head_tx: watch::Sender<u64>,
    pub(crate) counters: super::metrics::Counters,
    /// Streams' durable versions, recorded before the head moves past them.
    pub(crate) known: KnownVersions,
}

impl Shared {
    pub(crate) fn new(
        db: sled::Db,
        data_file: File,
        config: StoreConfig,
        head_tx: watch::Sender<u64>,
    ) -> Shared {
        Shared {
            db,
            data_file,
            config,
            health: Mutex::new(Health::Healthy),
            head_tx,
            counters: Default::default(),
            known: KnownVersions::default(),
        }
    }

    pub(crate) fn health(&self) -> Health {
        match self.health.lock() {
            Ok(h) => h.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub(crate) fn set_health(&self, health: Health) {
        let mut guard = match self.health.lock() {
            Ok(h) => h,
            Err(poisoned) => poisoned.into_inner(),
        };
        // A poisoned store stays poisoned.
        if !matches!(*guard, Health::Poisoned { .. }) {
            *guard = health;
        }
    }

    /// Moves the durable head forward (never back).
    pub(crate) fn publish_head(&self, head: u64) {
        self.head_tx.send_if_modified(|current| {
            if head > *current {
                *current = head;
                true
            } else {
                false
            }
        });
    }

    pub(crate) fn durable_head(&self) -> u64 {
        *self.head_tx.borrow()
    }

    /// sled's flush, then the fault hook, then `fdatasync` of sled's data file.
    pub(crate) fn sync(&self) -> Result<(), StoreError> {
        let started = std::time::Instant::now();
        let outcome = self.sync_once();
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.counters.sync(micros, outcome.is_ok());
        outcome
    }

    fn sync_once(&self) -> Result<(), StoreError> {
        self.db
            .flush()
            .map_err(|e| StoreError::sled("flushing the log", e))?;
        if let Some(hook) = &self.config.sync_hook {
            hook().map_err(|e| StoreError::io("syncing the log", e))?;
        }
        if self.config.fdatasync {
            self.data_file
                .sync_data()
                .map_err(|e| StoreError::io("fdatasync of the log", e))?;
        }
        Ok(())
    }
}

/// The syncer loop: runs until the writer is gone and every applied group is answered.
pub(crate) fn run(shared: std::sync::Arc<Shared>, receiver: mpsc::Receiver<Applied>) {
    let mut pending: Vec<Applied> = Vec::new();
    while let Ok(first) = receiver.recv() {
        pending.push(first);
        pending.extend(receiver.try_iter());
        complete(&shared, &mut pending);
    }
    // The writer has stopped: one last sync so that a clean shutdown leaves nothing behind.
    if let Err(err) = shared.sync() {
        tracing::error!(error = %err, "final sync of the event log failed");
    }
}

/// Makes `pending` durable with one sync (unless an earlier sync already covers it), then
/// answers every append in it: `Ok` after a successful sync, the I/O error otherwise.
pub(crate) fn complete(shared: &Shared, pending: &mut Vec<Applied>) {
    let needed = pending.iter().map(|g| g.head).max().unwrap_or(0);
    let outcome = if needed <= shared.durable_head() {
        Ok(())
    } else {
        shared.sync()
    };
    match outcome {
        Ok(()) => {
            let recovered = matches!(shared.health(), Health::Unsynced { .. });
            if recovered {
                tracing::warn!(head = needed, "event log is durable again");
                shared.set_health(Health::Healthy);
            }
            shared.known.durable(pending.iter().flat_map(|g| {
                g.replies
                    .iter()
                    .map(|r| (r.result.stream, r.result.last_version))
            }));
            shared.publish_head(needed);
            if recovered {
                shared.known.resume();
            }
            for group in pending.drain(..) {
                for reply in group.replies {
                    let _ = reply.sender.send(Ok(reply.result));
                }
            }
        }
        Err(err) => {
            tracing::error!(error = %err, "event log sync failed; nothing more is acknowledged until a sync succeeds");
            shared.set_health(Health::Unsynced {
                since: err.to_string(),
            });
            // These groups may become durable later, unacknowledged: versions are unknown.
            shared.known.suspend();
            for group in pending.drain(..) {
                for reply in group.replies {
                    let _ = reply.sender.send(Err(err.clone()));
                }
            }
        }
    }
}
