//! What goes into [`App::update`](super::App::update) and what comes out of it.

use super::{Action, PromptKey};
use crate::model::{Article, Feed, FeedId, Headline, ItemId};

/// Everything the app reacts to: keys (as actions), text typed into a prompt, the terminal,
/// and results the runtime brings back.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Action(Action),
    /// A key while a text prompt is open.
    PromptKey(PromptKey),
    Resize(u16, u16),
    ScrollAt {
        column: u16,
        row: u16,
        down: bool,
    },
    ClickAt {
        column: u16,
        row: u16,
    },
    FeedsLoaded(Vec<Feed>),
    /// Unread items of each saved query, in config order.
    QueriesCounted(Vec<u32>),
    HeadlinesLoaded(Vec<Headline>),
    ArticleLoaded(Box<Article>),
    RefreshStarted {
        total: usize,
    },
    RefreshProgress {
        done: usize,
        total: usize,
        /// A feed that failed, with why.
        failed: Option<(FeedId, String)>,
    },
    RefreshFinished {
        summary: String,
    },
    /// The full article of an item was fetched (or failed) and stored.
    FullTextDone(ItemId, Result<(), String>),
    Message(String),
    /// The aggregator's sync: when it last worked (local time, as shown) and how many
    /// changes wait for the server.
    SyncStatus {
        synced_at: Option<String>,
        waiting: usize,
    },
    /// Changes waiting for the server, after a change made here.
    SyncQueue(usize),
}

/// Work for the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    LoadFeeds,
    LoadHeadlines(Query),
    LoadArticle(ItemId),
    SetRead(Vec<ItemId>, bool),
    SetStarred(ItemId, bool),
    Refresh(Option<Vec<FeedId>>),
    FetchFullText(ItemId, String),
    OpenUrl(String),
    /// An item's file (a podcast episode, a video), for the player.
    OpenMedia(String),
    CopyToClipboard(String),
    SaveSetting(String, String),
    Quit,
}

/// What the headline list shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub unread_only: bool,
    pub feeds: Option<Vec<FeedId>>,
    pub search: Option<String>,
    /// The saved query the list shows, if any.
    pub matching: Option<crate::query::ItemQuery>,
}
