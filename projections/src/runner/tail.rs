//! The newest events of the log, read once for all live models.
//!
//! Every append wakes every live model, and each used to read and decode the same new
//! events from sled on its own: eight reads of each group commit. The first model to ask for
//! events past the newest chunk reads them and keeps them here; the others slice that chunk.
//! A model far behind (catching up) reads the store itself and replaces the chunk only with
//! newer events.

use std::sync::{Arc, Mutex};

use ledgerdesk_core::{EventStore, RecordedEvent, SledEventStore};

use crate::ProjectionError;

/// The newest chunk of the log read by any live model.
#[derive(Default)]
pub(super) struct Tail {
    newest: Mutex<Arc<Vec<RecordedEvent>>>,
}

/// Events of a shared chunk from some position on.
pub(super) struct Events {
    chunk: Arc<Vec<RecordedEvent>>,
    start: usize,
}

impl Events {
    pub(super) fn as_slice(&self) -> &[RecordedEvent] {
        self.chunk.get(self.start..).unwrap_or_default()
    }
}

impl Tail {
    fn newest(&self) -> Arc<Vec<RecordedEvent>> {
        match self.newest.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Up to `max` events from position `from` on (positions are gap-free): from the newest
    /// chunk when it holds `from`, else from the store.
    pub(super) async fn read(
        &self,
        store: &SledEventStore,
        from: u64,
        max: usize,
    ) -> Result<Events, ProjectionError> {
        let newest = self.newest();
        if let (Some(first), Some(last)) = (newest.first(), newest.last()) {
            if (first.position..=last.position).contains(&from) {
                let start = (from - first.position) as usize;
                let end = newest.len().min(start + max);
                if end == newest.len() {
                    return Ok(Events {
                        chunk: newest,
                        start,
                    });
                }
                return Ok(Events {
                    chunk: Arc::new(newest[start..end].to_vec()),
                    start: 0,
                });
            }
        }
        let events = Arc::new(store.read_all(from, max).await?);
        let newer = match (events.last(), newest.last()) {
            (Some(read), Some(kept)) => read.position > kept.position,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if newer {
            match self.newest.lock() {
                Ok(mut g) => *g = events.clone(),
                Err(p) => *p.into_inner() = events.clone(),
            }
        }
        Ok(Events {
            chunk: events,
            start: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::tests::append;
    use ledgerdesk_core::StoreConfig;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn models_at_the_head_share_the_newest_chunk_and_others_read_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledEventStore::open(dir.path(), StoreConfig::default()).unwrap();
        append(&store, "x", 10).await;
        let tail = Tail::default();
        let positions = |e: &Events| e.as_slice().iter().map(|e| e.position).collect::<Vec<_>>();

        let first = tail.read(&store, 4, 100).await.unwrap();
        assert_eq!(positions(&first), (4..=10).collect::<Vec<_>>());
        let shared = tail.read(&store, 7, 100).await.unwrap();
        assert!(Arc::ptr_eq(&first.chunk, &shared.chunk), "read again");
        assert_eq!(positions(&shared), vec![7, 8, 9, 10]);
        assert_eq!(
            positions(&tail.read(&store, 5, 2).await.unwrap()),
            vec![5, 6]
        );

        // Behind the chunk: read from the store, which does not replace the newer chunk.
        let behind = tail.read(&store, 1, 3).await.unwrap();
        assert_eq!(positions(&behind), vec![1, 2, 3]);
        assert!(Arc::ptr_eq(&tail.newest(), &first.chunk));

        // Past it: read, and kept for the others.
        append(&store, "x", 2).await;
        let next = tail.read(&store, 11, 100).await.unwrap();
        assert_eq!(positions(&next), vec![11, 12]);
        assert!(Arc::ptr_eq(&tail.newest(), &next.chunk));
        assert!(tail
            .read(&store, 13, 100)
            .await
            .unwrap()
            .as_slice()
            .is_empty());
    }
}
