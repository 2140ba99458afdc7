//! `rebuild` and `as-of`: read models from the log, offline.
//!
//! `rebuild` rebuilds projections into fresh trees and swaps them in (the same code the server
//! runs online). An interrupted rebuild (Ctrl-C, a crash) leaves its half-built tree registered
//! as "building"; the next `rebuild` resumes it from its checkpoint instead of starting over.
//! Progress: a bar on a terminal (events done, events per second, time left), plain lines
//! otherwise.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use ledgerdesk_core::{EventStore, SledEventStore, StoreConfig};
use ledgerdesk_projections::ProjectionRunner;
use serde::Serialize;

use crate::Failure;

#[derive(Serialize)]
struct Rebuilt {
    projection: String,
    events: u64,
    seconds: f64,
    events_per_sec: f64,
    digest: String,
}

fn runner(store: &SledEventStore) -> Result<ProjectionRunner, Failure> {
    ProjectionRunner::open_offline(store.clone(), ledgerdesk_projections::all())
        .map_err(|e| Failure::Problem(e.to_string()))
}

/// Rebuilds `names` (all when empty), side by side.
pub(crate) async fn rebuild(
    store: &SledEventStore,
    names: &[String],
    json: bool,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let runner = runner(store)?;
    let known: Vec<&'static str> = runner.status().iter().map(|s| s.name).collect();
    let wanted: Vec<&'static str> = if names.is_empty() {
        known.clone()
    } else {
        names
            .iter()
            .map(|n| {
                known.iter().copied().find(|k| k == n).ok_or_else(|| {
                    Failure::Usage(format!("no projection {n:?}; known: {}", known.join(", ")))
                })
            })
            .collect::<Result<_, _>>()?
    };
    let head = store.head();
    // One bar per model on a terminal; plain lines once a second otherwise.
    let bars = std::io::stderr().is_terminal().then(|| {
        let multi = MultiProgress::new();
        let style = ProgressStyle::with_template(
            "{prefix:>10} [{bar:40}] {pos}/{len} events, {per_sec}, {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        let bars: Vec<ProgressBar> = wanted
            .iter()
            .map(|name| {
                let bar = multi.add(ProgressBar::new(head));
                bar.set_style(style.clone());
                bar.set_prefix(*name);
                bar
            })
            .collect();
        (multi, bars)
    });
    let started = Instant::now();
    let task = {
        let (runner, wanted) = (runner.clone(), wanted.clone());
        tokio::spawn(async move { runner.rebuild_all(&wanted).await })
    };
    let mut last_line = Instant::now();
    loop {
        let done = task.is_finished();
        let status = runner.status();
        for (i, name) in wanted.iter().enumerate() {
            let progress = status
                .iter()
                .find(|s| s.name == *name)
                .and_then(|s| s.rebuilding);
            let Some(p) = progress else { continue };
            if let Some((_, bars)) = &bars {
                bars[i].set_length(p.target);
                bars[i].set_position(p.position);
            } else if last_line.elapsed() >= Duration::from_secs(1) {
                eprintln!("{name}: {}/{} events", p.position, p.target);
            }
        }
        if bars.is_none() && last_line.elapsed() >= Duration::from_secs(1) {
            last_line = Instant::now();
        }
        if done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let took = task
        .await
        .map_err(|e| Failure::Problem(format!("rebuilding: {e}")))?
        .map_err(|e| Failure::Problem(format!("rebuilding: {e}")))?;
    let total = started.elapsed().as_secs_f64();
    if let Some((_, bars)) = &bars {
        bars.iter().for_each(ProgressBar::finish_and_clear);
    }
    for (name, took) in wanted.iter().zip(took) {
        let seconds = took.as_secs_f64();
        let report = Rebuilt {
            projection: (*name).to_owned(),
            events: head,
            seconds,
            events_per_sec: if seconds > 0.0 {
                head as f64 / seconds
            } else {
                0.0
            },
            digest: runner
                .digest(name)
                .map_err(|e| Failure::Problem(e.to_string()))?,
        };
        if json {
            let line = serde_json::to_string(&report).map_err(|e| Failure::Io(e.to_string()))?;
            writeln!(out, "{line}")?;
        } else {
            writeln!(
                out,
                "{name}: rebuilt {} events in {:.2} s ({:.0} events/s), digest {}",
                report.events, report.seconds, report.events_per_sec, report.digest
            )?;
        }
    }
    if !json && wanted.len() > 1 {
        writeln!(
            out,
            "all {} read models, side by side: {head} events in {total:.2} s ({:.0} events/s)",
            wanted.len(),
            if total > 0.0 {
                head as f64 / total
            } else {
                0.0
            }
        )?;
    }
    Ok(())
}

/// Builds, in `into`, a copy of the log up to `position` and every read model as of then, for a
/// server to be started on read-only for an investigation.
pub(crate) async fn as_of(
    source: &SledEventStore,
    position: u64,
    into: &Path,
    out: &mut impl Write,
) -> Result<(), Failure> {
    if position > source.head() {
        return Err(Failure::Usage(format!(
            "position {position} is past the head {}",
            source.head()
        )));
    }
    if into.exists() && std::fs::read_dir(into)?.next().is_some() {
        return Err(Failure::Usage(format!("{} is not empty", into.display())));
    }
    let target = SledEventStore::open(into, StoreConfig::default())?;
    let copied = crate::export::copy_until(source, &target, position).await;
    let outcome = match copied {
        Ok(n) => {
            let models = runner(&target)?;
            models
                .catch_up()
                .await
                .map_err(|e| Failure::Problem(e.to_string()))?;
            models
                .store_all()
                .await
                .map_err(|e| Failure::Problem(e.to_string()))?;
            writeln!(
                out,
                "{} holds the log up to position {position} ({n} events) and its read models",
                into.display()
            )?;
            Ok(())
        }
        Err(e) => Err(e),
    };
    target.close().await;
    outcome
}
