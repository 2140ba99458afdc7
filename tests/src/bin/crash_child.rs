//! A process for the crash test to kill: it appends from many tasks as fast as it can and
//! prints one line per acknowledged append, `ack <first_position> <stream> <first_version>
//! <event_id>...`, flushing each line. Whatever it printed was acknowledged as durable, so it
//! must be in the log after a SIGKILL at any moment.
//!
//! Usage: `ledgerdesk-crash-child <data-dir> <writers>`.

use std::io::Write;
use std::sync::Arc;

use ledgerdesk_core::{
    Actor, AppendMeta, AppendRequest, EventStore, ExpectedVersion, NewEvent, SledEventStore,
    StoreConfig, StreamId, StreamKind,
};
use ulid::Ulid;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .ok_or("usage: ledgerdesk-crash-child <data-dir> <writers>")?;
    let writers: usize = args.next().unwrap_or_else(|| "16".to_owned()).parse()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let store = Arc::new(SledEventStore::open(&dir, StoreConfig::default())?);
        let (acks, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
        let printer = tokio::task::spawn_blocking(move || {
            let stdout = std::io::stdout();
            while let Some(line) = lines.blocking_recv() {
                let mut out = stdout.lock();
                if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
                    break;
                }
            }
        });
        for w in 0..writers {
            let store = store.clone();
            let acks = acks.clone();
            tokio::spawn(async move {
                let mut round = 0u64;
                loop {
                    let stream = StreamId::generate(StreamKind::Ticket);
                    let mut version = 0u64;
                    for _ in 0..10 {
                        round += 1;
                        let count = 1 + (round % 3) as usize;
                        let events: Vec<NewEvent> = (0..count)
                            .map(|i| NewEvent {
                                event_id: Ulid::new(),
                                event_type: "crash.test".to_owned(),
                                schema_version: 1,
                                payload: format!("writer {w} round {round} event {i}").into_bytes(),
                            })
                            .collect();
                        let ids: Vec<String> =
                            events.iter().map(|e| e.event_id.to_string()).collect();
                        let expected = match version {
                            0 => ExpectedVersion::NoStream,
                            v => ExpectedVersion::Exact(v),
                        };
                        let request = AppendRequest::new(
                            stream,
                            expected,
                            AppendMeta::new(Actor::System),
                            events,
                        );
                        match store.append(request).await {
                            Ok(r) => {
                                version = r.last_version;
                                let line = format!(
                                    "ack {} {} {} {}",
                                    r.first_position,
                                    stream,
                                    r.first_version,
                                    ids.join(" ")
                                );
                                if acks.send(line).is_err() {
                                    return;
                                }
                            }
                            Err(e) => {
                                eprintln!("append failed: {e}");
                                return;
                            }
                        }
                    }
                }
            });
        }
        drop(acks);
        let _ = printer.await;
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
