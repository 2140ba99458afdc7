//! Crash test: a child process appends from many tasks and prints each acknowledged append; we
//! SIGKILL it at random moments, reopen the log, and check that every acknowledged event is
//! there, positions have no gap, every stream version has its event and the chain verifies.
//! Rounds accumulate in one data directory, so recovery is tested on top of earlier recoveries.
//! The seed is printed so a failing run can be replayed with `CRASH_SEED`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ledgerdesk_core::store::verify_log;
use ledgerdesk_core::{EventStore, SledEventStore, StoreConfig, StreamId};
use rand::{Rng, SeedableRng};

const ROUNDS: usize = 20;

struct Ack {
    position: u64,
    stream: StreamId,
    version: u64,
    event_ids: Vec<String>,
}

fn parse(line: &str) -> Ack {
    let mut parts = line.split_whitespace();
    assert_eq!(parts.next(), Some("ack"), "unexpected line {line:?}");
    let position = parts.next().unwrap().parse().unwrap();
    let stream = parts.next().unwrap().parse().unwrap();
    let version = parts.next().unwrap().parse().unwrap();
    Ack {
        position,
        stream,
        version,
        event_ids: parts.map(str::to_owned).collect(),
    }
}

#[test]
fn acknowledged_appends_survive_sigkill() {
    let seed: u64 = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    println!("crash test seed {seed} (rerun with CRASH_SEED={seed})");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let child_bin = env!("CARGO_BIN_EXE_ledgerdesk-crash-child");
    let mut all_acks: Vec<Ack> = Vec::new();
    let runtime = tokio::runtime::Runtime::new().unwrap();

    for round in 0..ROUNDS {
        let mut child = Command::new(child_bin)
            .arg(dir.path())
            .arg("24")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the crash child");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                match line {
                    Ok(l) => {
                        if tx.send(l).is_err() {
                            break;
                        }
                    }
                    Err(_) => break,
                }
            }
        });
        // Wait (bounded) for the first acknowledgement, so the kill lands mid-stream.
        let mut lines = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while lines.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "round {round}: the child acknowledged nothing in 30 s"
            );
            if let Ok(l) = rx.recv_timeout(left) {
                lines.push(l);
            }
        }
        let run_for = Duration::from_millis(rng.gen_range(20..400));
        let until = Instant::now() + run_for;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            if let Ok(l) = rx.recv_timeout(left) {
                lines.push(l);
            }
        }
        child.kill().expect("SIGKILL the child");
        child.wait().unwrap();
        reader.join().unwrap();
        lines.extend(rx.try_iter());
        // A line cut by the kill is not an acknowledgement we can read; only whole lines count.
        let acks: Vec<Ack> = lines
            .iter()
            .filter(|l| l.split_whitespace().count() >= 5)
            .map(|l| parse(l))
            .collect();

        runtime.block_on(async {
            let store = SledEventStore::open(dir.path(), StoreConfig::default())
                .unwrap_or_else(|e| panic!("round {round} (seed {seed}): reopen failed: {e}"));
            let report = verify_log(&store).unwrap();
            assert_eq!(
                report.problem, None,
                "round {round} (seed {seed}): {report:?}"
            );
            assert_eq!(report.events, store.head());
            for ack in all_acks.iter().chain(&acks) {
                let records = store
                    .read_all(ack.position, ack.event_ids.len())
                    .await
                    .unwrap();
                assert_eq!(
                    records.len(),
                    ack.event_ids.len(),
                    "round {round} (seed {seed}): acknowledged position {} lost",
                    ack.position
                );
                for (i, (record, id)) in records.iter().zip(&ack.event_ids).enumerate() {
                    assert_eq!(&record.event_id.to_string(), id);
                    assert_eq!(record.stream, ack.stream);
                    assert_eq!(record.version, ack.version + i as u64);
                }
                let by_stream = store
                    .read_stream(ack.stream, ack.version, ack.event_ids.len())
                    .await
                    .unwrap();
                assert_eq!(
                    by_stream.len(),
                    ack.event_ids.len(),
                    "stream index lost an event"
                );
                assert_eq!(by_stream[0].position, ack.position);
            }
            println!(
                "round {round}: killed after {run_for:?}, {} acknowledged this round, log holds {}",
                acks.len(),
                report.events
            );
            store.close().await;
        });
        all_acks.extend(acks);
    }
    assert!(!all_acks.is_empty());
}
