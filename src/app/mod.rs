//! The reader's state and its one entry point, [`App::update`]: an event in, state changed,
//! [`Command`]s out for the runtime to perform. No I/O here, which is what lets every
//! behaviour of the reader be tested directly.
//!
//! The state is split by what it is about — the [`list`], the [`sources`] (feeds, tags,
//! sidebar), the open [`article`], the [`overlay`], the [`status`] line — and each part
//! changes only through its own methods; `update` dispatches between them. [`layout`] is the
//! one place screen geometry is computed, for `update` and `draw` alike.

mod action;
pub mod article;
mod events;
pub mod layout;
pub mod list;
pub mod overlay;
pub mod sources;
pub mod status;

use std::sync::{Arc, OnceLock};

pub use action::{Action, ActionInfo, ACTIONS};
pub use article::{ArticleView, CleanerResult, OpenArticle};
pub use events::{Command, Event, Query};
pub use layout::{Layout, Rect, HEADER_ROWS};
pub use list::List;
pub use overlay::{Overlay, PromptKey, PROMPT_MAX};
pub use sources::{SavedQuery, Source, SourceEntry, Sources};
pub use status::Status;

use crate::clean::Cleaner;
use crate::model::{FeedId, Headline};
use crate::text::is_safe_link;
use overlay::Typed;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Article,
    Sidebar,
}

pub struct App {
    pub list: List,
    pub sources: Sources,
    pub article: ArticleView,
    pub overlay: Option<Overlay>,
    pub status: Status,
    pub focus: Focus,
    /// The size the last resize announced.
    pub size: (u16, u16),
    pub mark_read_on_open: bool,
    pub quit: bool,
    pub keys_hint: String,
    /// Key bindings and what they do, for the help overlay.
    pub help: Vec<(String, String)>,
    /// Offset of local time from UTC, for dates.
    pub utc_offset: i32,
    /// The local year now: other years' dates show their year. `None` shows none.
    pub this_year: Option<i32>,
    /// How each part of the screen is drawn.
    pub theme: crate::theme::Theme,
}

impl App {
    pub fn new(cleaner: Cleaner, size: (u16, u16)) -> App {
        App::with_cleaner(Arc::new(OnceLock::from(Ok(cleaner))), size)
    }

    /// An app whose cleaner may still be compiling on another thread; opening the first
    /// article waits for it.
    pub fn with_cleaner(cleaner: Arc<OnceLock<CleanerResult>>, size: (u16, u16)) -> App {
        App {
            list: List::default(),
            sources: Sources::default(),
            article: ArticleView::new(cleaner),
            overlay: None,
            status: Status::default(),
            focus: Focus::List,
            size,
            mark_read_on_open: true,
            quit: false,
            keys_hint: "?:help q:quit".into(),
            help: Vec::new(),
            utc_offset: 0,
            this_year: None,
            theme: crate::theme::Theme::default(),
        }
    }

    pub fn query(&self) -> Query {
        Query {
            unread_only: self.list.unread_only,
            feeds: self.sources.current_feeds(),
            search: self.list.search.clone(),
            matching: self.sources.current_query().map(|q| q.query.clone()),
        }
    }

    /// The layout at the size the last resize announced (what `update` scrolls by).
    pub fn layout(&self) -> Layout {
        self.layout_for(self.size)
    }

    /// The layout of a frame of `size`: `draw` lays out from the frame it draws into,
    /// which can differ from the last resize while resizes race key presses.
    pub fn layout_for(&self, size: (u16, u16)) -> Layout {
        layout::layout(
            size,
            layout::Panes {
                sidebar: self.sources.sidebar,
                article: self.article.open.is_some(),
                focus: self.focus,
            },
        )
    }

    /// Width the article body is rendered at, and rows of body visible.
    pub fn article_geometry(&self) -> (usize, usize) {
        self.layout().article_geometry(self.size.0)
    }

    fn list_rows(&self) -> usize {
        self.layout().list_rows()
    }

    /// True while typed keys go to a prompt rather than to the keymap.
    pub fn wants_text(&self) -> bool {
        matches!(self.overlay, Some(Overlay::Search { .. }))
    }

    pub fn update(&mut self, event: Event) -> Vec<Command> {
        let mut cmds = Vec::new();
        self.apply(event, &mut cmds);
        // Whatever changed the article's width (a resize, the sidebar, the focus in a narrow
        // terminal, reveal), `draw` finds its lines rendered: a cached lookup when nothing did.
        let geometry = self.article_geometry();
        self.article.render(geometry);
        cmds
    }

