//! The status line's state: a message, the refresh in progress, and the feeds whose last
//! fetch failed — keyed by feed, so a title change or a URL never splits one feed in two.

use crate::model::{Feed, FeedId};

#[derive(Debug, Default)]
pub struct Status {
    pub message: Option<String>,
    /// (done, total) while a refresh runs.
    pub refresh: Option<(usize, usize)>,
    /// Feeds whose last fetch failed, with why; the newest last.
    pub errors: Vec<(FeedId, String)>,
    /// With an aggregator: when the last sync worked, and the changes waiting for it.
    pub sync: Option<SyncShown>,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct SyncShown {
    pub synced_at: Option<String>,
    pub waiting: usize,
}

impl Status {
    pub fn say(&mut self, message: impl Into<String>) {
        self.message = Some(message.into());
    }

    pub fn feeds_loaded(&mut self, feeds: &[Feed]) {
        self.errors = feeds
            .iter()
            .filter_map(|f| f.last_error.clone().map(|e| (f.id, e)))
            .collect();
    }

    pub fn feed_failed(&mut self, feed: FeedId, message: String) {
        self.errors.retain(|(f, _)| *f != feed);
        self.errors.push((feed, message));
    }
}
