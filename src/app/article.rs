//! The open article: its cleaning, renderings cached per width and reveal mode, its
//! scroll, and the recently closed ones kept for a quick reopen.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, OnceLock};

use crate::clean::{Cleaned, Cleaner, Line};
use crate::model::{Article, FeedId, ItemId, Media};

/// The article cleaner, or why it could not be built (the reader then shows articles
/// whole and says so, instead of waiting for it forever).
pub type CleanerResult = Result<Cleaner, String>;

/// Articles whose cleaning and renderings are kept for reopening.
const RECENT_ARTICLES: usize = 16;

/// The open article with its cleaned blocks; rendering is cached per width and reveal mode.
#[derive(Debug, Clone)]
pub struct OpenArticle {
    pub article: Article,
    pub cleaned: Cleaned,
    pub scroll: usize,
    rendered: HashMap<(usize, bool), Vec<Line>>,
}

impl OpenArticle {
    /// The article's lines at `width`: from the cache `update` fills, or rendered now on a
    /// miss — never an empty page because two geometries disagreed.
    pub fn lines(&self, width: usize, reveal: bool) -> Cow<'_, [Line]> {
        match self.rendered.get(&(width, reveal)) {
            Some(lines) => Cow::Borrowed(lines),
            None => Cow::Owned(self.cleaned.render(width, reveal)),
        }
    }
}

pub struct ArticleView {
    pub open: Option<OpenArticle>,
    /// Hidden blocks are shown, dimmed and labelled.
    pub reveal: bool,
    cleaner: Arc<OnceLock<CleanerResult>>,
    /// Articles opened before, newest first.
    recent: VecDeque<OpenArticle>,
    /// Feeds whose appeals are not filtered (`filter = false` in their config).
    pub unfiltered_feeds: Vec<FeedId>,
}

impl ArticleView {
    pub fn new(cleaner: Arc<OnceLock<CleanerResult>>) -> ArticleView {
        ArticleView {
            open: None,
            reveal: false,
            cleaner,
            recent: VecDeque::new(),
            unfiltered_feeds: Vec::new(),
        }
    }

    pub fn id(&self) -> Option<ItemId> {
        self.open.as_ref().map(|o| o.article.id)
    }

    pub fn link(&self) -> Option<String> {
        self.open.as_ref().and_then(|o| o.article.link.clone())
    }

    /// The open article's addresses for the links overlay: the article's own link, then
    /// the links and described pictures of the blocks shown, as numbered in its text, then
    /// its files. Labelled, each address once.
    pub fn links(&self) -> Vec<(String, String)> {
        let Some(open) = &self.open else {
            return Vec::new();
        };
        let mut out: Vec<(String, String)> = Vec::new();
        let mut add = |label: String, url: &str| {
            if !out.iter().any(|(_, u)| u == url) {
                out.push((label, url.to_string()));
            }
        };
        if let Some(link) = &open.article.link {
            add("article".into(), link);
        }
        for (n, link) in open.cleaned.shown_links(self.reveal).iter().enumerate() {
            add(format!("[{}]", n + 1), link);
        }
        for m in &open.article.media {
            add(m.mime.clone().unwrap_or_else(|| "file".into()), &m.url);
        }
        out
    }

    /// What `play_media` plays: the open article's first audio or video file, else its
    /// first file.
    pub fn media_to_play(&self) -> Option<&Media> {
        let media = &self.open.as_ref()?.article.media;
        media
            .iter()
            .find(|m| is_playable(m))
            .or_else(|| media.first())
    }

    /// Shows `article` from the top; a failure to clean it comes back as a message.
    pub fn show(&mut self, article: Article) -> Option<String> {
        self.close();
        // Reopened with the same content: its cleaning and renderings are reused.
        let cached = self
            .recent
            .iter()
            .position(|o| o.article == article)
            .and_then(|i| self.recent.remove(i));
        let mut message = None;
        let open = cached.unwrap_or_else(|| {
            let filter = !self.unfiltered_feeds.contains(&article.feed_id);
            let cleaned = match self.cleaner.wait() {
                Ok(cleaner) => cleaner.clean_in_feed(&article.content, filter, &article.siblings),
                Err(e) => {
                    message = Some(format!("appeals are not hidden: {e}"));
                    Cleaned::unfiltered(&article.content)
                }
            };
            OpenArticle {
                cleaned,
                article,
                scroll: 0,
                rendered: HashMap::new(),
            }
        });
        self.open = Some(OpenArticle { scroll: 0, ..open });
        message
    }

    /// Closes the article, keeping its rendering for a reopen.
    pub fn close(&mut self) {
        if let Some(open) = self.open.take() {
            self.recent.push_front(open);
            self.recent.truncate(RECENT_ARTICLES);
        }
    }

    /// Scrolls by `delta` rows; false when it was already at the end (for space).
    pub fn scroll(&mut self, delta: i64, (width, rows): (usize, usize)) -> bool {
        let reveal = self.reveal;
        let Some(open) = &mut self.open else {
            return false;
        };
        let total = open.lines(width, reveal).len();
        let max = total.saturating_sub(rows);
        let before = open.scroll;
        open.scroll = (open.scroll as i64)
            .saturating_add(delta)
            .clamp(0, max as i64) as usize;
        open.scroll != before || delta < 0
    }

    /// Renders the open article at `width` once; drawing only reads the result.
    pub fn render(&mut self, (width, rows): (usize, usize)) {
        let reveal = self.reveal;
        if let Some(open) = &mut self.open {
            let lines = open
                .rendered
                .entry((width, reveal))
                .or_insert_with(|| open.cleaned.render(width, reveal));
            open.scroll = open.scroll.min(lines.len().saturating_sub(rows));
        }
    }
}

fn is_playable(m: &Media) -> bool {
    m.mime
        .as_deref()
        .is_some_and(|t| t.starts_with("audio/") || t.starts_with("video/"))
}

/// One line on an article's files for its header: the one `p` plays, its type and size,
/// and how many more there are.
pub fn media_note(media: &[Media], playing: Option<&Media>) -> String {
    let Some(m) = playing else {
        return String::new();
    };
    let mut note = format!("▶ {}", m.mime.as_deref().unwrap_or("file"));
    if let Some(bytes) = m.bytes {
        note.push_str(&format!(", {}", human_bytes(bytes)));
    }
    note.push_str(" — p plays");
    if media.len() > 1 {
        note.push_str(&format!(" ({} files)", media.len()));
    }
    note
}

fn human_bytes(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GB", b as f64 / f64::from(1u32 << 30)),
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / f64::from(1u32 << 20)),
        b if b >= 1 << 10 => format!("{} KB", b >> 10),
        b => format!("{b} bytes"),
    }
}
