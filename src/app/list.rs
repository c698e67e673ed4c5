//! The headline list: what is shown, which row is selected, how far it is scrolled, and
//! the filters that chose it (unread only, a search).

use std::collections::HashMap;

use crate::model::{FeedId, Headline, ItemId};

#[derive(Debug, Default)]
pub struct List {
    pub headlines: Vec<Headline>,
    pub selected: usize,
    /// The first row shown.
    pub scroll: usize,
    pub unread_only: bool,
    pub search: Option<String>,
}

impl List {
    pub fn selected_headline(&self) -> Option<&Headline> {
        self.headlines.get(self.selected)
    }

    pub fn find(&self, id: ItemId) -> Option<&Headline> {
        self.headlines.iter().find(|h| h.id == id)
    }

    pub fn find_mut(&mut self, id: ItemId) -> Option<&mut Headline> {
        self.headlines.iter_mut().find(|h| h.id == id)
    }

    /// A new list, keeping the user on the item they were on, wherever it moved.
    pub fn loaded(&mut self, headlines: Vec<Headline>, rows: usize) {
        let current = self.selected_headline().map(|h| h.id);
        self.headlines = headlines;
        self.selected = current
            .and_then(|id| self.headlines.iter().position(|h| h.id == id))
            .unwrap_or(self.selected.min(self.headlines.len().saturating_sub(1)));
        self.keep_visible(rows);
    }

    /// Back to the top, for a list about to be replaced by another query.
    pub fn rewind(&mut self) {
        self.selected = 0;
        self.scroll = 0;
    }

    pub fn select(&mut self, index: usize, rows: usize) {
        self.selected = index;
        self.keep_visible(rows);
    }

    pub fn move_by(&mut self, delta: i64, rows: usize) {
        if self.headlines.is_empty() {
            return;
        }
        let max = self.headlines.len() as i64 - 1;
        let index = (self.selected as i64).saturating_add(delta).clamp(0, max) as usize;
        self.select(index, rows);
    }

    pub fn keep_visible(&mut self, rows: usize) {
        let rows = rows.max(1);
        if self.selected < self.scroll {
            self.scroll = self.selected;
        } else if self.selected >= self.scroll + rows {
            self.scroll = self.selected + 1 - rows;
        }
    }

    /// The next (or previous) row to go to with n/N: an unread one, or in search results
    /// simply the next result.
    pub fn next_target(&self, forward: bool) -> Option<usize> {
        if self.search.is_some() {
            let next = if forward {
                self.selected + 1
            } else {
                self.selected.wrapping_sub(1)
            };
            return (next < self.headlines.len()).then_some(next);
        }
        self.find_unread(forward)
    }

    pub fn find_unread(&self, forward: bool) -> Option<usize> {
        let unread = |i: &usize| !self.headlines[*i].read;
        if forward {
            (self.selected + 1..self.headlines.len()).find(unread)
        } else {
            (0..self.selected).rev().find(unread)
        }
    }

    /// Marks every shown item read: the ids, and how each feed's unread count changed.
    pub fn mark_all_read(&mut self) -> (Vec<ItemId>, HashMap<FeedId, i64>) {
        let mut ids = Vec::new();
        let mut per_feed: HashMap<FeedId, i64> = HashMap::new();
        for h in self.headlines.iter_mut().filter(|h| !h.read) {
            h.read = true;
            ids.push(h.id);
            *per_feed.entry(h.feed_id).or_default() -= 1;
        }
        (ids, per_feed)
    }
}
