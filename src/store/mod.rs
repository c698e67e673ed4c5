//! The cache: one SQLite file, the source of truth for everything the reader shows.
//!
//! Only this module speaks SQL. WAL mode and a busy timeout let the reader and a cron
//! `tidings refresh` share the file; the schema moves forward with `PRAGMA user_version`
//! through the migration list in `open`. Bodies are stored zstd-compressed (`rows`) and
//! the search index keeps no copy of the text.

use rusqlite::{params, Connection, OptionalExtension};

use crate::model::{Article, Feed, FeedId, FullText, Headline, ItemId, Timestamp};
use crate::query::ItemQuery;

mod open;
mod query;
mod rows;
mod sync;
use open::MIGRATIONS;
pub use rows::Rows;
use rows::{unpack, unpack_media, Packer};
pub use sync::{Field, QueuedChange, RemoteFeed};

/// Other items of its feed read beside an article, to tell the feed's boilerplate.
const SIBLINGS: i64 = 8;

/// Schema version this build writes. A cache from a newer tidings is refused, never rewritten.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    // `error` is not a `#[source]`: its text is in this message, and a report that walks
    // the chain would say it three times.
    #[error("cache {path}: {error}")]
    Open {
        path: String,
        error: rusqlite::Error,
    },
    #[error("cache {path} is not a regular file ({kind}); give tidings a file path with --cache")]
    NotAFile { path: String, kind: &'static str },
    #[error("cache {path} is not a tidings cache (not SQLite, or corrupt): {detail}; the file was left untouched — move it away to start a new cache")]
    NotACache { path: String, detail: String },
    #[error("cache {path} is another application's SQLite database (tables {tables}); it was left untouched — give tidings another --cache")]
    Foreign { path: String, tables: String },
    #[error("cache {path} has schema version {found}, newer than this tidings understands ({SCHEMA_VERSION}); upgrade tidings or use another --cache")]
    TooNew { path: String, found: i64 },
    #[error("the cache is damaged ({0}); your read and starred state may be recoverable with `sqlite3 .recover`; the file was left as it is")]
    Corrupt(String),
    #[error("cannot write the cache ({0}): is the disk full or the directory read-only? Nothing stored before was lost")]
    Write(rusqlite::Error),
    #[error("cache: {0}")]
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
                StoreError::Corrupt(e.to_string())
            }
            Some(
                rusqlite::ErrorCode::DiskFull
                | rusqlite::ErrorCode::SystemIoFailure
                | rusqlite::ErrorCode::ReadOnly
                | rusqlite::ErrorCode::CannotOpen,
            ) => StoreError::Write(e),
            _ => StoreError::Sql(e),
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// What the poller knows about a feed between refreshes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FetchState {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub error_count: u32,
    /// Earliest time the next request may be sent (Retry-After or backoff).
    pub next_allowed: Option<Timestamp>,
}

/// Outcome of storing one feed's items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreCounts {
    pub new: usize,
    pub updated: usize,
}

/// Most matches a search returns; more would only slow the list down.
pub const SEARCH_LIMIT: usize = 2000;

/// Which headlines to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeadlineFilter {
    pub unread_only: bool,
    pub feeds: Option<Vec<FeedId>>,
    /// At most this many, newest first (the first screenful, while the rest loads).
    pub limit: Option<usize>,
    /// Only the items a saved query selects.
    pub query: Option<ItemQuery>,
}

pub struct Store {
    conn: Connection,
    /// SQL that keeps items no kill rule (`ignore`) matches, when there are rules.
    ignore: Option<String>,
}

