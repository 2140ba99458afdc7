//! `http` mode: commands per second and latencies through the whole server (HTTP parsing,
//! auth, the command service, group commit, the read models), from N keep-alive connections
//! running a mix of ticket creates, replies, status changes and list queries.
//!
//! Against `--url` with `--token` (an agent's or admin's), or, without `--url`, against a
//! `ledgerdesk` binary from the same target directory started on a scratch data directory
//! (its printed admin token is used; it runs with `--log-level warn`, so the per-request access
//! log is not in the figures). Non-2xx answers count as errors, by operation and status.
//!
//! The mix per connection, by turns of ten: 2 creates, 4 replies, 2 status changes (In
//! progress and Pending in turn), 2 list queries; a connection replies to and moves only
//! tickets it created. `commands_per_sec` counts successful commands (not queries).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::http_client::Connection;
use crate::stats::{round2, Percentiles};

#[derive(Args)]
pub struct HttpArgs {
    /// The server's base URL (`http://127.0.0.1:8080`); without it a server is started.
    #[arg(long)]
    url: Option<String>,
    /// An API token of an agent or admin (required with `--url`).
    #[arg(long)]
    token: Option<String>,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// How long to run, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Print one JSON object as the last line.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Op {
    Create,
    Reply,
    Status,
    List,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Reply => "reply",
            Op::Status => "status",
            Op::List => "list",
        }
    }
}

/// What one connection measured.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    ok: BTreeMap<Op, u64>,
    /// (operation, status or "io") → count.
    errors: BTreeMap<(Op, String), u64>,
}

/// A started server, stopped when dropped.
struct Spawned {
    _child: tokio::process::Child,
    _dir: tempfile::TempDir,
}

