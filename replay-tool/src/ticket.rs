//! `ticket`: what an auditor runs: a ticket's state and its timeline as of a moment.

use std::io::Write;

use chrono::DateTime;
use ledgerdesk_core::ticket::TicketAggregate;
use ledgerdesk_core::timetravel::{self, Cutoff};
use ledgerdesk_core::{EventStore, SledEventStore};

use crate::Failure;

/// The cutoff from `--as-of` or `--at-position`.
pub(crate) fn cutoff(as_of: Option<&str>, at_position: Option<u64>) -> Result<Cutoff, Failure> {
    Cutoff::parse(as_of, at_position).map_err(|e| Failure::Usage(format!("--as-of: {e}")))
}

fn time(us: i64) -> String {
    DateTime::from_timestamp_micros(us)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
        .unwrap_or_else(|| us.to_string())
}

pub(crate) async fn show(
    store: &SledEventStore,
    id: &str,
    cutoff: Cutoff,
    json: bool,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let stream = timetravel::resolve_ticket(store, id)
        .await
        .map_err(|e| match e {
            timetravel::ResolveError::Store(s) => Failure::from(s),
            other => Failure::Usage(other.to_string()),
        })?;
    let answer = timetravel::as_of::<TicketAggregate, _>(store, stream, cutoff)
        .await
        .map_err(|e| Failure::Problem(e.to_string()))?;
    if answer.version == 0 && cutoff == Cutoff::Head {
        return Err(Failure::Usage(format!("no ticket {stream}")));
    }
    let snapshot = answer.snapshot(stream);
    if json {
        let line = serde_json::to_string(&snapshot).map_err(|e| Failure::Io(e.to_string()))?;
        writeln!(out, "{line}")?;
        return Ok(());
    }
    let number = store.stream_number(stream).await?.unwrap_or(0);
    writeln!(
        out,
        "ticket {number} ({stream}) as of {cutoff:?}: version {}, position {}",
        snapshot.version, snapshot.position
    )?;
    writeln!(
        out,
        "\n{:>9}  {:<27}  {:<32}  {:<32}  details",
        "position", "recorded at", "actor", "event"
    )?;
    for entry in &snapshot.timeline {
        let details = serde_json::to_string(&entry.event).unwrap_or_default();
        writeln!(
            out,
            "{:>9}  {:<27}  {:<32}  {:<32}  {details}",
            entry.position,
            time(entry.recorded_at_us),
            entry.actor,
            entry.event_type
        )?;
    }
    let state =
        serde_json::to_string_pretty(&snapshot.state).map_err(|e| Failure::Io(e.to_string()))?;
    writeln!(out, "\nstate:\n{state}")?;
    Ok(())
}
