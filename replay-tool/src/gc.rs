//! `gc-blobs`: deletes attachment blobs that nothing in the log refers to any more.
//!
//! A blob (`blobs/ab/abcd…`, named by its BLAKE3) is **referenced** while a live attachment
//! names its hash: a ticket attachment added and neither removed nor purged with its ticket,
//! or a KB article attachment neither removed nor deleted with its article. The log is read
//! once, from position 1, keeping only those references (decoding only the event types that
//! move them; any other event is skipped by its type name). If one of those events does not
//! decode, nothing is deleted: an unreadable reference must never turn into a lost file.
//!
//! A blob that is not referenced is deleted only when its file is older than the grace period
//! (default one hour): the server writes a blob before it appends the event that names it, so
//! a young unreferenced blob may be an upload whose event is still on its way. Files left in
//! `blobs/tmp/` by interrupted uploads follow the same rule. Anything else under `blobs/`
//! (a name that is not a hash, a hash in the wrong directory) is left alone and reported.
//! `--dry-run` reports what would go and deletes nothing.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, SystemTime};

use ledgerdesk_core::directory::kb::ArticleEvent;
use ledgerdesk_core::ticket::TicketEvent;
use ledgerdesk_core::{DomainEvent, EventStore, RecordedEvent, SledEventStore};
use serde::Serialize;
use ulid::Ulid;

use crate::Failure;

const READ_CHUNK: usize = 10_000;

/// The event types that add or drop a reference to a blob.
const REFERENCE_EVENTS: [&str; 7] = [
    "ticket.attachment_added",
    "ticket.attachment_removed",
    "ticket.purged",
    "kb_article.created",
    "kb_article.attachment_added",
    "kb_article.attachment_removed",
    "kb_article.deleted",
];

/// What a collection found and did (or, in a dry run, would do).
#[derive(Debug, Default, Serialize)]
pub(crate) struct GcReport {
    /// Whether files were left in place.
    pub dry_run: bool,
    /// Distinct blob hashes live attachments refer to.
    pub referenced: u64,
    /// Blob files kept because they are referenced.
    pub kept: u64,
    /// Unreferenced files kept because they are younger than the grace period.
    pub young: u64,
    /// Unreferenced blob and temporary files deleted (or to delete).
    pub deleted: u64,
    /// Their bytes.
    pub deleted_bytes: u64,
    /// Files under `blobs/` that are neither blobs nor temporary uploads (left alone).
    pub unknown: Vec<String>,
}

/// The hashes live attachments refer to, from the whole log.
pub(crate) async fn referenced(store: &SledEventStore) -> Result<HashSet<String>, Failure> {
    let mut tickets: HashMap<Ulid, HashMap<Ulid, String>> = HashMap::new();
    let mut articles: HashMap<Ulid, HashMap<Ulid, String>> = HashMap::new();
    let mut next = 1;
    loop {
        let records = store.read_all(next, READ_CHUNK).await?;
        for r in &records {
            if REFERENCE_EVENTS.contains(&r.event_type.as_str()) {
                fold(&mut tickets, &mut articles, r)?;
            }
        }
        match records.last() {
            Some(last) => next = last.position + 1,
            None => break,
        }
    }
    Ok(tickets
        .into_values()
        .chain(articles.into_values())
        .flat_map(HashMap::into_values)
        .collect())
}

fn undecodable(r: &RecordedEvent, e: impl std::fmt::Display) -> Failure {
    Failure::Problem(format!(
        "position {} ({}): {} does not decode ({e}); nothing deleted",
        r.position, r.stream, r.event_type
    ))
}

/// Folds one reference event into the live attachments per ticket and per article.
fn fold(
    tickets: &mut HashMap<Ulid, HashMap<Ulid, String>>,
    articles: &mut HashMap<Ulid, HashMap<Ulid, String>>,
    r: &RecordedEvent,
) -> Result<(), Failure> {
    let id = r.stream.id;
    if r.event_type.starts_with("ticket.") {
        match TicketEvent::from_recorded(r).map_err(|e| undecodable(r, e))? {
            TicketEvent::AttachmentAdded(a) => {
                let meta = a.attachment;
                tickets
                    .entry(id)
                    .or_default()
                    .insert(meta.attachment_id, meta.blake3_hex.to_ascii_lowercase());
            }
            TicketEvent::AttachmentRemoved(a) => {
                if let Some(live) = tickets.get_mut(&id) {
                    live.remove(&a.attachment_id);
                }
            }
            TicketEvent::Purged(_) => {
                tickets.remove(&id);
            }
            _ => {}
        }
        return Ok(());
    }
    match ArticleEvent::from_recorded(r).map_err(|e| undecodable(r, e))? {
        ArticleEvent::Created(c) => {
            let live = articles.entry(id).or_default();
            for a in c.attachments {
                live.insert(a.attachment_id, a.blake3.to_ascii_lowercase());
            }
        }
        ArticleEvent::AttachmentAdded(a) => {
            articles
                .entry(id)
                .or_default()
                .insert(a.attachment_id, a.blake3.to_ascii_lowercase());
        }
        ArticleEvent::AttachmentRemoved(a) => {
            if let Some(live) = articles.get_mut(&id) {
                live.remove(&a.attachment_id);
            }
        }
        ArticleEvent::Deleted(_) => {
            articles.remove(&id);
        }
        ArticleEvent::Modified(_) => {}
    }
    Ok(())
}

