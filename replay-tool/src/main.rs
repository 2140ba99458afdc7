//! `ledgerdesk-replay`: the auditor's and operator's tool for a data directory.
//!
//! It opens the log directly (sled lets one process hold a directory, so the server must be
//! stopped) and offers:
//! - `verify`: positions, versions, decoding, indexes and the hash chain; exit code 1 and the
//!   first problem when something is wrong.
//! - `export` / `import`: the log as JSON lines, envelope and payload, hashes included.
//! - `ticket`: a ticket's state and timeline as of a moment or position (time travel).
//! - `rebuild`: read models rebuilt into fresh trees and swapped in, resumable.
//! - `as-of`: a copy of the log up to a position, with its read models, in another directory.
//! - `stats`: events per type and month, streams per kind, the largest streams, bytes on disk.
//! - `gc-blobs`: deletes attachment blobs no live attachment refers to, older than a grace
//!   period (`--dry-run` to only report).
//!
//! Exit codes: 0 success, 1 the log has a problem (verify), 2 bad usage or input, 3 the data
//! directory cannot be opened (missing, locked by a running server) or an I/O error.

/// mimalloc, as in the server: a rebuild spent about a quarter of its time in glibc's malloc and free (`docs/BENCHMARKS.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod export;
mod gc;
mod rebuild;
mod stats;
mod ticket;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ledgerdesk_core::store::verify_log;
use ledgerdesk_core::{SledEventStore, StoreConfig, StoreError};

