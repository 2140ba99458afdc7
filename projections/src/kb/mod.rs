//! The `kb` read model: knowledge-base articles and a keyword index over their title,
//! description, content and keywords.
//!
//! **Published or draft**: the domain has one switch, `private` (InvGate): a private article
//! is a draft for staff only; the others are published and requesters may read them.
//!
//! **Events consumed**: `kb_article.*`. Time is the envelope's `recorded_at`.
//!
//! **Keys**: `a<id>` → [`Article`]; `t<token>\0<id>` → the token's weight in the article
//! (title words count three times, keywords twice, description and content once), for live
//! articles only. An edit rewrites the postings of the article's old and new tokens only.
//!
//! **Search** ([`search`]): the query is tokenized like the articles; an article matches
//! when it has every query token; matches are ranked by the sum of their weights (then by
//! newest update, then id) and paged by offset. Bump [`VERSION`] when a rule changes.

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use ledgerdesk_core::directory::kb::{ArticleChange, ArticleEvent};
use ledgerdesk_core::{DomainEvent, RecordedEvent, StreamKind};
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use crate::kv::{decode_value, load, save};
use crate::{Changes, Projection, ProjectionError, ProjectionView};

/// The projection's name.
pub const NAME: &str = "kb";
/// The projection's version.
pub const VERSION: u32 = 1;
/// The largest page of a search or list.
pub const MAX_LIMIT: usize = 100;
/// Tokens longer than this are cut (no word is that long; it bounds key sizes).
const TOKEN_MAX: usize = 40;
/// Query tokens beyond this are ignored.
const QUERY_TOKENS_MAX: usize = 16;

/// A KB article as readers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    /// The article's id.
    pub id: Ulid,
    /// Its author.
    pub author_id: Ulid,
    /// Title.
    pub title: String,
    /// Short description.
    pub description: Option<String>,
    /// Body.
    pub content: String,
    /// KB category.
    pub category_id: Ulid,
    /// Private (a draft for staff) or published.
    pub private: bool,
    /// Who keeps it up to date.
    pub responsible_id: Ulid,
    /// Keywords.
    pub keywords: BTreeSet<String>,
    /// Attachment names by id.
    pub attachments: BTreeMap<Ulid, String>,
    /// `recorded_at` of its creation (microseconds).
    pub created_at: i64,
    /// `recorded_at` of its latest change (microseconds).
    pub updated_at: i64,
    /// Whether it was deleted.
    pub deleted: bool,
    /// The stream version of the latest event.
    pub version: u64,
}

impl Article {
    /// Whether requesters may read it.
    pub fn published(&self) -> bool {
        !self.private && !self.deleted
    }

    /// The article's tokens with their weights (none when deleted).
    fn weights(&self) -> BTreeMap<String, u32> {
        let mut out = BTreeMap::new();
        if self.deleted {
            return out;
        }
        let mut add = |text: &str, weight: u32| {
            for t in tokens(text) {
                *out.entry(t).or_insert(0) += weight;
            }
        };
        add(&self.title, 3);
        for k in &self.keywords {
            add(k, 2);
        }
        add(self.description.as_deref().unwrap_or_default(), 1);
        add(&self.content, 1);
        out
    }
}

/// Lowercased runs of letters and digits, at least two characters long (cut at
/// [`TOKEN_MAX`]), in order, with repeats.
pub fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(|w| w.to_lowercase().chars().take(TOKEN_MAX).collect())
        .collect()
}

fn article_key(id: Ulid) -> Vec<u8> {
    let mut k = vec![b'a'];
    k.extend_from_slice(&id.to_bytes());
    k
}

fn posting_prefix(token: &str) -> Vec<u8> {
    let mut k = vec![b't'];
    k.extend_from_slice(token.as_bytes());
    k.push(0);
    k
}

fn posting_key(token: &str, id: Ulid) -> Vec<u8> {
    let mut k = posting_prefix(token);
    k.extend_from_slice(&id.to_bytes());
    k
}

/// The KB read model.
#[derive(Debug, Clone, Copy, Default)]
pub struct KbProjection;

