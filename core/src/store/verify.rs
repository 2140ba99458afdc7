//! Verification of a whole log: what `ledgerdesk-replay verify` and the crash test run.

use std::collections::HashMap;

use serde::Serialize;

use super::error::StoreError;
use super::sled_store::SledEventStore;
use crate::codec::{record_hash, ChunkView, GENESIS_HASH};
use crate::ids::StreamId;

/// The first thing found wrong with a log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyProblem {
    /// Position of the record (or first position of the chunk) at fault.
    pub position: u64,
    /// The stream concerned, when the record could be read.
    pub stream: Option<String>,
    /// What is wrong.
    pub detail: String,
}

/// The outcome of [`verify_log`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Records checked.
    pub events: u64,
    /// Distinct streams seen.
    pub streams: u64,
    /// The hash of the last record (hex), to compare with a copy.
    pub last_hash: String,
    /// The first problem, if any. Verification stops there.
    pub problem: Option<VerifyProblem>,
}

/// Reads the whole durable log and checks that positions are gap-free from 1, that each chunk's
/// key is the position of its first record, that every record decodes, that stream versions are
/// consecutive from 1, that the stream index points at each append, and that the hash chain holds.
pub fn verify_log(store: &SledEventStore) -> Result<VerifyReport, StoreError> {
    let mut expected_position = 1u64;
    let mut prev_hash = GENESIS_HASH;
    let mut versions: HashMap<StreamId, u64> = HashMap::new();
    let mut events = 0u64;
    let fail = |events: u64, versions: &HashMap<StreamId, u64>, prev: [u8; 32], problem| {
        Ok(VerifyReport {
            events,
            streams: versions.len() as u64,
            last_hash: hex::encode(prev),
            problem: Some(problem),
        })
    };
    for chunk in store.raw_chunks() {
        let (first, bytes) = chunk?;
        if first != expected_position {
            let detail = format!("expected a chunk starting at {expected_position}, found {first}");
            return fail(
                events,
                &versions,
                prev_hash,
                VerifyProblem {
                    position: first,
                    stream: None,
                    detail,
                },
            );
        }
        let view = match ChunkView::parse(&bytes) {
            Ok(view) => view,
            Err(e) => {
                let detail = format!("chunk does not decode: {e}");
                return fail(
                    events,
                    &versions,
                    prev_hash,
                    VerifyProblem {
                        position: first,
                        stream: None,
                        detail,
                    },
                );
            }
        };
        for i in 0..view.len() {
            let position = first + i as u64;
            let record = match view.record(i) {
                Ok(r) => r,
                Err(e) => {
                    let detail = format!("record does not decode: {e}");
                    return fail(
                        events,
                        &versions,
                        prev_hash,
                        VerifyProblem {
                            position,
                            stream: None,
                            detail,
                        },
                    );
                }
            };
            let stream = Some(record.stream.to_string());
            let problem = |detail: String| VerifyProblem {
                position,
                stream: stream.clone(),
                detail,
            };
            if record.position != position {
                let p = problem(format!("record claims position {}", record.position));
                return fail(events, &versions, prev_hash, p);
            }
            let expected_version = versions.get(&record.stream).copied().unwrap_or(0) + 1;
            if record.version != expected_version {
                let p = problem(format!(
                    "stream version {} where {expected_version} was expected",
                    record.version
                ));
                return fail(events, &versions, prev_hash, p);
            }
            let hash = record_hash(&prev_hash, &record);
            if hash != record.hash {
                let p = problem(format!(
                    "hash mismatch: stored {}, computed {}",
                    hex::encode(record.hash),
                    hex::encode(hash)
                ));
                return fail(events, &versions, prev_hash, p);
            }
            match SledEventStore::stream_entry(store_log(store), record.stream, record.version)? {
                Some(entry) if entry.position == position => {}
                Some(_) => {
                    let p = problem("stream index entry points elsewhere".to_owned());
                    return fail(events, &versions, prev_hash, p);
                }
                None => {
                    let p = problem("stream index has no entry for this version".to_owned());
                    return fail(events, &versions, prev_hash, p);
                }
            }
            versions.insert(record.stream, record.version);
            prev_hash = hash;
            events += 1;
            expected_position = position + 1;
        }
    }
    if expected_position - 1 != store_head(store) {
        let problem = VerifyProblem {
            position: expected_position,
            stream: None,
            detail: format!(
                "log ends at {}, head says {}",
                expected_position - 1,
                store_head(store)
            ),
        };
        return fail(events, &versions, prev_hash, problem);
    }
    Ok(VerifyReport {
        events,
        streams: versions.len() as u64,
        last_hash: hex::encode(prev_hash),
        problem: None,
    })
}

fn store_log(store: &SledEventStore) -> &sled::Tree {
    store.log_tree()
}

fn store_head(store: &SledEventStore) -> u64 {
    use super::EventStore;
    store.head()
}