pub async fn run(args: HttpArgs) -> Result<(), Box<dyn std::error::Error>> {
    let (base, token, _server) = match (&args.url, &args.token) {
        (Some(url), Some(token)) => (url.trim_end_matches('/').to_owned(), token.clone(), None),
        (Some(_), None) => return Err("--url needs --token (an agent's or admin's)".into()),
        (None, _) => {
            let (base, token, spawned) = spawn_server().await?;
            (base, token, Some(spawned))
        }
    };
    let connections = args.connections.max(1);
    let statuses = statuses(&base, &token).await?;
    let started = Instant::now();
    let until = started + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for c in 0..connections {
        let connection = Connection::new(&base, &token)?;
        let statuses = statuses.clone();
        tasks.push(tokio::spawn(async move {
            run_connection(c, connection, statuses, until).await
        }));
    }
    let mut all = Tally::default();
    for task in tasks {
        let tally = task.await?;
        all.latencies.extend(tally.latencies);
        for (op, n) in tally.ok {
            *all.ok.entry(op).or_default() += n;
        }
        for (key, n) in tally.errors {
            *all.errors.entry(key).or_default() += n;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let commands: u64 = all
        .ok
        .iter()
        .filter(|(op, _)| **op != Op::List)
        .map(|(_, n)| n)
        .sum();
    let queries = all.ok.get(&Op::List).copied().unwrap_or(0);
    let errors: u64 = all.errors.values().sum();
    let p = Percentiles::of(&mut all.latencies);
    let ok: BTreeMap<&str, u64> = all.ok.iter().map(|(op, n)| (op.name(), *n)).collect();
    let error_detail: BTreeMap<String, u64> = all
        .errors
        .iter()
        .map(|((op, status), n)| (format!("{} {status}", op.name()), *n))
        .collect();
    println!(
        "http: {connections} connections for {elapsed:.1} s against {base}\n  \
         commands: {commands} ({:.0}/s), list queries: {queries} ({:.0}/s), errors: {errors}\n  \
         latency (all requests): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms\n  \
         by operation: {ok:?}; errors: {error_detail:?}",
        commands as f64 / elapsed,
        queries as f64 / elapsed,
        p.p50_ms,
        p.p99_ms,
        p.max_ms
    );
    if args.json {
        println!(
            "{}",
            json!({
                "mode": "http",
                "connections": connections,
                "seconds": round2(elapsed),
                "commands": commands,
                "commands_per_sec": round2(commands as f64 / elapsed),
                "queries_per_sec": round2(queries as f64 / elapsed),
                "p50_ms": round2(p.p50_ms),
                "p99_ms": round2(p.p99_ms),
                "max_ms": round2(p.max_ms),
                "ok": ok,
                "errors": errors,
                "error_detail": error_detail,
            })
        );
    }
    Ok(())
}

/// One connection's loop until `until`.
async fn run_connection(
    c: usize,
    mut connection: Connection,
    statuses: [String; 2],
    until: Instant,
) -> Tally {
    let mut tally = Tally::default();
    let mut mine: Vec<u64> = Vec::new();
    let mut turn = 0usize;
    while Instant::now() < until {
        let slot = turn % 10;
        let op = match slot {
            _ if mine.is_empty() => Op::Create,
            0 | 5 => Op::Create,
            1 | 3 | 6 | 8 => Op::Reply,
            2 | 7 => Op::Status,
            _ => Op::List,
        };
        let target = mine.get(turn % mine.len().max(1)).copied().unwrap_or(0);
        let (method, path, body) = match op {
            Op::Create => (
                "POST",
                "/api/tickets".to_owned(),
                Some(json!({
                    "subject": format!("Bench ticket {c}-{turn}"),
                    "description": "Generated by ledgerdesk-bench http.",
                })),
            ),
            Op::Reply => (
                "POST",
                format!("/api/tickets/{target}/replies"),
                Some(json!({"body": format!("Reply {turn} from connection {c}.")})),
            ),
            Op::Status => (
                "POST",
                format!("/api/tickets/{target}/status"),
                Some(json!({"status_id": statuses[turn / 10 % 2]})),
            ),
            Op::List => ("GET", "/api/tickets?limit=25".to_owned(), None),
        };
        let body = body.map(|b| b.to_string().into_bytes());
        let sent = Instant::now();
        let outcome = connection.send(method, &path, body.as_deref()).await;
        tally.latencies.push(sent.elapsed());
        match outcome {
            Ok(response) if (200..300).contains(&response.status) => {
                *tally.ok.entry(op).or_default() += 1;
                if op == Op::Create {
                    let number = serde_json::from_slice::<Value>(&response.body)
                        .ok()
                        .and_then(|v| v["number"].as_u64());
                    mine.extend(number);
                }
            }
            Ok(response) => {
                *tally
                    .errors
                    .entry((op, response.status.to_string()))
                    .or_default() += 1
            }
            Err(_) => *tally.errors.entry((op, "io".to_owned())).or_default() += 1,
        }
        turn += 1;
    }
    tally
}

/// The ids of the catalogue's "In progress" and "Pending" statuses, from the log.
async fn statuses(base: &str, token: &str) -> Result<[String; 2], Box<dyn std::error::Error>> {
    let response = Connection::new(base, token)?
        .send("GET", "/api/events?type=status.created&limit=100", None)
        .await?;
    if !(200..300).contains(&response.status) {
        return Err(format!(
            "reading the statuses from /api/events answered {} (the token must be an admin's \
             or auditor's to read the log)",
            response.status
        )
        .into());
    }
    let events: Value = serde_json::from_slice(&response.body)?;
    let find = |name: &str| -> Result<String, Box<dyn std::error::Error>> {
        events["events"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["data"].as_object()?.values().next().cloned())
            .find(|created| created["name"] == name)
            .and_then(|created| created["status_id"].as_str().map(str::to_owned))
            .ok_or_else(|| format!("no status {name:?} in the catalogue").into())
    };
    Ok([find("In progress")?, find("Pending")?])
}

/// Starts the `ledgerdesk` binary beside this one on a scratch directory; answers its base URL
/// and admin token.
async fn spawn_server() -> Result<(String, String, Spawned), Box<dyn std::error::Error>> {
    let binary: PathBuf = std::env::current_exe()?
        .parent()
        .ok_or("no directory for the bench binary")?
        .join("ledgerdesk");
    if !binary.exists() {
        return Err(format!(
            "{} not found: build it first (cargo build --release --bin ledgerdesk), or pass --url",
            binary.display()
        )
        .into());
    }
    let dir = tempfile::tempdir()?;
    let mut child = tokio::process::Command::new(&binary)
        .args(["--listen", "127.0.0.1:0", "--log-level", "warn"])
        .arg("--data-dir")
        .arg(dir.path())
        .env_remove("LEDGERDESK_ADMIN_PASSWORD")
        .env_remove("LEDGERDESK_DEMO")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout from the server")?;
    let mut lines = BufReader::new(stdout).lines();
    let mut token = None;
    let read = async {
        while let Some(line) = lines.next_line().await? {
            if let Some(t) = line.strip_prefix("admin API token: ") {
                token = Some(t.trim().to_owned());
            }
            if let Some(address) = line.strip_prefix("ledgerdesk listening on ") {
                return Ok::<_, std::io::Error>(Some(address.trim().to_owned()));
            }
        }
        Ok(None)
    };
    let address = tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .map_err(|_| "the server did not print its address within 60 s")??
        .ok_or("the server exited before printing its address")?;
    let token = token.ok_or("the server printed no admin token")?;
    Ok((
        address,
        token,
        Spawned {
            _child: child,
            _dir: dir,
        },
    ))
}