impl Projection for KbProjection {
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
        if record.stream.kind != StreamKind::KbArticle {
            return Ok(());
        }
        let event = ArticleEvent::from_recorded(record).map_err(|e| ProjectionError::Decode {
            position: record.position,
            detail: e.to_string(),
        })?;
        let id = record.stream.id;
        let key = article_key(id);
        let before: Option<Article> = load(changes, &key)?;
        let at = record.recorded_at.0;
        let mut article = match (&before, event) {
            (_, ArticleEvent::Created(e)) => Article {
                id,
                author_id: e.author_id,
                title: e.content.title,
                description: e.content.description,
                content: e.content.content,
                category_id: e.content.category_id,
                private: e.content.private,
                responsible_id: e.content.responsible_id,
                keywords: e.content.keywords,
                attachments: e
                    .attachments
                    .into_iter()
                    .map(|a| (a.attachment_id, a.name))
                    .collect(),
                created_at: at,
                updated_at: at,
                deleted: false,
                version: 0,
            },
            (None, _) => {
                return Err(ProjectionError::Inconsistent(format!(
                    "event at {} for an article never created",
                    record.position
                )))
            }
            (Some(a), ArticleEvent::Modified(m)) => {
                let mut a = a.clone();
                for change in m.changes {
                    match change {
                        ArticleChange::Title(c) => a.title = c.new,
                        ArticleChange::Description(c) => a.description = c.new,
                        ArticleChange::Content(c) => a.content = c.new,
                        ArticleChange::Category(c) => a.category_id = c.new,
                        ArticleChange::Private(c) => a.private = c.new,
                        ArticleChange::Responsible(c) => a.responsible_id = c.new,
                        ArticleChange::Keywords(c) => a.keywords = c.new,
                    }
                }
                a
            }
            (Some(a), ArticleEvent::AttachmentAdded(att)) => {
                let mut a = a.clone();
                a.attachments.insert(att.attachment_id, att.name);
                a
            }
            (Some(a), ArticleEvent::AttachmentRemoved(r)) => {
                let mut a = a.clone();
                a.attachments.remove(&r.attachment_id);
                a
            }
            (Some(a), ArticleEvent::Deleted(_)) => Article {
                deleted: true,
                ..a.clone()
            },
        };
        article.updated_at = at;
        article.version = record.version;
        let old = before.as_ref().map(Article::weights).unwrap_or_default();
        let new = article.weights();
        for token in old.keys().filter(|t| !new.contains_key(*t)) {
            changes.remove(&posting_key(token, id));
        }
        for (token, weight) in &new {
            if old.get(token) != Some(weight) {
                changes.insert(&posting_key(token, id), weight.to_be_bytes().to_vec());
            }
        }
        save(changes, &key, &article)
    }
}

/// The article `id`, deleted or not.
pub fn get(view: &ProjectionView, id: Ulid) -> Result<Option<Article>, ProjectionError> {
    view.get(&article_key(id))?
        .map(|v| decode_value(&v))
        .transpose()
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The article.
    pub article: Article,
    /// Its score (the sum of the query tokens' weights in it).
    pub score: u32,
}

/// A page of search results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage {
    /// The hits, best first.
    pub hits: Vec<Hit>,
    /// How many articles match in all.
    pub total: usize,
}

/// Live articles having every token of `query`, best first, `limit` from `offset`;
/// `published_only` leaves drafts out. An empty query (no token) matches nothing.
pub fn search(
    view: &ProjectionView,
    query: &str,
    published_only: bool,
    offset: usize,
    limit: usize,
) -> Result<SearchPage, ProjectionError> {
    let wanted: BTreeSet<String> = tokens(query).into_iter().take(QUERY_TOKENS_MAX).collect();
    let mut scores: Option<BTreeMap<Ulid, u32>> = None;
    for token in &wanted {
        let mut these = BTreeMap::new();
        for item in view.scan(&posting_prefix(token), None, false) {
            let (k, v) = item?;
            let id: [u8; 16] = k[k.len() - 16..]
                .try_into()
                .map_err(|_| ProjectionError::Inconsistent("short posting key".into()))?;
            let weight: [u8; 4] = v
                .as_slice()
                .try_into()
                .map_err(|_| ProjectionError::Inconsistent("bad posting weight".into()))?;
            these.insert(Ulid::from_bytes(id), u32::from_be_bytes(weight));
        }
        scores = Some(match scores {
            None => these,
            Some(prev) => prev
                .into_iter()
                .filter_map(|(id, s)| these.get(&id).map(|w| (id, s + w)))
                .collect(),
        });
    }
    let mut hits = Vec::new();
    for (id, score) in scores.unwrap_or_default() {
        if let Some(article) = get(view, id)? {
            if !published_only || article.published() {
                hits.push(Hit { article, score });
            }
        }
    }
    hits.sort_by(|a, b| {
        (b.score, b.article.updated_at, b.article.id).cmp(&(
            a.score,
            a.article.updated_at,
            a.article.id,
        ))
    });
    let total = hits.len();
    let hits = hits
        .into_iter()
        .skip(offset)
        .take(limit.min(MAX_LIMIT))
        .collect();
    Ok(SearchPage { hits, total })
}

/// Every live article (published only when asked), newest update first, paged by offset.
pub fn list(
    view: &ProjectionView,
    published_only: bool,
    offset: usize,
    limit: usize,
) -> Result<SearchPage, ProjectionError> {
    let mut hits = Vec::new();
    for item in view.scan(b"a", None, false) {
        let (_, v) = item?;
        let article: Article = decode_value(&v)?;
        if !article.deleted && (!published_only || article.published()) {
            hits.push(Hit { article, score: 0 });
        }
    }
    hits.sort_by(|a, b| {
        (b.article.updated_at, b.article.id).cmp(&(a.article.updated_at, a.article.id))
    });
    let total = hits.len();
    let hits = hits
        .into_iter()
        .skip(offset)
        .take(limit.min(MAX_LIMIT))
        .collect();
    Ok(SearchPage { hits, total })
}
