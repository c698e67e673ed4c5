//! Items as the cache stores them: ready rows (built off the writer thread) and the
//! compression of bodies.

use crate::model::{ParsedItem, Timestamp};

/// A feed's items ready to be written: fields, change hash, compressed body and search
/// text. Built on the caller's thread (the poller's parse threads), so that the one thread
/// that writes SQLite only writes, and a parsed feed's HTML is freed before it waits for it.
pub struct Rows(pub(super) Vec<Row>);

pub(super) struct Row {
    pub(super) key: String,
    pub(super) title: String,
    pub(super) link: Option<String>,
    pub(super) author: Option<String>,
    pub(super) published: Option<Timestamp>,
    /// Of everything shown: an unchanged item is not written again.
    pub(super) hash: i64,
    pub(super) body: rusqlite::types::Value,
    pub(super) text: String,
}

impl Rows {
    pub fn new(items: Vec<ParsedItem>) -> Rows {
        let mut packer = Packer::new();
        let mut seen = std::collections::HashSet::new();
        let rows = items
            .into_iter()
            // A feed that repeats a guid carries one item, the first.
            .filter(|item| seen.insert(item.key.clone()))
            .map(|item| Row {
                hash: crate::model::stable_hash(&[
                    &item.title,
                    item.link.as_deref().unwrap_or(""),
                    item.author.as_deref().unwrap_or(""),
                    &item.content,
                ]) as i64, // SQLite integers are signed; the bits are what matter
                body: packer.pack(&item.content),
                key: item.key,
                title: item.title,
                link: item.link,
                author: item.author,
                published: item.published,
                text: item.text,
            })
            .collect();
        Rows(rows)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Bodies are stored zstd-compressed: feed HTML shrinks two- to tenfold, and
/// decompressing one article costs microseconds.
pub(super) struct Packer(Option<zstd::bulk::Compressor<'static>>);

impl Packer {
    /// Level -1 compresses 1–4 KB of HTML at 1.8 times level 3's speed (330 against 180
    /// MB/s) to 0.43 of its size instead of 0.33 (slices of the appeals corpora's HTML):
    /// compression was an eighth of a cold refresh's CPU, and the bench's 100,000-item
    /// cache grew by 8% (157 to 170 MB, on its old 70-word text). Bodies written at any
    /// level read the same.
    const LEVEL: i32 = -1;

    pub(super) fn new() -> Packer {
        Packer(zstd::bulk::Compressor::new(Self::LEVEL).ok())
    }

    /// The compressed body, or the text itself if compression is not possible.
    pub(super) fn pack(&mut self, html: &str) -> rusqlite::types::Value {
        match self
            .0
            .as_mut()
            .and_then(|c| c.compress(html.as_bytes()).ok())
        {
            Some(bytes) => rusqlite::types::Value::Blob(bytes),
            None => rusqlite::types::Value::Text(html.to_string()),
        }
    }
}

/// A stored body in column `column`: compressed (a blob) or, from caches before version 2,
/// text.
pub(super) fn unpack(row: &rusqlite::Row, column: usize) -> rusqlite::Result<String> {
    use rusqlite::types::{Type, ValueRef};
    let broken = |e: Box<dyn std::error::Error + Send + Sync>| {
        rusqlite::Error::FromSqlConversionFailure(column, Type::Blob, e)
    };
    match row.get_ref(column)? {
        ValueRef::Blob(bytes) => {
            let raw = zstd::stream::decode_all(bytes).map_err(|e| broken(Box::new(e)))?;
            String::from_utf8(raw).map_err(|e| broken(Box::new(e)))
        }
        other => Ok(other.as_str()?.to_string()),
    }
}