fn is_hash(name: &str) -> bool {
    name.len() == 64
        && name
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Whether the file's last change is older than `grace` (a file from the future is young).
fn older_than(meta: &std::fs::Metadata, grace: Duration, now: SystemTime) -> bool {
    meta.modified()
        .ok()
        .and_then(|m| now.duration_since(m).ok())
        .is_some_and(|age| age >= grace)
}

/// Deletes `path` (of `size` bytes) unless dry-running, and counts it.
fn collect(path: &Path, size: u64, report: &mut GcReport) -> Result<(), Failure> {
    if !report.dry_run {
        std::fs::remove_file(path)?;
    }
    report.deleted += 1;
    report.deleted_bytes += size;
    Ok(())
}

/// Walks `<data_dir>/blobs` and deletes (or, dry-running, counts) every unreferenced blob
/// and temporary upload older than `grace`.
pub(crate) fn sweep(
    data_dir: &Path,
    referenced: &HashSet<String>,
    grace: Duration,
    dry_run: bool,
) -> Result<GcReport, Failure> {
    let mut report = GcReport {
        dry_run,
        referenced: referenced.len() as u64,
        ..GcReport::default()
    };
    let root = data_dir.join("blobs");
    if !root.exists() {
        return Ok(report);
    }
    let now = SystemTime::now();
    let mut dirs: Vec<_> = std::fs::read_dir(&root)?.collect::<Result<_, _>>()?;
    dirs.sort_by_key(|d| d.file_name());
    for dir in dirs {
        let dir_name = dir.file_name().to_string_lossy().into_owned();
        if !dir.file_type()?.is_dir() {
            report.unknown.push(dir_name);
            continue;
        }
        let is_tmp = dir_name == "tmp";
        let mut files: Vec<_> = std::fs::read_dir(dir.path())?.collect::<Result<_, _>>()?;
        files.sort_by_key(|f| f.file_name());
        for file in files {
            let name = file.file_name().to_string_lossy().into_owned();
            let meta = file.metadata()?;
            let is_blob = !is_tmp && is_hash(&name) && name.starts_with(&dir_name);
            let is_upload = is_tmp && Ulid::from_string(&name).is_ok();
            if !meta.is_file() || !(is_blob || is_upload) {
                report.unknown.push(format!("{dir_name}/{name}"));
            } else if is_blob && referenced.contains(&name) {
                report.kept += 1;
            } else if !older_than(&meta, grace, now) {
                report.young += 1;
            } else {
                collect(&file.path(), meta.len(), &mut report)?;
            }
        }
    }
    Ok(report)
}

/// `gc-blobs`: reads the log, then sweeps the blob directory, and prints the report.
pub(crate) async fn gc_blobs(
    store: &SledEventStore,
    data_dir: &Path,
    grace: Duration,
    dry_run: bool,
    json: bool,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let referenced = referenced(store).await?;
    let report = sweep(data_dir, &referenced, grace, dry_run)?;
    if json {
        let line = serde_json::to_string(&report).map_err(|e| Failure::Io(e.to_string()))?;
        writeln!(out, "{line}")?;
        return Ok(());
    }
    let verb = if dry_run { "would delete" } else { "deleted" };
    writeln!(
        out,
        "{verb} {} files ({} bytes); kept {} referenced blobs ({} hashes referenced) and {} \
         unreferenced files younger than {} minutes",
        report.deleted,
        report.deleted_bytes,
        report.kept,
        report.referenced,
        report.young,
        grace.as_secs() / 60
    )?;
    for unknown in &report.unknown {
        writeln!(out, "left alone (not a blob): blobs/{unknown}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, bytes: &[u8]) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn only_old_unreferenced_blobs_and_uploads_go_and_strangers_stay() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = dir.path().join("blobs");
        let hash = |b: &[u8]| blake3::hash(b).to_hex().to_string();
        let (kept, gone) = (hash(b"kept"), hash(b"gone"));
        write(&blobs.join(&kept[..2]).join(&kept), b"kept");
        write(&blobs.join(&gone[..2]).join(&gone), b"gone");
        write(&blobs.join("tmp").join(Ulid::new().to_string()), b"partial");
        write(&blobs.join("zz").join("notes.txt"), b"?");
        let referenced: HashSet<String> = [kept.clone()].into();

        // With a grace period longer than the files' age, nothing unreferenced goes.
        let report = sweep(dir.path(), &referenced, Duration::from_secs(3600), false).unwrap();
        assert_eq!((report.kept, report.young, report.deleted), (1, 2, 0));
        assert_eq!(report.unknown, vec!["zz/notes.txt".to_owned()]);

        // A dry run with no grace counts and keeps.
        let report = sweep(dir.path(), &referenced, Duration::ZERO, true).unwrap();
        assert_eq!((report.deleted, report.deleted_bytes), (2, 4 + 7));
        assert!(blobs.join(&gone[..2]).join(&gone).exists());

        let report = sweep(dir.path(), &referenced, Duration::ZERO, false).unwrap();
        assert_eq!(
            (report.kept, report.deleted, report.deleted_bytes),
            (1, 2, 11)
        );
        assert!(blobs.join(&kept[..2]).join(&kept).exists());
        assert!(!blobs.join(&gone[..2]).join(&gone).exists());
        assert_eq!(std::fs::read_dir(blobs.join("tmp")).unwrap().count(), 0);
        assert!(blobs.join("zz").join("notes.txt").exists());
    }
}
