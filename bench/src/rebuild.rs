//! `rebuild` mode: generate a log of ticket stories through the command service, then rebuild
//! every read model from it, and report events per second and the process's peak memory.
//!
//! Each model is first rebuilt alone (its own figure), then all of them side by side, as
//! `ledgerdesk-replay rebuild` does: that is the headline `events_per_sec`. The desk has the
//! shape of a real one: 50 agents answer the tickets of 5,000 requesters.

use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use ledgerdesk_core::command::CommandService;
use ledgerdesk_core::ticket::examples;
use ledgerdesk_core::{EventStore, SledEventStore, StoreConfig};
use ledgerdesk_projections::ProjectionRunner;
use serde_json::json;

use crate::stats::round2;

#[derive(Args)]
pub struct RebuildArgs {
    /// Events to generate (tickets of three events each: reported, answered, resolved, plus
    /// `--replies`).
    #[arg(long, default_value_t = 300_000)]
    events: usize,
    /// More replies per ticket between the answer and the resolution: long threads.
    #[arg(long, default_value_t = 0)]
    replies: usize,
    /// Concurrent writers while generating.
    #[arg(long, default_value_t = 32)]
    writers: usize,
    /// Print one JSON object as the last line.
    #[arg(long)]
    json: bool,
    /// Keep the generated log in this directory (a log already there is reused as it is), so
    /// that `ledgerdesk-replay rebuild --data-dir DIR` can be run and profiled on it again.
    #[arg(long)]
    data_dir: Option<std::path::PathBuf>,
}

/// Peak resident memory of this process in MiB (Linux `VmHWM`).
pub(crate) fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

pub async fn run(args: RebuildArgs) -> Result<(), Box<dyn std::error::Error>> {
    let scratch = tempfile::tempdir()?;
    let dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| scratch.path().to_owned());
    let store = SledEventStore::open(&dir, StoreConfig::default())?;
    let reuse = store.head() > 0;
    let commands = Arc::new(CommandService::new(Arc::new(store.clone()), 1_024));
    let replies = args.replies;
    let tickets = args.events.div_ceil(3 + replies);
    let per_writer = tickets.div_ceil(args.writers.max(1));
    let agents: Arc<Vec<ulid::Ulid>> = Arc::new((0..50).map(|_| ulid::Ulid::new()).collect());
    let requesters: Arc<Vec<ulid::Ulid>> =
        Arc::new((0..5_000).map(|_| ulid::Ulid::new()).collect());
    let generating = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..if reuse { 0 } else { args.writers.max(1) } {
        let (commands, agents, requesters) = (commands.clone(), agents.clone(), requesters.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..per_writer {
                let subject = format!("Printer {w}-{i} jams on tray two");
                let n = w * per_writer + i;
                examples::discussed_and_resolved(
                    commands.as_ref(),
                    requesters[n % requesters.len()],
                    agents[n % agents.len()],
                    &subject,
                    replies,
                )
                .await
                .map_err(|e| e.to_string())?;
            }
            Ok::<(), String>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let events = store.head();
    println!(
        "generated {events} events in {:.1} s",
        generating.elapsed().as_secs_f64()
    );

    let runner = ProjectionRunner::open(store.clone(), ledgerdesk_projections::all())?;
    let names: Vec<&'static str> = runner.status().iter().map(|s| s.name).collect();
    let mut per_model = serde_json::Map::new();
    for name in &names {
        let t = Instant::now();
        runner.rebuild(name).await?;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "{name} alone: {events} events in {secs:.2} s ({:.0} events/s)",
            events as f64 / secs
        );
        per_model.insert((*name).to_owned(), json!((events as f64 / secs).round()));
    }
    let started = Instant::now();
    runner.rebuild_all(&names).await?;
    let total = started.elapsed().as_secs_f64();
    let events_per_sec = events as f64 / total;
    println!("all {} read models side by side: {events} events in {total:.2} s ({events_per_sec:.0} events/s), peak RSS {:.0} MiB", names.len(), peak_rss_mb());
    drop(runner);
    store.close().await;
    if args.json {
        let summary = json!({
            "mode": "rebuild",
            "events": events,
            "read_models": names,
            "events_per_sec": events_per_sec.round(),
            "events_per_sec_per_model": per_model,
            "seconds": round2(total),
            "peak_rss_mb": peak_rss_mb().round(),
        });
        println!("{summary}");
    }
    Ok(())
}
