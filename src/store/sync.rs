//! The cache's side of syncing with the reader's aggregator: its feeds (`feeds.remote`), its
//! items (keyed by the server's item id), the queue of read/star changes made here, and
//! the server's read/star state laid over what nobody changed here since.
//!
//! An account is named by a string such as `fever https://host/api/fever.php`: its feeds
//! are `remote = "ACCOUNT#ID"`, so feeds of two servers never mix.

use std::collections::{HashMap, HashSet};

use rusqlite::{params, Connection};

use super::{now, upsert_items, Result, Rows, Store, StoreCounts};
use crate::model::{FeedId, ItemId};

/// A feed as the aggregator lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteFeed {
    /// The server's id of the feed.
    pub id: String,
    pub title: String,
    /// The server's groups, categories or labels of the feed.
    pub tags: Vec<String>,
}

/// A read/star change made here that the server has not acknowledged.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedChange {
    pub seq: i64,
    /// The server's id of the item.
    pub item: String,
    pub field: Field,
    pub value: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Read,
    Starred,
}

impl Field {
    fn as_str(self) -> &'static str {
        match self {
            Field::Read => "read",
            Field::Starred => "starred",
        }
    }
}

/// Queues a change of an item for the server when the item is one of an aggregator's;
/// items of the config's own feeds are left alone. Runs in the caller's transaction.
pub(super) fn enqueue(tx: &Connection, item: ItemId, field: Field, value: bool) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO sync_queue (item_id, field, value, at)
         SELECT i.id, ?2, ?3, ?4 FROM items i JOIN feeds f ON f.id = i.feed_id
         WHERE i.id = ?1 AND f.remote IS NOT NULL",
    )?
    .execute(params![item.0, field.as_str(), value, now()])?;
    Ok(())
}

fn remote_key(account: &str, id: &str) -> String {
    format!("{account}#{id}")
}

/// `remote` values of an account start with this; `substr` rather than LIKE, so that no
/// character of a server address can be a wildcard.
const OF_ACCOUNT: &str = "substr(f.remote, 1, length(?1) + 1) = ?1 || '#'";

