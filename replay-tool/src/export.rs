//! Export to and import from JSON lines.
//!
//! The file starts with a header line, `{"format":"ledgerdesk-export","version":1,...}`, then
//! one event per line: the whole envelope, the payload and the hash in hex. Exporting a log,
//! importing it into an empty directory and exporting again gives an identical file: the
//! import re-appends each original append with its original `recorded_at`, so positions,
//! versions and hashes come out the same, and any edited line shows up as a hash mismatch.

use std::io::{BufRead, Write};

use ledgerdesk_core::{
    Actor, AppendMeta, AppendRequest, EventStore, ExpectedVersion, NewEvent, RecordedEvent,
    SledEventStore, StreamId, Timestamp, UniqueClaim,
};
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use crate::Failure;

const FORMAT: &str = "ledgerdesk-export";
const VERSION: u32 = 1;
const READ_CHUNK: usize = 10_000;
const IMPORT_BATCH: usize = 2_000;

/// The first line of an export.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Header {
    format: String,
    version: u32,
    from: u64,
    to: u64,
    stream: Option<String>,
}

/// One event of an export.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    position: u64,
    stream: StreamId,
    version: u64,
    event_id: Ulid,
    recorded_at: i64,
    actor: Actor,
    correlation_id: Ulid,
    causation_id: Option<Ulid>,
    event_type: String,
    schema_version: u16,
    payload_hex: String,
    claims: Vec<UniqueClaim>,
    hash: String,
}

impl From<&RecordedEvent> for Line {
    fn from(r: &RecordedEvent) -> Line {
        Line {
            position: r.position,
            stream: r.stream,
            version: r.version,
            event_id: r.event_id,
            recorded_at: r.recorded_at.0,
            actor: r.actor,
            correlation_id: r.correlation_id,
            causation_id: r.causation_id,
            event_type: r.event_type.clone(),
            schema_version: r.schema_version,
            payload_hex: hex::encode(&r.payload),
            claims: r.claims.clone(),
            hash: hex::encode(r.hash),
        }
    }
}

impl Line {
    fn into_record(self) -> Result<RecordedEvent, String> {
        let payload = hex::decode(&self.payload_hex).map_err(|e| format!("payload_hex: {e}"))?;
        let hash: [u8; 32] = hex::decode(&self.hash)
            .ok()
            .and_then(|h| h.try_into().ok())
            .ok_or("hash: not 64 hex digits")?;
        Ok(RecordedEvent {
            position: self.position,
            stream: self.stream,
            version: self.version,
            event_id: self.event_id,
            recorded_at: Timestamp(self.recorded_at),
            actor: self.actor,
            correlation_id: self.correlation_id,
            causation_id: self.causation_id,
            event_type: self.event_type,
            schema_version: self.schema_version,
            payload,
            claims: self.claims,
            hash,
        })
    }
}

fn json<T: Serialize>(value: &T) -> Result<String, Failure> {
    serde_json::to_string(value).map_err(|e| Failure::Io(e.to_string()))
}

/// Writes positions `from..=to` (or of one stream) as JSON lines.
pub(crate) async fn export(
    store: &SledEventStore,
    from: u64,
    to: Option<u64>,
    stream: Option<StreamId>,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let head = store.head();
    let to = to.unwrap_or(head).min(head);
    let from = from.max(1);
    let header = Header {
        format: FORMAT.to_owned(),
        version: VERSION,
        from,
        to,
        stream: stream.map(|s| s.to_string()),
    };
    writeln!(out, "{}", json(&header)?)?;
    if from > to {
        return Ok(());
    }
    let mut next = from;
    match stream {
        None => loop {
            let records = store.read_all(next, READ_CHUNK).await?;
            for record in records.iter().take_while(|r| r.position <= to) {
                writeln!(out, "{}", json(&Line::from(record))?)?;
            }
            match records.last() {
                Some(last) if last.position < to => next = last.position + 1,
                _ => return Ok(()),
            }
        },
        Some(stream) => {
            let mut version = 1;
            loop {
                let records = store.read_stream(stream, version, READ_CHUNK).await?;
                for record in records.iter().filter(|r| (from..=to).contains(&r.position)) {
                    writeln!(out, "{}", json(&Line::from(record))?)?;
                }
                match records.last() {
                    Some(last) if records.len() == READ_CHUNK => version = last.version + 1,
                    _ => return Ok(()),
                }
            }
        }
    }
}