    fn apply(&mut self, event: Event, cmds: &mut Vec<Command>) {
        match event {
            Event::Action(a) => self.on_action(a, cmds),
            Event::PromptKey(k) => self.on_prompt(k, cmds),
            Event::Resize(w, h) => {
                self.size = (w, h);
                let rows = self.list_rows();
                self.list.keep_visible(rows);
            }
            Event::ScrollAt { column, row, down } => {
                let layout = self.layout();
                let delta = if down { 3 } else { -3 };
                if layout.article.is_some_and(|r| r.contains(column, row)) {
                    self.article.scroll(delta, self.article_geometry());
                } else if layout.list.is_some_and(|r| r.contains(column, row)) {
                    self.list.move_by(delta, layout.list_rows());
                }
            }
            Event::ClickAt { column, row } => {
                let layout = self.layout();
                if let Some(list) = layout.list.filter(|r| r.contains(column, row)) {
                    let index = self.list.scroll + row.saturating_sub(list.y + 1) as usize;
                    if row > list.y && index < self.list.headlines.len() {
                        self.list.selected = index;
                        self.focus = Focus::List;
                    }
                } else if layout.article.is_some_and(|r| r.contains(column, row)) {
                    self.focus = Focus::Article;
                }
            }
            Event::FeedsLoaded(feeds) => {
                self.status.feeds_loaded(&feeds);
                self.sources.loaded(feeds);
            }
            Event::QueriesCounted(counts) => {
                for (q, n) in self.sources.queries.iter_mut().zip(counts) {
                    q.unread = n;
                }
            }
            Event::HeadlinesLoaded(headlines) => {
                let rows = self.list_rows();
                self.list.loaded(headlines, rows);
            }
            Event::ArticleLoaded(article) => {
                if let Some(message) = self.article.show(*article) {
                    self.status.say(message);
                }
            }
            Event::RefreshStarted { total } => self.status.refresh = Some((0, total)),
            Event::RefreshProgress {
                done,
                total,
                failed,
            } => {
                self.status.refresh = Some((done, total));
                if let Some((feed, message)) = failed {
                    self.status.feed_failed(feed, message);
                }
            }
            Event::RefreshFinished { summary } => {
                self.status.refresh = None;
                self.status.say(summary);
                cmds.push(Command::LoadFeeds);
                cmds.push(Command::LoadHeadlines(self.query()));
            }
            Event::FullTextDone(id, result) => {
                self.status.say(match result {
                    Ok(()) => "full article stored".into(),
                    Err(e) => format!("full article unavailable: {e}"),
                });
                if self.article.id() == Some(id) {
                    cmds.push(Command::LoadArticle(id));
                }
            }
            Event::Message(m) => self.status.say(m),
            Event::SyncStatus { synced_at, waiting } => {
                self.status.sync = Some(status::SyncShown { synced_at, waiting });
            }
            Event::SyncQueue(waiting) => {
                if let Some(sync) = &mut self.status.sync {
                    sync.waiting = waiting;
                }
            }
        }
    }

    fn on_prompt(&mut self, key: PromptKey, cmds: &mut Vec<Command>) {
        let Some(Overlay::Search { input }) = &mut self.overlay else {
            return;
        };
        match overlay::type_into(input, key) {
            Typed::Editing => {}
            Typed::Full => self
                .status
                .say(format!("a search is at most {PROMPT_MAX} characters")),
            Typed::Cancelled => self.overlay = None,
            Typed::Submitted(query) => {
                self.overlay = None;
                self.list.search = (!query.is_empty()).then_some(query);
                self.list.rewind();
                cmds.push(Command::LoadHeadlines(self.query()));
            }
        }
    }

    /// Keys while an overlay that takes them is open; false when none is.
    fn on_overlay(&mut self, action: Action, cmds: &mut Vec<Command>) -> bool {
        match &mut self.overlay {
            Some(Overlay::Help) => {
                if matches!(action, Action::Quit | Action::Back | Action::Help) {
                    self.overlay = None;
                }
                true
            }
            Some(Overlay::FeedPicker { selected }) => {
                let last = self.sources.entries().len().saturating_sub(1);
                if move_in_list(selected, last, action) {
                    return true;
                }
                match action {
                    Action::Quit | Action::Back | Action::PickFeed => self.overlay = None,
                    Action::Open => {
                        let index = *selected;
                        self.overlay = None;
                        self.choose_source(index, cmds);
                    }
                    _ => {}
                }
                true
            }
            Some(Overlay::Links { selected }) => {
                let links = self.article.links();
                if move_in_list(selected, links.len().saturating_sub(1), action) {
                    return true;
                }
                match action {
                    Action::Quit | Action::Back | Action::Links => self.overlay = None,
                    Action::Open | Action::OpenLink | Action::CopyLink => {
                        if let Some((_, url)) = links.into_iter().nth(*selected) {
                            self.overlay = None;
                            if !is_safe_link(&url) {
                                self.status.say("not opening a link that is not http(s)");
                            } else if action == Action::CopyLink {
                                self.status.say("link copied");
                                cmds.push(Command::CopyToClipboard(url));
                            } else {
                                cmds.push(Command::OpenUrl(url));
                            }
                        }
                    }
                    _ => {}
                }
                true
            }
            Some(Overlay::Search { .. }) | None => false,
        }
    }

