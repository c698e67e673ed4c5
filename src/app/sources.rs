//! Where the list's items come from: the feeds with their unread counts, the saved
//! queries, the one or the tag chosen, and the sidebar that shows them.

use std::collections::HashMap;

use crate::model::{Feed, FeedId};
use crate::query::ItemQuery;

/// A feed or a tag to filter the list by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    All,
    Feed(FeedId),
    Tag(String),
    /// A saved query, by its place in [`Sources::queries`].
    Query(usize),
}

/// A `[[queries]]` entry of the config: a list across all feeds under a name.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedQuery {
    pub name: String,
    pub query: ItemQuery,
    pub unread: u32,
}

/// One row of the sidebar and the feed picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceEntry {
    pub source: Source,
    pub label: String,
    pub unread: u32,
    /// The feed's last fetch failed.
    pub failing: bool,
}

#[derive(Debug)]
pub struct Sources {
    pub feeds: Vec<Feed>,
    pub queries: Vec<SavedQuery>,
    titles: HashMap<FeedId, String>,
    /// What the list shows.
    pub current: Source,
    /// The sidebar is shown.
    pub sidebar: bool,
    /// The sidebar's cursor (also where the picker opens).
    pub selected: usize,
}

impl Default for Sources {
    fn default() -> Sources {
        Sources {
            feeds: Vec::new(),
            queries: Vec::new(),
            titles: HashMap::new(),
            current: Source::All,
            sidebar: false,
            selected: 0,
        }
    }
}

impl Sources {
    pub fn loaded(&mut self, feeds: Vec<Feed>) {
        self.titles = feeds.iter().map(|f| (f.id, f.title.clone())).collect();
        self.feeds = feeds;
    }

    pub fn feed_title(&self, id: FeedId) -> &str {
        self.titles.get(&id).map(String::as_str).unwrap_or("")
    }

    pub fn unread_count(&self) -> u32 {
        self.feeds.iter().map(|f| f.unread).sum()
    }

    /// An item of `feed` changed its read state. (Saved queries are counted again by the
    /// runtime: which ones the item belongs to is the store's to say.)
    pub fn adjust_unread(&mut self, feed: FeedId, delta: i64) {
        if let Some(f) = self.feeds.iter_mut().find(|f| f.id == feed) {
            f.unread = (f.unread as i64 + delta).max(0) as u32;
        }
    }

    /// The saved query the list shows, if it shows one.
    pub fn current_query(&self) -> Option<&SavedQuery> {
        match self.current {
            Source::Query(i) => self.queries.get(i),
            _ => None,
        }
    }

    /// The feeds the current source covers; `None` for all.
    pub fn current_feeds(&self) -> Option<Vec<FeedId>> {
        match &self.current {
            Source::All | Source::Query(_) => None,
            Source::Feed(id) => Some(vec![*id]),
            Source::Tag(tag) => Some(
                self.feeds
                    .iter()
                    .filter(|f| f.tags.contains(tag))
                    .map(|f| f.id)
                    .collect(),
            ),
        }
    }

    /// Sidebar and picker rows: all, each saved query, each tag, each feed.
    pub fn entries(&self) -> Vec<SourceEntry> {
        let mut out = vec![SourceEntry {
            source: Source::All,
            label: "All feeds".to_string(),
            unread: self.unread_count(),
            failing: false,
        }];
        out.extend(self.queries.iter().enumerate().map(|(i, q)| SourceEntry {
            source: Source::Query(i),
            label: format!("? {}", q.name),
            unread: q.unread,
            failing: false,
        }));
        let mut tags: Vec<&String> = self.feeds.iter().flat_map(|f| &f.tags).collect();
        tags.sort();
        tags.dedup();
        for tag in tags {
            let unread = self
                .feeds
                .iter()
                .filter(|f| f.tags.contains(tag))
                .map(|f| f.unread)
                .sum();
            out.push(SourceEntry {
                source: Source::Tag(tag.clone()),
                label: format!("#{tag}"),
                unread,
                failing: false,
            });
        }
        out.extend(self.feeds.iter().map(|f| SourceEntry {
            source: Source::Feed(f.id),
            label: f.title.clone(),
            unread: f.unread,
            failing: f.last_error.is_some(),
        }));
        out
    }

    /// Moves the sidebar cursor; `to` is clamped to the rows there are.
    pub fn move_cursor(&mut self, to: i64) {
        let count = self.entries().len() as i64;
        self.selected = to.clamp(0, (count - 1).max(0)) as usize;
    }
}