impl Store {
    /// Makes the account's feeds match the server's list: adds new ones, renames and
    /// re-tags, and hides (never deletes: starred items stay) those the server dropped and
    /// those of any other account.
    /// Returns each listed feed's local id by server id.
    pub fn set_remote_feeds(
        &mut self,
        account: &str,
        feeds: &[RemoteFeed],
    ) -> Result<HashMap<String, FeedId>> {
        let tx = self.conn.transaction()?;
        // Every aggregator's feeds are hidden first: this account's come back below, and
        // those of a server the config no longer names stay hidden (their starred items kept).
        tx.execute("UPDATE feeds SET active = 0 WHERE remote IS NOT NULL", [])?;
        let mut ids = HashMap::new();
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO feeds (url, title, tags, active, remote) VALUES (?1, ?2, ?3, 1, ?1)
                 ON CONFLICT (url) DO UPDATE SET active = 1, title = excluded.title,
                     tags = excluded.tags, remote = excluded.remote
                 RETURNING id",
            )?;
            for feed in feeds {
                let key = remote_key(account, &feed.id);
                let id: i64 = upsert
                    .query_row(params![key, feed.title, feed.tags.join("\n")], |r| r.get(0))?;
                ids.insert(feed.id.clone(), FeedId(id));
            }
        }
        tx.commit()?;
        Ok(ids)
    }

    /// Writes items the server sent for one of its feeds. Read and starred are left as
    /// they are (the server's state is laid over by `apply_remote_state`); nothing is
    /// pruned, since the server keeps what it keeps.
    pub fn store_remote_items(&mut self, feed: FeedId, rows: &Rows) -> Result<StoreCounts> {
        self.batch(|store| {
            let now = now();
            let counts = upsert_items(&store.conn, feed, rows, now)?;
            store.conn.execute(
                "UPDATE feeds SET last_attempt = ?2, last_success = ?2, last_error = NULL,
                     error_count = 0 WHERE id = ?1",
                params![feed.0, now],
            )?;
            Ok(counts)
        })
    }

    /// An account's feed by its title (without case) or its server id: (server id, tags).
    pub fn remote_feed(&self, account: &str, name: &str) -> Result<Option<(String, Vec<String>)>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT f.remote, f.title, f.tags FROM feeds f WHERE {OF_ACCOUNT} AND f.active = 1"
        ))?;
        let rows = stmt.query_map([account], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let prefix = format!("{account}#");
        for row in rows {
            let (remote, title, tags) = row?;
            let id = remote.strip_prefix(&prefix).unwrap_or(&remote).to_string();
            if id == name || title.to_lowercase() == name.to_lowercase() {
                let tags = tags
                    .split('\n')
                    .filter(|t| !t.is_empty())
                    .map(str::to_string);
                return Ok(Some((id, tags.collect())));
            }
        }
        Ok(None)
    }

    /// Whether any of `feeds` comes from an aggregator.
    pub fn any_remote(&self, feeds: &[FeedId]) -> Result<bool> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT remote IS NOT NULL FROM feeds WHERE id = ?1")?;
        for feed in feeds {
            if stmt
                .query_row([feed.0], |r| r.get::<_, bool>(0))
                .unwrap_or(false)
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The server ids of the account's items in the cache.
    pub fn remote_item_ids(&self, account: &str) -> Result<HashSet<String>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT i.key FROM items i JOIN feeds f ON f.id = i.feed_id WHERE {OF_ACCOUNT}"
        ))?;
        let rows = stmt.query_map([account], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The account's queued changes, oldest first.
    pub fn queued_changes(&self, account: &str) -> Result<Vec<QueuedChange>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT q.seq, i.key, q.field, q.value FROM sync_queue q
             JOIN items i ON i.id = q.item_id JOIN feeds f ON f.id = i.feed_id
             WHERE {OF_ACCOUNT} ORDER BY q.seq"
        ))?;
        let rows = stmt.query_map([account], |r| {
            let field: String = r.get(2)?;
            Ok(QueuedChange {
                seq: r.get(0)?,
                item: r.get(1)?,
                field: if field == "read" {
                    Field::Read
                } else {
                    Field::Starred
                },
                value: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Drops changes the server has acknowledged.
    pub fn forget_changes(&self, seqs: &[i64]) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        {
            let mut del = tx.prepare_cached("DELETE FROM sync_queue WHERE seq = ?1")?;
            for seq in seqs {
                del.execute([seq])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Changes waiting for the account's server (not those of a server the config no
    /// longer names).
    pub fn queue_len_of(&self, account: &str) -> Result<usize> {
        Ok(self.conn.query_row(
            &format!(
                "SELECT count(*) FROM sync_queue q JOIN items i ON i.id = q.item_id
                 JOIN feeds f ON f.id = i.feed_id WHERE {OF_ACCOUNT}"
            ),
            [account],
            |r| r.get(0),
        )?)
    }

    /// Changes waiting for the server, over all accounts.
    pub fn queue_len(&self) -> Result<usize> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM sync_queue", [], |r| r.get(0))?)
    }

    /// Lays the server's state over the account's items: read unless listed unread,
    /// starred when listed. An item with a change still queued here keeps its local state
    /// (the later change wins; the queue carries it to the server next time). Returns how
    /// many items changed their read and their starred state.
    pub fn apply_remote_state(
        &mut self,
        account: &str,
        unread: &HashSet<String>,
        starred: &HashSet<String>,
    ) -> Result<(usize, usize)> {
        let tx = self.conn.transaction()?;
        let items: Vec<(i64, String, bool, bool)> = {
            let mut stmt = tx.prepare(&format!(
                "SELECT i.id, i.key, i.read, i.starred FROM items i JOIN feeds f ON f.id = i.feed_id
                 WHERE {OF_ACCOUNT} AND i.id NOT IN (SELECT item_id FROM sync_queue)"
            ))?;
            let rows = stmt.query_map([account], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        let (mut reads, mut stars) = (0, 0);
        {
            let mut set = tx.prepare_cached("UPDATE items SET read = ?2 WHERE id = ?1")?;
            let mut star = tx.prepare_cached("UPDATE items SET starred = ?2 WHERE id = ?1")?;
            for (id, key, read, is_starred) in items {
                let should_read = !unread.contains(&key);
                if read != should_read {
                    set.execute(params![id, should_read])?;
                    reads += 1;
                }
                let should_star = starred.contains(&key);
                if is_starred != should_star {
                    star.execute(params![id, should_star])?;
                    stars += 1;
                }
            }
        }
        tx.commit()?;
        Ok((reads, stars))
    }
}