    fn on_action(&mut self, action: Action, cmds: &mut Vec<Command>) {
        self.status.message = None;
        if self.on_overlay(action, cmds) {
            return;
        }
        match action {
            Action::Quit => {
                self.quit = true;
                cmds.push(Command::Quit);
            }
            Action::Help => self.overlay = Some(Overlay::Help),
            Action::Search => {
                self.overlay = Some(Overlay::Search {
                    input: String::new(),
                })
            }
            Action::PickFeed => {
                self.overlay = Some(Overlay::FeedPicker {
                    selected: self.sources.selected,
                })
            }
            Action::ToggleSidebar => {
                self.sources.sidebar = !self.sources.sidebar;
                if !self.sources.sidebar && self.focus == Focus::Sidebar {
                    self.focus = Focus::List;
                }
            }
            Action::UnreadOnly => {
                self.list.unread_only = !self.list.unread_only;
                cmds.push(Command::LoadHeadlines(self.query()));
            }
            Action::RevealHidden => {
                self.article.reveal = !self.article.reveal;
                cmds.push(Command::SaveSetting(
                    "reveal_hidden".into(),
                    self.article.reveal.to_string(),
                ));
            }
            Action::RefreshAll => self.request_refresh(None, cmds),
            Action::RefreshFeed => {
                if let Some(feed) = self.current_headline().map(|h| h.feed_id) {
                    self.request_refresh(Some(vec![feed]), cmds);
                }
            }
            Action::FullText => match (self.article.id(), self.article.link()) {
                (Some(id), Some(link)) if is_safe_link(&link) => {
                    self.status.say("fetching the full article…");
                    cmds.push(Command::FetchFullText(id, link));
                }
                (Some(_), _) => self.status.say("this item has no web page to fetch"),
                (None, _) => self.status.say("open an article first"),
            },
            Action::ToggleRead => self.toggle_read(cmds),
            Action::ToggleStar => {
                if let Some(h) = self.current_headline_mut() {
                    h.starred = !h.starred;
                    cmds.push(Command::SetStarred(h.id, h.starred));
                }
            }
            Action::MarkAllRead => {
                let (ids, per_feed) = self.list.mark_all_read();
                for (feed, delta) in per_feed {
                    self.sources.adjust_unread(feed, delta);
                }
                if !ids.is_empty() {
                    self.status.say(format!("marked {} read", ids.len()));
                    cmds.push(Command::SetRead(ids, true));
                }
            }
            Action::OpenLink | Action::CopyLink => match self.article.link() {
                Some(l) if !is_safe_link(&l) => {
                    self.status.say("not opening a link that is not http(s)")
                }
                Some(l) if action == Action::OpenLink => cmds.push(Command::OpenUrl(l)),
                Some(l) => {
                    self.status.say("link copied");
                    cmds.push(Command::CopyToClipboard(l));
                }
                None => self.status.say("no article link"),
            },
            Action::Links => {
                if self.article.links().is_empty() {
                    self.status.say(if self.article.open.is_some() {
                        "this article has no links"
                    } else {
                        "open an article to see its links"
                    });
                } else {
                    self.overlay = Some(Overlay::Links { selected: 0 });
                }
            }
            Action::PlayMedia => match self.article.media_to_play() {
                Some(m) => cmds.push(Command::OpenMedia(m.url.clone())),
                None if self.article.open.is_none() => {
                    self.status.say("open an article to play its media")
                }
                None => self.status.say("this article has no podcast or video"),
            },
            Action::SwitchFocus => {
                let sidebar = self.layout().sidebar.is_some();
                self.focus = match self.focus {
                    Focus::List if self.article.open.is_some() => Focus::Article,
                    Focus::List | Focus::Article if sidebar => Focus::Sidebar,
                    _ => Focus::List,
                };
            }
            Action::NextUnread | Action::PrevUnread => {
                match self.list.next_target(action == Action::NextUnread) {
                    Some(i) => {
                        self.list.select(i, self.list_rows());
                        if self.article.open.is_some() || self.focus == Focus::Article {
                            self.open_selected(cmds);
                        }
                    }
                    None => self.status.say("no more unread items"),
                }
            }
            Action::Space => self.space(cmds),
            Action::Open => match self.focus {
                Focus::Sidebar => self.choose_source(self.sources.selected, cmds),
                _ => self.open_selected(cmds),
            },
            Action::Back => self.back(cmds),
            Action::Down
            | Action::Up
            | Action::PageDown
            | Action::PageUp
            | Action::HalfPageDown
            | Action::HalfPageUp
            | Action::Top
            | Action::Bottom => self.navigate(action),
        }
    }