fn now() -> Timestamp {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Store {
    /// Items any of `rules` matches are left out of every list, search and unread count
    /// from now on; they stay in the cache, and come back when their rule goes.
    pub fn set_ignore(&mut self, rules: &[ItemQuery]) {
        self.ignore = (!rules.is_empty()).then(|| {
            let any: Vec<String> = rules.iter().map(query::sql).collect();
            format!(" AND NOT ({})", any.join(" OR "))
        });
    }

    fn ignored(&self) -> &str {
        self.ignore.as_deref().unwrap_or("")
    }

    /// The unread items `query` selects (kill rules applied): its count in the sidebar.
    pub fn unread_matching(&self, matching: &ItemQuery) -> Result<u32> {
        let sql = format!(
            "SELECT count(*) FROM items i JOIN feeds f ON f.id = i.feed_id
             WHERE f.active = 1 AND i.read = 0 AND {}{}",
            query::sql(matching),
            self.ignored()
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([], |r| r.get(0))?)
    }

    /// Makes the cache's feed list match the config: adds new feeds, updates titles and
    /// tags, and hides (never deletes) feeds that left the config so their state survives.
    pub fn sync_feeds(&mut self, feeds: &[(String, Option<String>, Vec<String>)]) -> Result<()> {
        let tx = self.conn.transaction()?;
        // The aggregator's feeds are not the config's to hide.
        tx.execute("UPDATE feeds SET active = 0 WHERE remote IS NULL", [])?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO feeds (url, title, tags, active) VALUES (?1, coalesce(?2, ''), ?3, 1)
                 ON CONFLICT (url) DO UPDATE SET active = 1, tags = excluded.tags,
                     title = CASE WHEN ?2 IS NULL THEN feeds.title ELSE ?2 END",
            )?;
            for (url, title, tags) in feeds {
                upsert.execute(params![url, title, tags.join("\n")])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn feed_id(&self, url: &str) -> Result<Option<FeedId>> {
        Ok(self
            .conn
            .query_row("SELECT id FROM feeds WHERE url = ?1", [url], |r| {
                Ok(FeedId(r.get(0)?))
            })
            .optional()?)
    }

    /// Active feeds, in config order, with their unread counts and last error.
    pub fn feeds(&self) -> Result<Vec<Feed>> {
        // Without kill rules the index counts each feed's unread items; with them every
        // unread item is read, in one pass over the table.
        let mut stmt = self.conn.prepare_cached(&match &self.ignore {
            None => "SELECT f.id, f.url, f.title, f.tags, f.last_success, f.last_error,
                        (SELECT count(*) FROM items i WHERE i.feed_id = f.id AND i.read = 0)
                     FROM feeds f WHERE f.active = 1 ORDER BY f.id"
                .to_string(),
            Some(ignored) => format!(
                "WITH unread (feed, n) AS (
                     SELECT i.feed_id, count(*) FROM items i
                     JOIN feeds f ON f.id = i.feed_id
                     WHERE i.read = 0{ignored} GROUP BY i.feed_id)
                 SELECT f.id, f.url, f.title, f.tags, f.last_success, f.last_error,
                        coalesce(u.n, 0)
                 FROM feeds f LEFT JOIN unread u ON u.feed = f.id
                 WHERE f.active = 1 ORDER BY f.id"
            ),
        })?;
        let rows = stmt.query_map([], |r| {
            let url: String = r.get(1)?;
            let title: String = r.get(2)?;
            let tags: String = r.get(3)?;
            Ok(Feed {
                id: FeedId(r.get(0)?),
                // An untitled feed is named by its address, never with its credentials.
                title: if title.is_empty() {
                    crate::text::display_url(&url)
                } else {
                    title
                },
                url,
                tags: tags
                    .split('\n')
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect(),
                last_success: r.get(4)?,
                last_error: r.get(5)?,
                unread: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    pub fn fetch_state(&self, feed: FeedId) -> Result<FetchState> {
        Ok(self.conn.query_row(
            "SELECT etag, last_modified, error_count, next_allowed FROM feeds WHERE id = ?1",
            [feed.0],
            |r| {
                Ok(FetchState {
                    etag: r.get(0)?,
                    last_modified: r.get(1)?,
                    error_count: r.get(2)?,
                    next_allowed: r.get(3)?,
                })
            },
        )?)
    }

    /// Records a successful fetch (new items, or a 304 when `items` is `None`) in one
    /// transaction (see [`Store::batch`]): a refresh killed half-way leaves either all of a
    /// feed or none of it.
    pub fn record_success(
        &mut self,
        feed: FeedId,
        feed_title: Option<&str>,
        etag: Option<&str>,
        last_modified: Option<&str>,
        items: Option<&Rows>,
        max_items: usize,
    ) -> Result<StoreCounts> {
        self.batch(|store| {
            let now = now();
            let mut counts = StoreCounts::default();
            if let Some(items) = items {
                counts = upsert_items(&store.conn, feed, items, now)?;
                prune(&store.conn, feed, max_items, items)?;
            }
            store.conn.execute(
                "UPDATE feeds SET etag = coalesce(?2, etag), last_modified = coalesce(?3, last_modified),
                     last_attempt = ?4, last_success = ?4, last_error = NULL, error_count = 0,
                     next_allowed = NULL,
                     title = CASE WHEN title = '' AND ?5 IS NOT NULL THEN ?5 ELSE title END
                 WHERE id = ?1",
                params![feed.0, etag, last_modified, now, feed_title],
            )?;
            Ok(counts)
        })
    }

    /// Runs `f` in one transaction, so that many feeds cost one commit (and one flush of
    /// the search index). Inside another batch, `f` joins that one's transaction: no
    /// savepoint, since each makes the search index write out what it holds (a segment per
    /// feed, merged again and again), and an error, passed on, rolls the outer batch back.
    pub fn batch<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        if !self.conn.is_autocommit() {
            return f(self);
        }
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        match f(self) {
            Ok(value) => {
                self.conn.execute_batch("COMMIT")?;
                Ok(value)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Records a failed fetch; `next_allowed` is when the feed may be tried again.
    pub fn record_failure(
        &mut self,
        feed: FeedId,
        message: &str,
        next_allowed: Option<Timestamp>,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE feeds SET last_attempt = ?2, last_error = ?3, error_count = error_count + 1,
                 next_allowed = ?4 WHERE id = ?1",
            params![feed.0, now(), message, next_allowed],
        )?;
        Ok(())
    }

    /// Headlines newest first, without bodies.
    pub fn headlines(&self, filter: &HeadlineFilter) -> Result<Vec<Headline>> {
        let mut sql = String::from(
            "SELECT i.id, i.feed_id, i.title, i.published, i.read, i.starred FROM items i
             JOIN feeds f ON f.id = i.feed_id WHERE f.active = 1",
        );
        if filter.unread_only {
            sql.push_str(" AND i.read = 0");
        }
        if let Some(feeds) = &filter.feeds {
            let ids: Vec<String> = feeds.iter().map(|f| f.0.to_string()).collect();
            sql.push_str(&format!(" AND i.feed_id IN ({})", ids.join(",")));
        }
        if let Some(matching) = &filter.query {
            sql.push_str(" AND ");
            sql.push_str(&query::sql(matching));
        }
        sql.push_str(self.ignored());
        sql.push_str(" ORDER BY i.published DESC, i.id DESC");
        if let Some(limit) = filter.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([], headline_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Full-text search over titles and bodies: the most recently stored [`SEARCH_LIMIT`]
    /// matches among the items `filter` selects (its `limit` aside), newest first. The
    /// filter is applied before the limit, so a feed's matches are never crowded out by
    /// other feeds'.
    pub fn search(&self, query: &str, filter: &HeadlineFilter) -> Result<Vec<Headline>> {
        let Some(fts) = fts_query(query) else {
            return Ok(Vec::new());
        };
        let mut conditions = String::new();
        if filter.unread_only {
            conditions.push_str(" AND i.read = 0");
        }
        if let Some(feeds) = &filter.feeds {
            let ids: Vec<String> = feeds.iter().map(|f| f.0.to_string()).collect();
            conditions.push_str(&format!(" AND i.feed_id IN ({})", ids.join(",")));
        }
        if let Some(matching) = &filter.query {
            conditions.push_str(" AND ");
            conditions.push_str(&query::sql(matching));
        }
        conditions.push_str(self.ignored());
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT i.id, i.feed_id, i.title, i.published, i.read, i.starred
             FROM (SELECT s.rowid AS id FROM search s
                   JOIN items i ON i.id = s.rowid JOIN feeds f ON f.id = i.feed_id
                   WHERE search MATCH ?1 AND f.active = 1{conditions}
                   ORDER BY s.rowid DESC LIMIT ?2) m
             JOIN items i ON i.id = m.id
             ORDER BY i.published DESC, i.id DESC"
        ))?;
        let rows = stmt.query_map(params![fts, SEARCH_LIMIT as i64], headline_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    pub fn article(&self, id: ItemId) -> Result<Option<Article>> {
        let article = self
            .conn
            .query_row(
                "SELECT i.id, i.feed_id, f.title, f.url, i.title, i.author, i.link, i.published,
                        coalesce(t.content, b.content, ''), t.content IS NOT NULL, t.error,
                        i.media
                 FROM items i JOIN feeds f ON f.id = i.feed_id
                 LEFT JOIN bodies b ON b.item_id = i.id
                 LEFT JOIN fulltext t ON t.item_id = i.id WHERE i.id = ?1",
                [id.0],
                |r| {
                    let feed_title: String = r.get(2)?;
                    Ok(Article {
                        id: ItemId(r.get(0)?),
                        feed_id: FeedId(r.get(1)?),
                        feed_title: if feed_title.is_empty() {
                            crate::text::display_url(&r.get::<_, String>(3)?)
                        } else {
                            feed_title
                        },
                        title: r.get(4)?,
                        author: r.get(5)?,
                        link: r.get(6)?,
                        published: r.get(7)?,
                        content: unpack(r, 8)?,
                        full_text: match (r.get::<_, bool>(9)?, r.get::<_, Option<String>>(10)?) {
                            (true, _) => FullText::Page,
                            (false, Some(e)) => FullText::Failed(e),
                            (false, None) => FullText::Feed,
                        },
                        siblings: Vec::new(),
                        media: unpack_media(&r.get::<_, String>(11)?),
                    })
                },
            )
            .optional()?;
        let Some(mut article) = article else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT b.content FROM items i JOIN bodies b ON b.item_id = i.id
             WHERE i.feed_id = ?1 AND i.id != ?2 ORDER BY i.published DESC, i.id DESC LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![article.feed_id.0, article.id.0, SIBLINGS], |r| {
            unpack(r, 0)
        })?;
        article.siblings = rows.collect::<std::result::Result<_, _>>()?;
        Ok(Some(article))
    }

    /// Items of `feed` with a link and no full text yet (nor a failed try), newest first.
    pub fn missing_full_text(&self, feed: FeedId, limit: usize) -> Result<Vec<(ItemId, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT i.id, i.link FROM items i LEFT JOIN fulltext t ON t.item_id = i.id
             WHERE i.feed_id = ?1 AND i.link IS NOT NULL AND t.item_id IS NULL
             ORDER BY i.published DESC, i.id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![feed.0, limit as i64], |r| {
            Ok((ItemId(r.get(0)?), r.get(1)?))
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Stores an item's full text, or the reason there is none.
    pub fn set_full_text(
        &self,
        item: ItemId,
        result: std::result::Result<&str, &str>,
    ) -> Result<()> {
        let (content, error) = match result {
            Ok(html) => (Some(html), None),
            Err(e) => (None, Some(e)),
        };
        let content = content.map(|html| Packer::new().pack(html));
        self.conn.execute(
            "INSERT OR REPLACE INTO fulltext (item_id, content, error, fetched) VALUES (?1, ?2, ?3, ?4)",
            params![item.0, content, error, now()],
        )?;
        Ok(())
    }

    /// Marks items read or unread. For items of the aggregator's feeds the change is queued
    /// for the server in the same transaction, so a crash cannot lose one without the other.
    pub fn set_read(&self, ids: &[ItemId], read: bool) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        {
            let mut stmt =
                tx.prepare_cached("UPDATE items SET read = ?2 WHERE id = ?1 AND read != ?2")?;
            for id in ids {
                if stmt.execute(params![id.0, read])? > 0 {
                    sync::enqueue(&tx, *id, Field::Read, read)?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Stars or unstars an item, queueing the change for the server like `set_read`.
    pub fn set_starred(&self, id: ItemId, starred: bool) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        if tx.execute(
            "UPDATE items SET starred = ?2 WHERE id = ?1 AND starred != ?2",
            params![id.0, starred],
        )? > 0
        {
            sync::enqueue(&tx, id, Field::Starred, starred)?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    pub fn item_count(&self) -> Result<usize> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM items", [], |r| r.get(0))?)
    }
}

fn headline_row(r: &rusqlite::Row) -> rusqlite::Result<Headline> {
    Ok(Headline {
        id: ItemId(r.get(0)?),
        feed_id: FeedId(r.get(1)?),
        title: r.get(2)?,
        published: r.get(3)?,
        read: r.get(4)?,
        starred: r.get(5)?,
    })
}

/// Turns what the user typed into an FTS5 query: every word must appear (prefix match),
/// and nothing the user types can be FTS5 syntax.
fn fts_query(input: &str) -> Option<String> {
    let terms: Vec<String> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| format!("\"{t}\"*"))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

fn upsert_items(tx: &Connection, feed: FeedId, rows: &Rows, now: Timestamp) -> Result<StoreCounts> {
    let mut counts = StoreCounts::default();
    let mut find =
        tx.prepare_cached("SELECT id, hash FROM items WHERE feed_id = ?1 AND key = ?2")?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO items (feed_id, key, title, link, author, published, fetched, hash, media)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    // Edits update content only: read and starred are left as the user set them.
    let mut update = tx.prepare_cached(
        "UPDATE items SET title = ?2, link = ?3, author = ?4, published = coalesce(?5, published),
             hash = ?6, media = ?7 WHERE id = ?1",
    )?;
    // A new item's body is a plain INSERT: a statement that may replace a row opens a
    // statement journal, and each one makes the search index write its pending entries out
    // as a segment of their own (one per item, merged again and again). Edits are rare.
    let mut new_body =
        tx.prepare_cached("INSERT INTO bodies (item_id, content) VALUES (?1, ?2)")?;
    let mut edited_body =
        tx.prepare_cached("INSERT OR REPLACE INTO bodies (item_id, content) VALUES (?1, ?2)")?;
    let mut unindex = tx.prepare_cached("DELETE FROM search WHERE rowid = ?1")?;
    let mut index =
        tx.prepare_cached("INSERT INTO search (rowid, title, body) VALUES (?1, ?2, ?3)")?;
    for row in &rows.0 {
        let existing: Option<(i64, i64)> = find
            .query_row(params![feed.0, row.key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let id = match existing {
            Some((_, old)) if old == row.hash => continue,
            Some((id, _)) => {
                update.execute(params![
                    id,
                    row.title,
                    row.link,
                    row.author,
                    row.published,
                    row.hash,
                    row.media
                ])?;
                unindex.execute([id])?;
                counts.updated += 1;
                id
            }
            None => {
                insert.execute(params![
                    feed.0,
                    row.key,
                    row.title,
                    row.link,
                    row.author,
                    row.published,
                    now,
                    row.hash,
                    row.media
                ])?;
                counts.new += 1;
                tx.last_insert_rowid()
            }
        };
        if existing.is_some() {
            edited_body.execute(params![id, row.body])?;
        } else {
            new_body.execute(params![id, row.body])?;
        }
        index.execute(params![id, row.title, row.text])?;
    }
    Ok(counts)
}

/// Keeps at most `max` items of a feed, dropping the oldest: read ones, and unread ones that
/// are no longer in the feed (`current`: the keys it just served; a feed that renames its
/// items on every fetch would otherwise grow the cache without limit). Starred items and
/// unread items still in the feed are never dropped.
fn prune(tx: &Connection, feed: FeedId, max: usize, current: &Rows) -> Result<()> {
    let current: std::collections::HashSet<&str> =
        current.0.iter().map(|r| r.key.as_str()).collect();
    let ids: Vec<i64> = {
        let mut stmt = tx.prepare_cached(
            "SELECT id, key, read FROM items WHERE feed_id = ?1 AND starred = 0
               AND id NOT IN (SELECT id FROM items WHERE feed_id = ?1
                              ORDER BY published DESC, id DESC LIMIT ?2)",
        )?;
        let rows = stmt.query_map(params![feed.0, max as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
            ))
        })?;
        let mut ids = Vec::new();
        for row in rows {
            let (id, key, read) = row?;
            if read || !current.contains(key.as_str()) {
                ids.push(id);
            }
        }
        ids
    };
    let mut del = tx.prepare_cached("DELETE FROM items WHERE id = ?1")?;
    let mut unindex = tx.prepare_cached("DELETE FROM search WHERE rowid = ?1")?;
    for id in ids {
        del.execute([id])?;
        unindex.execute([id])?;
    }
    Ok(())
}
