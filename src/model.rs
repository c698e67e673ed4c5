//! Plain data shared by the cache, the poller and the reader. No behaviour, no I/O.

/// Row id of a feed in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FeedId(pub i64);

/// Row id of an item in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemId(pub i64);

/// Seconds since the Unix epoch, UTC.
pub type Timestamp = i64;

/// FNV-1a over `parts`, each followed by a 0xff separator: the same value in every build
/// and release (std's hasher promises neither), for identities and change detection kept
/// in the cache.
/// An item's date in the cache: its own, unless it has none or one beyond a day ahead (a
/// time zone slip is less; from year 9999 it would stay pinned above everything), when it
/// is the time it was fetched. Feeds and synced items alike.
pub fn dated(published: Option<Timestamp>, fetched: Timestamp) -> Timestamp {
    match published {
        Some(t) if t <= fetched + 86_400 => t,
        _ => fetched,
    }
}

pub fn stable_hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for p in parts {
        for b in p.bytes().chain([0xff]) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

/// A feed as the reader lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    pub id: FeedId,
    pub url: String,
    pub title: String,
    pub tags: Vec<String>,
    pub unread: u32,
    pub last_success: Option<Timestamp>,
    /// Message of the last failed refresh, cleared by the next success.
    pub last_error: Option<String>,
}

/// One row of the headline list: everything but the body.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    pub id: ItemId,
    pub feed_id: FeedId,
    pub title: String,
    pub published: Option<Timestamp>,
    pub read: bool,
    pub starred: bool,
}

/// An item with its body, loaded when the reader opens it.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: ItemId,
    pub feed_id: FeedId,
    pub feed_title: String,
    pub title: String,
    pub author: Option<String>,
    pub link: Option<String>,
    pub published: Option<Timestamp>,
    /// HTML: the page's main text when it was fetched, else what the feed delivered.
    pub content: String,
    pub full_text: FullText,
    /// What the feed delivered for a few of its other recent items: what a feed repeats
    /// in every item is its boilerplate, not this article.
    pub siblings: Vec<String>,
    /// Files attached to the item, in the feed's order.
    pub media: Vec<Media>,
}

/// Whether an article shows its web page's main text or the feed's own content.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FullText {
    /// The feed's content; no full text was asked for.
    #[default]
    Feed,
    /// The page's main text, extracted and stored.
    Page,
    /// The feed's content, because fetching or extracting the page failed.
    Failed(String),
}

/// Which syntax a feed document used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    Rss0,
    Rss1,
    Rss2,
    Atom,
    Json,
}

impl FeedFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedFormat::Rss0 => "rss0",
            FeedFormat::Rss1 => "rss1",
            FeedFormat::Rss2 => "rss2",
            FeedFormat::Atom => "atom",
            FeedFormat::Json => "json",
        }
    }
}

/// A feed document after parsing and normalising.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    pub format: FeedFormat,
    pub title: Option<String>,
    pub items: Vec<ParsedItem>,
}

/// One item of a parsed feed, normalised to what the cache stores.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedItem {
    /// Stable identity within the feed: guid, else link, else a hash of title and date.
    pub key: String,
    pub title: String,
    pub link: Option<String>,
    pub author: Option<String>,
    pub published: Option<Timestamp>,
    pub content: String,
    /// `content` as plain text for the search index, made while parsing (in parallel)
    /// rather than by the single thread that writes the cache.
    pub text: String,
    pub media: Vec<Media>,
}

/// A file attached to an item — a podcast episode, a video, a picture: an RSS enclosure,
/// Media RSS content, an Atom `enclosure` link or a JSON Feed attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// An http(s) address without control characters.
    pub url: String,
    /// The MIME type the feed gives, e.g. `audio/mpeg`.
    pub mime: Option<String>,
    /// The size the feed gives.
    pub bytes: Option<u64>,
}