#[derive(Parser)]
#[command(
    name = "ledgerdesk-replay",
    version,
    about = "Verify, export, import and inspect a ledgerdesk log"
)]
struct Cli {
    /// The server's data directory.
    #[arg(
        long,
        global = true,
        default_value = "./data",
        env = "LEDGERDESK_DATA_DIR"
    )]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the whole log: gap-free positions, consecutive versions, decoding, indexes, chain.
    Verify {
        /// Print the report as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Write the log as JSON lines (a header line, then one event per line) to stdout.
    Export {
        /// First position to export.
        #[arg(long, default_value_t = 1)]
        from: u64,
        /// Last position to export (default: the head).
        #[arg(long)]
        to: Option<u64>,
        /// Only this stream (`kind-ULID`).
        #[arg(long)]
        stream: Option<String>,
    },
    /// Load an export (a whole log from position 1) into an empty data directory.
    Import {
        /// The export file.
        file: PathBuf,
    },
    /// A ticket's state and timeline as of a moment or a log position (default: now).
    Ticket {
        /// The ticket: its number (1001), `ticket-ULID`, or the ULID.
        id: String,
        /// A moment, RFC 3339 (`2026-11-24T10:00:00Z`).
        #[arg(long, conflicts_with = "at_position")]
        as_of: Option<String>,
        /// A log position.
        #[arg(long)]
        at_position: Option<u64>,
        /// Print one JSON object (the same the API answers).
        #[arg(long)]
        json: bool,
    },
    /// Rebuild read models from the log into fresh trees and swap them in (resumes an
    /// interrupted rebuild).
    Rebuild {
        /// Only these projections (default: all).
        #[arg(long = "projection")]
        projections: Vec<String>,
        /// One JSON line per projection.
        #[arg(long)]
        json: bool,
    },
    /// Copy the log up to a position, with every read model as of then, into another directory.
    AsOf {
        /// The last position to include.
        #[arg(long)]
        position: u64,
        /// The new data directory (must be empty or absent).
        #[arg(long)]
        into: PathBuf,
    },
    /// Events per type and month, streams per kind, largest streams, bytes on disk.
    Stats {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Delete attachment blobs that no live attachment (ticket or KB article) refers to and
    /// that are older than the grace period; report how many files and bytes.
    GcBlobs {
        /// Report what would be deleted; delete nothing.
        #[arg(long)]
        dry_run: bool,
        /// Keep unreferenced files younger than this many minutes (an upload's blob is
        /// written before its event is appended).
        #[arg(long, default_value_t = 60)]
        grace_minutes: u64,
        /// Print the report as one JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// A failure with the exit code it maps to.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The log itself has a problem (exit 1).
    Problem(String),
    /// Bad usage or input (exit 2).
    Usage(String),
    /// The directory could not be opened, or I/O failed (exit 3).
    Io(String),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        match e {
            StoreError::Corrupt { .. } => Failure::Problem(e.to_string()),
            other => Failure::Io(other.to_string()),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::Io(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = ledgerdesk_core::process::without_transparent_huge_pages() {
        eprintln!("ledgerdesk-replay: transparent huge pages stay on: {e}");
    }
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Failure::from)
        .and_then(|rt| rt.block_on(run(cli)));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`export | head`) is not an error.
        Err(Failure::Io(m)) if m.contains("Broken pipe") => ExitCode::SUCCESS,
        Err(Failure::Problem(m)) => {
            eprintln!("ledgerdesk-replay: {m}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(m)) => {
            eprintln!("ledgerdesk-replay: {m}");
            ExitCode::from(2)
        }
        Err(Failure::Io(m)) => {
            eprintln!("ledgerdesk-replay: {m}");
            ExitCode::from(3)
        }
    }
}

/// Opens an existing data directory; refuses to create one by accident.
pub(crate) fn open_existing(cli_dir: &std::path::Path) -> Result<SledEventStore, Failure> {
    if !cli_dir.join("db").exists() {
        return Err(Failure::Io(format!(
            "{} is not a ledgerdesk data directory (no log found)",
            cli_dir.display()
        )));
    }
    Ok(SledEventStore::open(cli_dir, StoreConfig::default())?)
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let stdout = std::io::stdout();
    match cli.command {
        Command::Verify { json } => {
            let store = open_existing(&cli.data_dir)?;
            let mut report = verify_log(&store)?;
            // Read models must never be ahead of the log they were folded from.
            if report.problem.is_none() {
                let checkpoints = ledgerdesk_projections::checkpoints(&store)
                    .map_err(|e| Failure::Problem(e.to_string()))?;
                let head = ledgerdesk_core::EventStore::head(&store);
                if let Some((name, at)) = checkpoints.into_iter().find(|(_, at)| *at > head) {
                    report.problem = Some(ledgerdesk_core::store::VerifyProblem {
                        position: at,
                        stream: None,
                        detail: format!(
                            "read model {name} is at position {at}, past the log's head {head}"
                        ),
                    });
                }
            }
            let mut out = stdout.lock();
            if json {
                let line =
                    serde_json::to_string(&report).map_err(|e| Failure::Io(e.to_string()))?;
                writeln!(out, "{line}")?;
            } else {
                writeln!(
                    out,
                    "events: {}\nstreams: {}\nlast hash: {}",
                    report.events, report.streams, report.last_hash
                )?;
            }
            store.close().await;
            match report.problem {
                None => {
                    if !json {
                        writeln!(out, "ok: the log verifies")?;
                    }
                    Ok(())
                }
                Some(p) => Err(Failure::Problem(format!(
                    "position {}{}: {}",
                    p.position,
                    p.stream.map(|s| format!(" ({s})")).unwrap_or_default(),
                    p.detail
                ))),
            }
        }
        Command::Export { from, to, stream } => {
            let stream = match stream {
                Some(s) => Some(
                    s.parse()
                        .map_err(|e| Failure::Usage(format!("--stream: {e}")))?,
                ),
                None => None,
            };
            let store = open_existing(&cli.data_dir)?;
            let mut out = std::io::BufWriter::new(stdout.lock());
            let result = export::export(&store, from, to, stream, &mut out).await;
            out.flush()?;
            store.close().await;
            result
        }
        Command::Import { file } => {
            if cli.data_dir.join("db").exists() {
                let store = SledEventStore::open(&cli.data_dir, StoreConfig::default())?;
                let head = ledgerdesk_core::EventStore::head(&store);
                store.close().await;
                if head > 0 {
                    return Err(Failure::Usage(format!(
                        "{} already holds {head} events; import needs an empty data directory",
                        cli.data_dir.display()
                    )));
                }
            }
            let input = std::fs::File::open(&file)
                .map_err(|e| Failure::Usage(format!("{}: {e}", file.display())))?;
            let store = SledEventStore::open(&cli.data_dir, StoreConfig::default())?;
            let result = export::import(&store, std::io::BufReader::new(input)).await;
            store.close().await;
            let imported = result?;
            let mut out = stdout.lock();
            writeln!(
                out,
                "imported {imported} events into {}",
                cli.data_dir.display()
            )?;
            Ok(())
        }
        Command::Ticket {
            id,
            as_of,
            at_position,
            json,
        } => {
            let cutoff = ticket::cutoff(as_of.as_deref(), at_position)?;
            let store = open_existing(&cli.data_dir)?;
            let result = ticket::show(&store, &id, cutoff, json, &mut stdout.lock()).await;
            store.close().await;
            result
        }
        Command::Rebuild { projections, json } => {
            let store = open_existing(&cli.data_dir)?;
            let result = rebuild::rebuild(&store, &projections, json, &mut stdout.lock()).await;
            store.close().await;
            result
        }
        Command::AsOf { position, into } => {
            let store = open_existing(&cli.data_dir)?;
            let result = rebuild::as_of(&store, position, &into, &mut stdout.lock()).await;
            store.close().await;
            result
        }
        Command::Stats { json } => {
            let store = open_existing(&cli.data_dir)?;
            let result = stats::stats(&store, json, &mut stdout.lock()).await;
            store.close().await;
            result
        }
        Command::GcBlobs {
            dry_run,
            grace_minutes,
            json,
        } => {
            let grace = grace_minutes
                .checked_mul(60)
                .map(std::time::Duration::from_secs)
                .ok_or_else(|| Failure::Usage("--grace-minutes is too large".to_owned()))?;
            // Holding the log open also keeps a server off the directory while we sweep.
            let store = open_existing(&cli.data_dir)?;
            let result = gc::gc_blobs(
                &store,
                &cli.data_dir,
                grace,
                dry_run,
                json,
                &mut stdout.lock(),
            )
            .await;
            store.close().await;
            result
        }
    }
}
