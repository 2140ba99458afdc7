//! `lag` mode: how long after an append is acknowledged its effect is visible in every read
//! model, under a steady load of ticket stories. Each writer runs a story step, then waits for
//! the read models to reach the step's position, and records that wait.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use ledgerdesk_core::aggregate::CommandContext;
use ledgerdesk_core::command::{CommandOptions, CommandService};
use ledgerdesk_core::ticket::{examples, Side, StatusCategory, TicketAggregate};
use ledgerdesk_core::{Actor, SledEventStore, StoreConfig, StreamId, StreamKind, Timestamp};
use ledgerdesk_projections::ProjectionRunner;
use serde_json::json;

use crate::stats::{round2, Percentiles};

#[derive(Args)]
pub struct LagArgs {
    /// Concurrent writers.
    #[arg(long, default_value_t = 8)]
    writers: usize,
    /// How long to run, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Print one JSON object as the last line.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: LagArgs) -> Result<(), Box<dyn std::error::Error>> {
    let scratch = tempfile::tempdir()?;
    let store = SledEventStore::open(scratch.path(), StoreConfig::default())?;
    let commands = Arc::new(CommandService::new(Arc::new(store.clone()), 1_024));
    let runner = ProjectionRunner::open(store.clone(), ledgerdesk_projections::all())?;
    let names: Vec<&'static str> = runner.status().iter().map(|s| s.name).collect();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let models = runner.start(shutdown);
    let until = Instant::now() + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for w in 0..args.writers.max(1) {
        let (commands, runner, names) = (commands.clone(), runner.clone(), names.clone());
        tasks.push(tokio::spawn(async move {
            let mut lags = Vec::new();
            let mut i = 0u64;
            while Instant::now() < until {
                let (requester, agent) = (ulid::Ulid::new(), ulid::Ulid::new());
                let ticket = StreamId::generate(StreamKind::Ticket);
                let steps = [
                    examples::create(
                        ticket.id,
                        requester,
                        ulid::Ulid::new(),
                        &format!("Laptop {w}-{i} will not boot"),
                    ),
                    examples::reply(
                        agent,
                        Side::Agent,
                        "Hold the power button for ten seconds.",
                        None,
                    ),
                    examples::change_status(ulid::Ulid::new(), StatusCategory::Resolved),
                ];
                for step in &steps {
                    let ctx = CommandContext {
                        actor: Actor::User(agent),
                        now: Timestamp::now(),
                    };
                    let done = commands
                        .execute::<TicketAggregate>(ticket, step, &ctx, CommandOptions::default())
                        .await
                        .map_err(|e| e.to_string())?;
                    let acknowledged = Instant::now();
                    runner
                        .wait_for(&names, done.position, Duration::from_secs(60))
                        .await
                        .map_err(|e| e.to_string())?;
                    lags.push(acknowledged.elapsed());
                }
                i += 1;
            }
            Ok::<Vec<Duration>, String>(lags)
        }));
    }
    let mut lags = Vec::new();
    for task in tasks {
        lags.extend(task.await??);
    }
    stop.send_replace(true);
    for model in models {
        model.await?;
    }
    drop(runner);
    store.close().await;
    let commands_per_sec = lags.len() as f64 / args.seconds as f64;
    let p = Percentiles::of(&mut lags);
    println!(
        "{} commands in {} s ({commands_per_sec:.0}/s, each waiting for its read models): lag p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        lags.len(),
        args.seconds,
        p.p50_ms,
        p.p99_ms,
        p.max_ms
    );
    if args.json {
        let summary = json!({
            "mode": "lag",
            "writers": args.writers,
            "commands": lags.len(),
            "read_models": names,
            "lag_p50_ms": round2(p.p50_ms),
            "lag_p99_ms": round2(p.p99_ms),
            "lag_max_ms": round2(p.max_ms),
        });
        println!("{summary}");
    }
    Ok(())
}
