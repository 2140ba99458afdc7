//! `append` mode: N concurrent writers append single events, each awaiting its durable
//! acknowledgement before the next, as API requests would.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use ledgerdesk_core::{
    Actor, AppendMeta, AppendRequest, EventStore, ExpectedVersion, NewEvent, SledEventStore,
    StoreConfig, StreamId, StreamKind,
};
use serde_json::json;
use ulid::Ulid;

use crate::stats::{disk_usage, round2, Percentiles};

#[derive(Args)]
pub struct AppendArgs {
    /// Concurrent writers (each waits for its append to be durable before the next).
    #[arg(long, default_value_t = 64)]
    writers: usize,
    /// Events to append with group commit.
    #[arg(long, default_value_t = 200_000)]
    events: usize,
    /// Events for the flush-per-append baseline (it is slow; default: events / 10).
    #[arg(long)]
    baseline_events: Option<usize>,
    /// Payload bytes per event.
    #[arg(long, default_value_t = 200)]
    payload_bytes: usize,
    /// Events per stream before a writer starts a new stream (a ticket's life).
    #[arg(long, default_value_t = 20)]
    events_per_stream: usize,
    /// Where to create the scratch data directories (default: the system temp dir).
    #[arg(long)]
    scratch: Option<PathBuf>,
    /// Sync on a second thread while the writer applies the next group.
    #[arg(long)]
    pipelined: bool,
    /// The writer's gather window in microseconds (see `StoreConfig::gather_window_us`).
    #[arg(long)]
    gather_us: Option<u64>,
    /// Print one JSON object as the last line.
    #[arg(long)]
    json: bool,
}

struct RunFigures {
    events: usize,
    events_per_sec: f64,
    latency: Percentiles,
    disk_bytes: u64,
    encoded_bytes: u64,
}

pub async fn run(args: AppendArgs) -> Result<(), Box<dyn std::error::Error>> {
    let baseline_events = args
        .baseline_events
        .unwrap_or(args.events / 10)
        .max(args.writers);
    let grouped = measure(&args, args.events, true).await?;
    report("group commit", &grouped);
    let baseline = measure(&args, baseline_events, false).await?;
    report("baseline (flush per append)", &baseline);
    let bytes_per_event = grouped.disk_bytes as f64 / grouped.events as f64;
    let encoded_per_event = grouped.encoded_bytes as f64 / grouped.events as f64;
    println!(
        "disk: {bytes_per_event:.0} bytes per event on disk, {encoded_per_event:.0} bytes per encoded event ({:.2}x); speed-up {:.1}x",
        bytes_per_event / encoded_per_event,
        grouped.events_per_sec / baseline.events_per_sec
    );
    if args.json {
        let summary = json!({
            "mode": "append",
            "writers": args.writers,
            "pipelined": args.pipelined,
            "gather_us": args.gather_us.unwrap_or(StoreConfig::default().gather_window_us),
            "events": grouped.events,
            "payload_bytes": args.payload_bytes,
            "events_per_sec": grouped.events_per_sec.round(),
            "p50_ms": round2(grouped.latency.p50_ms),
            "p99_ms": round2(grouped.latency.p99_ms),
            "max_ms": round2(grouped.latency.max_ms),
            "baseline_events": baseline.events,
            "baseline_events_per_sec": baseline.events_per_sec.round(),
            "baseline_p50_ms": round2(baseline.latency.p50_ms),
            "baseline_p99_ms": round2(baseline.latency.p99_ms),
            "bytes_per_event": bytes_per_event.round(),
            "encoded_bytes_per_event": encoded_per_event.round(),
            "disk_to_encoded_ratio": round2(bytes_per_event / encoded_per_event),
        });
        println!("{summary}");
    }
    Ok(())
}

fn report(label: &str, f: &RunFigures) {
    println!(
        "{label}: {} events, {:.0} events/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        f.events, f.events_per_sec, f.latency.p50_ms, f.latency.p99_ms, f.latency.max_ms
    );
}

async fn measure(
    args: &AppendArgs,
    events: usize,
    group_commit: bool,
) -> Result<RunFigures, Box<dyn std::error::Error>> {
    let scratch = match &args.scratch {
        Some(dir) => tempfile::tempdir_in(dir)?,
        None => tempfile::tempdir()?,
    };
    let defaults = StoreConfig::default();
    let config = StoreConfig {
        group_commit,
        pipelined_sync: args.pipelined,
        gather_window_us: args.gather_us.unwrap_or(defaults.gather_window_us),
        ..defaults
    };
    let store = Arc::new(SledEventStore::open(scratch.path(), config)?);
    let payload = vec![0x5a_u8; args.payload_bytes];
    let per_writer = events.div_ceil(args.writers);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(args.writers);
    for _ in 0..args.writers {
        let store = store.clone();
        let payload = payload.clone();
        let events_per_stream = args.events_per_stream.max(1);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_writer);
            let mut stream = StreamId::generate(StreamKind::Ticket);
            let mut version = 0u64;
            for _ in 0..per_writer {
                if version as usize == events_per_stream {
                    stream = StreamId::generate(StreamKind::Ticket);
                    version = 0;
                }
                let expected = match version {
                    0 => ExpectedVersion::NoStream,
                    v => ExpectedVersion::Exact(v),
                };
                let event = NewEvent {
                    event_id: Ulid::new(),
                    event_type: "bench.appended".to_owned(),
                    schema_version: 1,
                    payload: payload.clone(),
                };
                let request = AppendRequest::new(
                    stream,
                    expected,
                    AppendMeta::new(Actor::System),
                    vec![event],
                );
                let t = Instant::now();
                let result = store.append(request).await?;
                latencies.push(t.elapsed());
                version = result.last_version;
            }
            Ok::<Vec<Duration>, ledgerdesk_core::StoreError>(latencies)
        }));
    }
    let mut latencies = Vec::with_capacity(per_writer * args.writers);
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed();
    let appended = latencies.len();
    let encoded_bytes = store
        .raw_chunks()
        .map(|c| c.map(|(_, v)| v.len() as u64))
        .sum::<Result<u64, _>>()?;
    store.close().await;
    drop(store);
    let disk_bytes = disk_usage(scratch.path())?;
    Ok(RunFigures {
        events: appended,
        events_per_sec: appended as f64 / elapsed.as_secs_f64(),
        latency: Percentiles::of(&mut latencies),
        disk_bytes,
        encoded_bytes,
    })
}