    fn space(&mut self, cmds: &mut Vec<Command>) {
        if self.focus != Focus::Article && self.article.open.is_none() {
            return self.open_selected(cmds);
        }
        let geometry = self.article_geometry();
        if !self.article.scroll(geometry.1 as i64, geometry) {
            match self.list.find_unread(true) {
                Some(i) => {
                    self.list.select(i, self.list_rows());
                    self.open_selected(cmds);
                }
                None => self.status.say("no more unread items"),
            }
        }
    }

    fn back(&mut self, cmds: &mut Vec<Command>) {
        match self.focus {
            Focus::Article => {
                self.focus = Focus::List;
                // Side by side the article stays in view; otherwise the list takes its place.
                if self.size.0 < layout::SIDE_BY_SIDE_WIDTH {
                    self.article.close();
                }
            }
            Focus::Sidebar => self.focus = Focus::List,
            Focus::List => {
                if self.article.open.is_some() {
                    self.article.close();
                } else if self.list.search.is_some() {
                    self.list.search = None;
                    cmds.push(Command::LoadHeadlines(self.query()));
                }
            }
        }
    }

    fn navigate(&mut self, action: Action) {
        let step = |page: i64| match action {
            Action::Down => 1,
            Action::Up => -1,
            Action::PageDown => page,
            Action::PageUp => -page,
            Action::HalfPageDown => page / 2,
            Action::HalfPageUp => -page / 2,
            Action::Top => i64::MIN / 2,
            _ => i64::MAX / 2,
        };
        match self.focus {
            Focus::Article if self.article.open.is_some() => {
                let geometry = self.article_geometry();
                self.article
                    .scroll(step(geometry.1.max(1) as i64), geometry);
            }
            Focus::Sidebar => {
                let at = self.sources.selected as i64;
                self.sources.move_cursor(match action {
                    Action::Down => at + 1,
                    Action::Up => at - 1,
                    Action::Top => 0,
                    Action::Bottom => i64::MAX,
                    _ => at,
                });
            }
            _ => {
                let rows = self.list_rows();
                self.list.move_by(step(rows.max(1) as i64), rows);
            }
        }
    }

    fn choose_source(&mut self, index: usize, cmds: &mut Vec<Command>) {
        if let Some(entry) = self.sources.entries().into_iter().nth(index) {
            self.sources.selected = index;
            self.sources.current = entry.source;
            self.list.search = None;
            self.list.rewind();
            self.focus = Focus::List;
            cmds.push(Command::LoadHeadlines(self.query()));
        }
    }

    /// One refresh at a time: the progress shows from the moment it is asked for.
    fn request_refresh(&mut self, only: Option<Vec<FeedId>>, cmds: &mut Vec<Command>) {
        if self.status.refresh.is_some() {
            self.status.say("a refresh is already running");
        } else {
            self.status.refresh = Some((0, 0));
            cmds.push(Command::Refresh(only));
        }
    }

    fn toggle_read(&mut self, cmds: &mut Vec<Command>) {
        if let Some(h) = self.current_headline_mut() {
            h.read = !h.read;
            let (id, read, feed) = (h.id, h.read, h.feed_id);
            self.sources.adjust_unread(feed, if read { -1 } else { 1 });
            cmds.push(Command::SetRead(vec![id], read));
        }
    }

    /// The item keys act on: the open article while it has focus, else the selected row.
    fn current_headline(&self) -> Option<&Headline> {
        match self.article.id() {
            Some(id) if self.focus == Focus::Article => self.list.find(id),
            _ => self.list.selected_headline(),
        }
    }

    fn current_headline_mut(&mut self) -> Option<&mut Headline> {
        let id = self.current_headline()?.id;
        self.list.find_mut(id)
    }

    fn open_selected(&mut self, cmds: &mut Vec<Command>) {
        let Some(h) = self.list.headlines.get_mut(self.list.selected) else {
            return;
        };
        let (id, feed, was_read) = (h.id, h.feed_id, h.read);
        if self.mark_read_on_open && !was_read {
            h.read = true;
            self.sources.adjust_unread(feed, -1);
            cmds.push(Command::SetRead(vec![id], true));
        }
        self.focus = Focus::Article;
        cmds.push(Command::LoadArticle(id));
    }
}

/// Moves the highlight of a list overlay (rows `0..=last`); false when `action` is not a
/// move.
fn move_in_list(selected: &mut usize, last: usize, action: Action) -> bool {
    match action {
        Action::Down => *selected = (*selected + 1).min(last),
        Action::Up => *selected = selected.saturating_sub(1),
        Action::Top => *selected = 0,
        Action::Bottom => *selected = last,
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests;
