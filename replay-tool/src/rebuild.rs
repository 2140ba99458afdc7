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

use indicatif::{ProgressBar, ProgressStyle};
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
    ProjectionRunner::open(store.clone(), ledgerdesk_projections::all())
        .map_err(|e| Failure::Problem(e.to_string()))
}

/// Rebuilds `names` (all when empty), one after another.
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
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(head);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>10} [{bar:40}] {pos}/{len} events, {per_sec}, {eta} left",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar
    });
    for name in wanted {
        let started = Instant::now();
        let task = {
            let runner = runner.clone();
            tokio::spawn(async move { runner.rebuild(name).await })
        };
        if let Some(bar) = &bar {
            bar.set_prefix(name);
            bar.reset();
        }
        let mut last_line = Instant::now();
        while !task.is_finished() {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let progress = runner
                .status()
                .into_iter()
                .find(|s| s.name == name)
                .and_then(|s| s.rebuilding);
            if let Some(p) = progress {
                match &bar {
                    Some(bar) => {
                        bar.set_length(p.target);
                        bar.set_position(p.position);
                    }
                    None if last_line.elapsed() >= Duration::from_secs(1) => {
                        eprintln!("{name}: {}/{} events", p.position, p.target);
                        last_line = Instant::now();
                    }
                    None => {}
                }
            }
        }
        task.await
            .map_err(|e| Failure::Problem(format!("rebuilding {name}: {e}")))?
            .map_err(|e| Failure::Problem(format!("rebuilding {name}: {e}")))?;
        let seconds = started.elapsed().as_secs_f64();
        let report = Rebuilt {
            projection: name.to_owned(),
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
        if let Some(bar) = &bar {
            bar.finish_and_clear();
        }
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