/// Loads a whole-log export into an empty store. Returns the number of events imported.
pub(crate) async fn import(store: &SledEventStore, input: impl BufRead) -> Result<u64, Failure> {
    let mut lines = input.lines();
    let first = lines
        .next()
        .ok_or_else(|| Failure::Usage("the file is empty: not a ledgerdesk export".to_owned()))??;
    let header: Header = serde_json::from_str(&first)
        .ok()
        .filter(|h: &Header| h.format == FORMAT)
        .ok_or_else(|| {
            Failure::Usage("the first line is not a ledgerdesk export header".to_owned())
        })?;
    if header.version != VERSION {
        return Err(Failure::Usage(format!(
            "export format version {} is not supported",
            header.version
        )));
    }
    if header.from != 1 || header.stream.is_some() {
        return Err(Failure::Usage(
            "only a whole-log export (from position 1, no --stream) can be imported".to_owned(),
        ));
    }
    let mut records = Vec::with_capacity(IMPORT_BATCH);
    let mut imported = 0u64;
    for (n, line) in lines.enumerate() {
        let line = line?;
        if line.is_empty() {
            continue;
        }
        let record = serde_json::from_str::<Line>(&line)
            .map_err(|e| e.to_string())
            .and_then(Line::into_record)
            .map_err(|e| Failure::Usage(format!("line {}: {e}", n + 2)))?;
        records.push(record);
        if records.len() >= IMPORT_BATCH {
            imported += import_batch(store, &mut records).await?;
        }
    }
    imported += import_batch(store, &mut records).await?;
    if imported != header.to {
        return Err(Failure::Problem(format!(
            "the header promises {} events, the file holds {imported}",
            header.to
        )));
    }
    Ok(imported)
}

/// Re-appends a run of exported records, append by append, and checks the hashes that result.
/// Records that cross the batch boundary mid-append stay in `records` for the next batch.
async fn import_batch(
    store: &SledEventStore,
    records: &mut Vec<RecordedEvent>,
) -> Result<u64, Failure> {
    if records.is_empty() {
        return Ok(0);
    }
    let appends = split_appends(records);
    let requests: Vec<AppendRequest> = appends
        .iter()
        .map(|a| to_request(a))
        .collect::<Result<_, _>>()?;
    let results = store.append_in_order(requests).await;
    for (append, result) in appends.iter().zip(results) {
        let result = result
            .map_err(|e| Failure::Problem(format!("position {}: {e}", append[0].position)))?;
        if result.first_position != append[0].position {
            return Err(Failure::Problem(format!(
                "position {} came out at {}: the export has a gap or is out of order",
                append[0].position, result.first_position
            )));
        }
    }
    let first = records[0].position;
    let written = store.read_all(first, records.len()).await?;
    for (original, stored) in records.iter().zip(&written) {
        if original.hash != stored.hash {
            return Err(Failure::Problem(format!(
                "position {}: the hash differs from the export's: the line was altered",
                original.position
            )));
        }
    }
    let n = records.len() as u64;
    records.clear();
    Ok(n)
}

/// Splits records into the appends they came from: consecutive positions of one stream with
/// one correlation id and one `recorded_at` (the store stamps a whole append at once).
fn split_appends(records: &[RecordedEvent]) -> Vec<&[RecordedEvent]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=records.len() {
        let boundary = i == records.len() || {
            let (a, b) = (&records[i - 1], &records[i]);
            b.stream != a.stream
                || b.correlation_id != a.correlation_id
                || b.recorded_at != a.recorded_at
                || b.version != a.version + 1
                || b.position != a.position + 1
                || !b.claims.is_empty()
        };
        if boundary {
            out.push(&records[start..i]);
            start = i;
        }
    }
    out
}

fn to_request(append: &[RecordedEvent]) -> Result<AppendRequest, Failure> {
    let first = &append[0];
    let expected = match first.version {
        1 => ExpectedVersion::NoStream,
        v => ExpectedVersion::Exact(v - 1),
    };
    let meta = AppendMeta {
        actor: first.actor,
        correlation_id: first.correlation_id,
        causation_id: first.causation_id,
    };
    let events = append
        .iter()
        .map(|r| NewEvent {
            event_id: r.event_id,
            event_type: r.event_type.clone(),
            schema_version: r.schema_version,
            payload: r.payload.clone(),
        })
        .collect();
    let mut request = AppendRequest::new(first.stream, expected, meta, events);
    request.claims = first.claims.clone();
    request.recorded_at = Some(first.recorded_at);
    Ok(request)
}

/// Copies positions `1..=to` of `source` into the empty `target`, append by append, with the
/// original times, so that positions, versions and hashes come out identical.
pub(crate) async fn copy_until(
    source: &SledEventStore,
    target: &SledEventStore,
    to: u64,
) -> Result<u64, Failure> {
    let mut copied = 0;
    let mut next = 1;
    let mut pending: Vec<RecordedEvent> = Vec::new();
    while next <= to {
        let records = source.read_all(next, IMPORT_BATCH).await?;
        let Some(last) = records.last().map(|r| r.position) else {
            break;
        };
        pending.extend(records.into_iter().take_while(|r| r.position <= to));
        copied += import_batch(target, &mut pending).await?;
        next = last + 1;
    }
    Ok(copied)
}
