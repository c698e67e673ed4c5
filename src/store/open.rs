//! Opening a cache: the schema and its migrations, and the checks that come before
//! anything is written — a file that is not SQLite, another application's database, a
//! `-wal` that belongs to another file, a cache from a newer tidings.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::{Result, Store, StoreError, SCHEMA_VERSION};

/// The schema's history: entry `i` takes a cache from `user_version` i to i + 1, in one
/// transaction with the rest. Append; never edit an entry that has shipped.
pub(super) const MIGRATIONS: &[&str] = &[SCHEMA, CONTENTLESS_SEARCH, SYNC, MEDIA];

const SCHEMA: &str = "
CREATE TABLE feeds (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    etag TEXT,
    last_modified TEXT,
    last_attempt INTEGER,
    last_success INTEGER,
    last_error TEXT,
    error_count INTEGER NOT NULL DEFAULT 0,
    next_allowed INTEGER
);
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    title TEXT NOT NULL,
    link TEXT,
    author TEXT,
    published INTEGER,
    fetched INTEGER NOT NULL,
    hash INTEGER NOT NULL,
    read INTEGER NOT NULL DEFAULT 0,
    starred INTEGER NOT NULL DEFAULT 0,
    UNIQUE (feed_id, key)
);
-- Covers the headline list: newest first without touching the rows.
CREATE INDEX items_list ON items (published DESC, id DESC, feed_id, read, starred, title);
CREATE INDEX items_by_feed ON items (feed_id, published DESC, id DESC);
CREATE INDEX items_unread ON items (read, feed_id);
-- Bodies live apart so that listing headlines never reads them.
CREATE TABLE bodies (
    item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    content TEXT NOT NULL
);
CREATE VIRTUAL TABLE search USING fts5 (title, body, tokenize = 'unicode61 remove_diacritics 2', detail = none);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- The web page's main text of an item, or why it could not be had.
CREATE TABLE fulltext (
    item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    content TEXT,
    error TEXT,
    fetched INTEGER NOT NULL
);
";

/// Version 2: the search index keeps no copy of the text (contentless FTS5, rows deleted
/// by rowid). Bodies written from now on are zstd-compressed blobs; older text bodies are
/// read as they are, so the upgrade does not rewrite them.
const CONTENTLESS_SEARCH: &str = "
CREATE VIRTUAL TABLE search_v2 USING fts5 (title, body, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2', detail = none);
INSERT INTO search_v2 (rowid, title, body) SELECT rowid, title, body FROM search;
DROP TABLE search;
ALTER TABLE search_v2 RENAME TO search;
";

/// Version 3: feeds that come from the reader's aggregator (`remote`: the account's kind
/// and the server's feed id; the config never deactivates them), and the read/star changes
/// made here that the server has not been told of yet, in the order they were made.
const SYNC: &str = "
ALTER TABLE feeds ADD COLUMN remote TEXT;
CREATE UNIQUE INDEX feeds_remote ON feeds (remote) WHERE remote IS NOT NULL;
CREATE TABLE sync_queue (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    field TEXT NOT NULL CHECK (field IN ('read', 'starred')),
    value INTEGER NOT NULL,
    at INTEGER NOT NULL
);
";

/// v4: files attached to items (enclosures), one per line as `url TAB type TAB bytes`.
const MEDIA: &str = "ALTER TABLE items ADD COLUMN media TEXT NOT NULL DEFAULT '';";

fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

/// An error while opening: only "this is not a database" counts against the file; being
/// unable to look (busy, permissions) says nothing about it.
fn open_error(path: &str, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
            StoreError::NotACache {
                path: path.to_string(),
                detail: e.to_string(),
            }
        }
        _ => StoreError::Open {
            path: path.to_string(),
            error: e,
        },
    }
}

/// What an existing database file holds, seen read-only.
enum Contents {
    /// No tables yet: it becomes a cache.
    Empty,
    Cache,
    /// Somebody else's tables (their names, for the message).
    Foreign(String),
}

/// Reads the file's schema without writing a byte: `immutable` ignores any `-wal` beside
/// it (the file alone); otherwise the `-wal` is read too, but never written back.
fn contents(path: &Path, shown: &str, with_wal: bool) -> Result<Contents> {
    let mut uri = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' => uri.push_str(&format!("%{:02X}", c as u32)),
            c => uri.push(c),
        }
    }
    uri.push_str(if with_wal { "?mode=ro" } else { "?immutable=1" });
    let not_a_cache = |e| open_error(shown, e);
    let conn = Connection::open_with_flags(
        &uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(not_a_cache)?;
    let mut tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
        .map_err(not_a_cache)?;
    if tables.is_empty() {
        return Ok(Contents::Empty);
    }
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(not_a_cache)?;
    // A newer tidings may have other tables; `init` refuses it by its version, untouched.
    if version > SCHEMA_VERSION
        || ["feeds", "items"]
            .iter()
            .all(|t| tables.iter().any(|n| n == t))
    {
        return Ok(Contents::Cache);
    }
    tables.truncate(4);
    Ok(Contents::Foreign(tables.join(", ")))
}

