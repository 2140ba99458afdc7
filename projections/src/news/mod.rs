//! The `news` read model: InvGate breaking news with their updates, and Trudesk notices.
//!
//! **Active breaking news** (as the domain defines it): news is open from its creation until
//! it is closed (by a close or by an update that closes it) and open again after a reopen.
//! The model keeps, per news item, the `recorded_at` of every opening and closing, so
//! [`active`] answers "open as of T" for any T deterministically, from the events' times and
//! never from a clock; callers that give no time ask as of the latest event they reflect.
//! The estimated resolution time is information, not an expiry.
//!
//! **Notices**: active from `notice.activated` until `notice.cleared` or deletion; only the
//! current state is kept.
//!
//! **Keys**: `b<id>` → [`News`]; `n<id>` → [`Notice`]; `l` → the latest `recorded_at` seen
//! by this model (the default "now" of its queries). Bump [`VERSION`] when a rule changes.

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use ledgerdesk_core::directory::breaking_news::{BreakingNewsEvent, Importance, NewsUpdate};
use ledgerdesk_core::directory::notice::{NoticeContent, NoticeEvent};
use ledgerdesk_core::{DomainEvent, RecordedEvent, StreamKind};
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use crate::kv::{decode_value, load, save};
use crate::{Changes, Projection, ProjectionError, ProjectionView};

/// The projection's name.
pub const NAME: &str = "news";
/// The projection's version.
pub const VERSION: u32 = 1;

const LATEST: &[u8] = b"l";

/// Breaking news as readers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct News {
    /// The news id.
    pub id: Ulid,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Importance.
    pub importance: Importance,
    /// Affected help desks.
    pub helpdesk_ids: BTreeSet<Ulid>,
    /// Affected groups.
    pub group_ids: BTreeSet<Ulid>,
    /// Estimated resolution time (microseconds).
    pub resolution_time: Option<i64>,
    /// Its creator (none: the system).
    pub creator_id: Option<Ulid>,
    /// The major incident ticket, if any.
    pub major_incident_id: Option<Ulid>,
    /// Whether it is open now.
    pub open: bool,
    /// `[opened, closed)` intervals by `recorded_at` (the last one open-ended while open).
    pub open_spans: Vec<(i64, Option<i64>)>,
    /// The updates, in order.
    pub updates: Vec<NewsUpdate>,
    /// `recorded_at` of its creation.
    pub created_at: i64,
    /// `recorded_at` of its latest event.
    pub updated_at: i64,
    /// The stream version of the latest event.
    pub version: u64,
}

impl News {
    /// Whether the news was open at `at` (microseconds).
    pub fn active_at(&self, at: i64) -> bool {
        self.open_spans
            .iter()
            .any(|(from, to)| *from <= at && to.is_none_or(|to| at < to))
    }

    fn close(&mut self, at: i64) {
        if let Some(last) = self.open_spans.last_mut().filter(|s| s.1.is_none()) {
            last.1 = Some(at);
        }
        self.open = false;
    }
}

/// A notice as readers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// The notice id.
    pub id: Ulid,
    /// Its content.
    pub content: NoticeContent,
    /// Since when it is shown, while active (microseconds).
    pub active_since: Option<i64>,
    /// Whether it was deleted.
    pub deleted: bool,
    /// The stream version of the latest event.
    pub version: u64,
}

fn key(prefix: u8, id: Ulid) -> Vec<u8> {
    let mut k = vec![prefix];
    k.extend_from_slice(&id.to_bytes());
    k
}

fn decode_err(record: &RecordedEvent, e: impl std::fmt::Display) -> ProjectionError {
    ProjectionError::Decode {
        position: record.position,
        detail: e.to_string(),
    }
}

/// The news read model.
#[derive(Debug, Clone, Copy, Default)]
pub struct NewsProjection;

impl Projection for NewsProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn apply(
        &self,
        changes: &mut Changes<'_>,
        record: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        match record.stream.kind {
            StreamKind::BreakingNews => apply_news(changes, record)?,
            StreamKind::Notice => apply_notice(changes, record)?,
            _ => return Ok(()),
        }
        changes.insert(LATEST, record.recorded_at.0.to_be_bytes().to_vec());
        Ok(())
    }
}

