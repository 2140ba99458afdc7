//! `stats`: what the log holds, for capacity planning and a first look at an unknown log.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use chrono::{DateTime, Utc};
use ledgerdesk_core::{EventStore, SledEventStore, StreamId};
use serde::Serialize;

use crate::Failure;

const READ_CHUNK: usize = 10_000;
const LARGEST: usize = 10;

#[derive(Serialize)]
struct Stats {
    events: u64,
    streams: u64,
    bytes_on_disk: u64,
    bytes_per_event: u64,
    events_per_type: BTreeMap<String, u64>,
    events_per_month: BTreeMap<String, u64>,
    streams_per_kind: BTreeMap<String, u64>,
    largest_streams: Vec<(String, u64)>,
}

pub(crate) async fn stats(
    store: &SledEventStore,
    json: bool,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let mut per_type: BTreeMap<String, u64> = BTreeMap::new();
    let mut per_month: BTreeMap<String, u64> = BTreeMap::new();
    let mut per_stream: HashMap<StreamId, u64> = HashMap::new();
    let mut events = 0u64;
    let mut next = 1;
    loop {
        let records = store.read_all(next, READ_CHUNK).await?;
        for r in &records {
            events += 1;
            *per_type.entry(r.event_type.clone()).or_default() += 1;
            let month = DateTime::<Utc>::from_timestamp_micros(r.recorded_at.0)
                .map(|t| t.format("%Y-%m").to_string())
                .unwrap_or_else(|| "invalid".to_owned());
            *per_month.entry(month).or_default() += 1;
            *per_stream.entry(r.stream).or_default() += 1;
        }
        match records.last() {
            Some(last) => next = last.position + 1,
            None => break,
        }
    }
    let mut per_kind: BTreeMap<String, u64> = BTreeMap::new();
    for stream in per_stream.keys() {
        *per_kind.entry(stream.kind.to_string()).or_default() += 1;
    }
    let mut largest: Vec<(String, u64)> = per_stream
        .iter()
        .map(|(s, n)| (s.to_string(), *n))
        .collect();
    largest.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    largest.truncate(LARGEST);
    let bytes_on_disk = store.size_on_disk()?;
    let stats = Stats {
        events,
        streams: per_stream.len() as u64,
        bytes_on_disk,
        bytes_per_event: bytes_on_disk.checked_div(events).unwrap_or(0),
        events_per_type: per_type,
        events_per_month: per_month,
        streams_per_kind: per_kind,
        largest_streams: largest,
    };
    if json {
        let line = serde_json::to_string(&stats).map_err(|e| Failure::Io(e.to_string()))?;
        writeln!(out, "{line}")?;
        return Ok(());
    }
    writeln!(
        out,
        "events: {}  streams: {}  on disk: {} bytes ({} per event)",
        stats.events, stats.streams, stats.bytes_on_disk, stats.bytes_per_event
    )?;
    let sections: [(&str, &BTreeMap<String, u64>); 3] = [
        ("events per type", &stats.events_per_type),
        ("events per month", &stats.events_per_month),
        ("streams per kind", &stats.streams_per_kind),
    ];
    for (title, map) in sections {
        writeln!(out, "\n{title}:")?;
        for (k, v) in map {
            writeln!(out, "  {k:<40} {v:>10}")?;
        }
    }
    writeln!(out, "\nlargest streams:")?;
    for (s, n) in &stats.largest_streams {
        writeln!(out, "  {s:<40} {n:>10}")?;
    }
    Ok(())
}
