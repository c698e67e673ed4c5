//! Items as the cache stores them: ready rows (built off the writer thread) and the
//! compression of bodies.

use crate::model::{Media, ParsedItem, Timestamp};

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
    /// [`pack_media`]
    pub(super) media: String,
}

impl Rows {
    pub fn new(items: Vec<ParsedItem>) -> Rows {
        let mut packer = Packer::new();
        let mut seen = std::collections::HashSet::new();
        let rows = items
            .into_iter()
            // A feed that repeats a guid carries one item, the first.
            .filter(|item| seen.insert(item.key.clone()))
            .map(|item| {
                let media = pack_media(&item.media);
                let mut shown = vec![
                    item.title.as_str(),
                    item.link.as_deref().unwrap_or(""),
                    item.author.as_deref().unwrap_or(""),
                    &item.content,
                ];
                // Only when there are some: the hash of every item stored before media
                // were stays what it was.
                if !media.is_empty() {
                    shown.push(&media);
                }
                // SQLite integers are signed; the bits are what matter.
                let hash = crate::model::stable_hash(&shown) as i64;
                Row {
                    hash,
                    media,
                    body: packer.pack(&item.content),
                    key: item.key,
                    title: item.title,
                    link: item.link,
                    author: item.author,
                    published: item.published,
                    text: item.text,
                }
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

/// Media as the cache keeps them: one per line, `url TAB type TAB bytes` (the parser lets
/// no control character into either).
pub(super) fn pack_media(media: &[Media]) -> String {
    media
        .iter()
        .map(|m| {
            format!(
                "{}\t{}\t{}",
                m.url,
                m.mime.as_deref().unwrap_or(""),
                m.bytes.map(|b| b.to_string()).unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) fn unpack_media(packed: &str) -> Vec<Media> {
    packed
        .lines()
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let url = fields.next().filter(|u| !u.is_empty())?.to_string();
            let mime = fields.next().filter(|m| !m.is_empty()).map(str::to_string);
            let bytes = fields.next().and_then(|b| b.parse().ok());
            Some(Media { url, mime, bytes })
        })
        .collect()
}