fn apply_news(changes: &mut Changes<'_>, record: &RecordedEvent) -> Result<(), ProjectionError> {
    let event = BreakingNewsEvent::from_recorded(record).map_err(|e| decode_err(record, e))?;
    let k = key(b'b', record.stream.id);
    let at = record.recorded_at.0;
    let before: Option<News> = load(changes, &k)?;
    let mut news = match (before, event) {
        (_, BreakingNewsEvent::Created(e)) => News {
            id: record.stream.id,
            title: e.content.title,
            body: e.content.body,
            importance: e.content.importance,
            helpdesk_ids: e.content.helpdesk_ids,
            group_ids: e.content.group_ids,
            resolution_time: e.content.resolution_time.map(|t| t.0),
            creator_id: e.creator_id,
            major_incident_id: e.major_incident_id,
            open: true,
            open_spans: vec![(at, None)],
            updates: Vec::new(),
            created_at: at,
            updated_at: at,
            version: 0,
        },
        (None, _) => {
            return Err(ProjectionError::Inconsistent(format!(
                "event at {} for news never created",
                record.position
            )))
        }
        (Some(mut n), BreakingNewsEvent::Modified(m)) => {
            n.title = m.content.title;
            n.body = m.content.body;
            n.importance = m.content.importance;
            n.helpdesk_ids = m.content.helpdesk_ids;
            n.group_ids = m.content.group_ids;
            n.resolution_time = m.content.resolution_time.map(|t| t.0);
            n
        }
        (Some(mut n), BreakingNewsEvent::UpdatePosted(u)) => {
            if u.closed {
                n.close(at);
            }
            n.updates.push(u);
            n
        }
        (Some(mut n), BreakingNewsEvent::Closed(_)) => {
            n.close(at);
            n
        }
        (Some(mut n), BreakingNewsEvent::Reopened(_)) => {
            if !n.open {
                n.open = true;
                n.open_spans.push((at, None));
            }
            n
        }
    };
    news.updated_at = at;
    news.version = record.version;
    save(changes, &k, &news)
}

fn apply_notice(changes: &mut Changes<'_>, record: &RecordedEvent) -> Result<(), ProjectionError> {
    let event = NoticeEvent::from_recorded(record).map_err(|e| decode_err(record, e))?;
    let k = key(b'n', record.stream.id);
    let before: Option<Notice> = load(changes, &k)?;
    let mut notice = match (before, event) {
        (_, NoticeEvent::Created(e)) => Notice {
            id: record.stream.id,
            content: e.content,
            active_since: None,
            deleted: false,
            version: 0,
        },
        (None, _) => {
            return Err(ProjectionError::Inconsistent(format!(
                "event at {} for a notice never created",
                record.position
            )))
        }
        (Some(mut n), NoticeEvent::Updated(u)) => {
            n.content = u.content;
            n
        }
        (Some(mut n), NoticeEvent::Activated(_)) => {
            n.active_since = Some(record.recorded_at.0);
            n
        }
        (Some(mut n), NoticeEvent::Cleared(_)) => {
            n.active_since = None;
            n
        }
        (Some(mut n), NoticeEvent::Deleted(_)) => {
            n.active_since = None;
            n.deleted = true;
            n
        }
    };
    notice.version = record.version;
    save(changes, &k, &notice)
}

/// The latest `recorded_at` of a news or notice event this view reflects (0 when none).
pub fn latest(view: &ProjectionView) -> Result<i64, ProjectionError> {
    Ok(view
        .get(LATEST)?
        .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
        .map_or(0, i64::from_be_bytes))
}

/// The news `id`.
pub fn get(view: &ProjectionView, id: Ulid) -> Result<Option<News>, ProjectionError> {
    view.get(&key(b'b', id))?
        .map(|v| decode_value(&v))
        .transpose()
}

/// Every news item, newest first.
pub fn all(view: &ProjectionView) -> Result<Vec<News>, ProjectionError> {
    let mut out = Vec::new();
    for item in view.scan(b"b", None, false) {
        let (_, v) = item?;
        out.push(decode_value::<News>(&v)?);
    }
    out.sort_by_key(|n| std::cmp::Reverse((n.created_at, n.id)));
    Ok(out)
}

/// The news open as of `at` (default: the latest event time of the view), newest first.
pub fn active(view: &ProjectionView, at: Option<i64>) -> Result<Vec<News>, ProjectionError> {
    let at = match at {
        Some(at) => at,
        None => latest(view)?,
    };
    Ok(all(view)?.into_iter().filter(|n| n.active_at(at)).collect())
}

/// Every notice not deleted (`active_only`: only those shown now), by id.
pub fn notices(view: &ProjectionView, active_only: bool) -> Result<Vec<Notice>, ProjectionError> {
    let mut out = Vec::new();
    for item in view.scan(b"n", None, false) {
        let (_, v) = item?;
        let n: Notice = decode_value(&v)?;
        if !n.deleted && (!active_only || n.active_since.is_some()) {
            out.push(n);
        }
    }
    Ok(out)
}

/// The notice `id`.
pub fn notice(view: &ProjectionView, id: Ulid) -> Result<Option<Notice>, ProjectionError> {
    view.get(&key(b'n', id))?
        .map(|v| decode_value(&v))
        .transpose()
}