/// A `-wal` beside the cache is replayed into it on the next read-write open. When the file
/// and its `-wal` together are no longer a tidings cache (another database's WAL, restored
/// beside it), the WAL is renamed aside, kept, and logged, instead of destroying the cache.
fn set_aside_foreign_wal(path: &Path, shown: &str) {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let wal = std::path::PathBuf::from(wal);
    if !wal.metadata().is_ok_and(|m| m.len() > 0) {
        return;
    }
    let foreign = match contents(path, shown, true) {
        Ok(Contents::Cache) => false,
        Ok(_) => true,
        // Unreadable together (another database's pages, a torn header): not ours.
        Err(StoreError::NotACache { .. }) => true,
        // Could not look (permissions, a read-only directory): leave it as SQLite would.
        Err(_) => false,
    };
    if !foreign {
        return;
    }
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut aside = wal.as_os_str().to_owned();
    aside.push(format!(".foreign-{stamp}"));
    match std::fs::rename(&wal, &aside) {
        Ok(()) => {
            let mut shm = path.as_os_str().to_owned();
            shm.push("-shm");
            let _ = std::fs::remove_file(std::path::PathBuf::from(shm));
            tracing::warn!(
                "cache {shown}: the -wal beside it belongs to another database; kept as {}",
                std::path::PathBuf::from(&aside).display()
            );
        }
        Err(e) => tracing::warn!("cache {shown}: cannot move a foreign -wal aside: {e}"),
    }
}

impl Store {
    /// Opens (creating if needed) the cache at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        let shown = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // A failure here surfaces below as an open error naming the path.
            let _ = std::fs::create_dir_all(dir);
        }
        // A device or FIFO (a symlink to /dev/null, say) would fail later as a "full disk".
        if let Ok(meta) = std::fs::metadata(path) {
            if !meta.is_file() {
                return Err(StoreError::NotAFile {
                    path: shown,
                    kind: file_kind(&meta),
                });
            }
        }
        // Judge what is there before anything can write to it: opening read-write would
        // replay a `-wal` beside the file, whoever wrote it.
        if path.metadata().is_ok_and(|m| m.len() > 0) {
            if let Contents::Foreign(tables) = contents(path, &shown, false)? {
                return Err(StoreError::Foreign {
                    path: shown,
                    tables,
                });
            }
            set_aside_foreign_wal(path, &shown);
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|error| StoreError::Open {
            path: shown.clone(),
            error,
        })?;
        Self::init(conn, &shown)
    }

    fn init(conn: Connection, path: &str) -> Result<Store> {
        let not_a_cache = |e| open_error(path, e);
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(not_a_cache)?;
        // Reading the version first touches the header, so a file that is not SQLite is
        // reported before anything is written to it.
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(not_a_cache)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: path.to_string(),
                found: version,
            });
        }
        // Switching to WAL needs the database to itself for a moment; another process
        // opening the same new cache can hold it, and SQLite does not wait here by itself.
        let mut tries = 0;
        loop {
            match conn.pragma_update(None, "journal_mode", "WAL") {
                Err(e)
                    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                        && tries < 200 =>
                {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(25));
                }
                other => break other.map_err(not_a_cache)?,
            }
        }
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
        )
        .map_err(not_a_cache)?;
        if version < SCHEMA_VERSION {
            // Two processes may meet a brand-new (or old) cache at once: take the write lock
            // first (waiting on the other), then look again, and apply only what is missing.
            let tx = rusqlite::Transaction::new_unchecked(
                &conn,
                rusqlite::TransactionBehavior::Immediate,
            )
            .map_err(not_a_cache)?;
            let now: i64 = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(not_a_cache)?;
            for migration in &MIGRATIONS[now.clamp(0, SCHEMA_VERSION) as usize..] {
                tx.execute_batch(migration).map_err(not_a_cache)?;
            }
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            tx.commit()?;
        }
        super::query::register_regexp(&conn).map_err(not_a_cache)?;
        // No integrity scan here: it reads the whole file and would cost seconds on a big
        // cache. Corruption met later surfaces as `StoreError::Corrupt`.
        Ok(Store { conn, ignore: None })
    }
}
