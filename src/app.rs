//! The reader's state and its one entry point, [`App::update`]: an event in, state changed,
//! [`Command`]s out for the runtime to perform. No I/O here, which is what lets every
//! behaviour of the reader be tested directly.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::clean::{is_safe_link, Cleaned, Cleaner, Line};
use crate::model::{Article, Feed, FeedId, Headline, ItemId};

/// What a key can ask for. Names (for `[keys]` and the help overlay) come from [`Action::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Down,
    Up,
    PageDown,
    PageUp,
    HalfPageDown,
    HalfPageUp,
    Top,
    Bottom,
    Open,
    Back,
    SwitchFocus,
    Space,
    NextUnread,
    PrevUnread,
    ToggleRead,
    MarkAllRead,
    ToggleStar,
    UnreadOnly,
    Search,
    PickFeed,
    ToggleSidebar,
    OpenLink,
    CopyLink,
    RevealHidden,
    FullText,
    RefreshFeed,
    RefreshAll,
    Help,
    Quit,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Down => "down",
            Action::Up => "up",
            Action::PageDown => "page_down",
            Action::PageUp => "page_up",
            Action::HalfPageDown => "half_page_down",
            Action::HalfPageUp => "half_page_up",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Open => "open",
            Action::Back => "back",
            Action::SwitchFocus => "switch_focus",
            Action::Space => "space",
            Action::NextUnread => "next_unread",
            Action::PrevUnread => "prev_unread",
            Action::ToggleRead => "toggle_read",
            Action::MarkAllRead => "mark_all_read",
            Action::ToggleStar => "toggle_star",
            Action::UnreadOnly => "unread_only",
            Action::Search => "search",
            Action::PickFeed => "pick_feed",
            Action::ToggleSidebar => "toggle_sidebar",
            Action::OpenLink => "open_link",
            Action::CopyLink => "copy_link",
            Action::RevealHidden => "reveal_hidden",
            Action::FullText => "full_text",
            Action::RefreshFeed => "refresh_feed",
            Action::RefreshAll => "refresh_all",
            Action::Help => "help",
            Action::Quit => "quit",
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        crate::keymap::DEFAULTS
            .iter()
            .map(|(a, _)| *a)
            .find(|a| a.name() == name)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Action::Down => "move down / scroll down",
            Action::Up => "move up / scroll up",
            Action::PageDown => "page down",
            Action::PageUp => "page up",
            Action::HalfPageDown => "half a page down",
            Action::HalfPageUp => "half a page up",
            Action::Top => "first item / top",
            Action::Bottom => "last item / bottom",
            Action::Open => "open article / choose",
            Action::Back => "back to the list",
            Action::SwitchFocus => "switch focus",
            Action::Space => "scroll article, then next unread",
            Action::NextUnread => "next unread (next search result)",
            Action::PrevUnread => "previous unread (previous result)",
            Action::ToggleRead => "toggle read",
            Action::MarkAllRead => "mark all shown as read",
            Action::ToggleStar => "toggle star",
            Action::UnreadOnly => "show unread only",
            Action::Search => "search the whole cache",
            Action::PickFeed => "pick a feed or tag",
            Action::ToggleSidebar => "feeds sidebar",
            Action::OpenLink => "open link in browser",
            Action::CopyLink => "copy link (OSC 52)",
            Action::RevealHidden => "reveal hidden appeals",
            Action::FullText => "fetch the full article",
            Action::RefreshFeed => "refresh this feed",
            Action::RefreshAll => "refresh all feeds",
            Action::Help => "this help",
            Action::Quit => "quit / close overlay",
        }
    }
}

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
    HeadlinesLoaded(Vec<Headline>),
    ArticleLoaded(Box<Article>),
    RefreshStarted {
        total: usize,
    },
    RefreshProgress {
        done: usize,
        total: usize,
        failed: Option<(String, String)>,
    },
    RefreshFinished {
        summary: String,
    },
    /// The full article of an item was fetched (or failed) and stored.
    FullTextDone(ItemId, Result<(), String>),
    Message(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptKey {
    Char(char),
    Backspace,
    Enter,
    Esc,
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Article,
    Sidebar,
}

/// A feed or a tag to filter the list by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    All,
    Feed(FeedId),
    Tag(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help,
    Search { input: String },
    FeedPicker { selected: usize },
}

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
    pub fn lines(&self, width: usize, reveal: bool) -> std::borrow::Cow<'_, [Line]> {
        match self.rendered.get(&(width, reveal)) {
            Some(lines) => std::borrow::Cow::Borrowed(lines),
            None => std::borrow::Cow::Owned(self.cleaned.render(width, reveal)),
        }
    }
}

/// Screen areas, shared by `update` (to know page sizes and widths) and `ui::draw`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rect {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub height: u16,
}

impl Rect {
    pub fn contains(&self, column: u16, row: u16) -> bool {
        column >= self.x
            && column < self.x + self.width
            && row >= self.y
            && row < self.y + self.height
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Layout {
    pub sidebar: Option<Rect>,
    pub list: Option<Rect>,
    pub article: Option<Rect>,
    pub status: Rect,
}

/// Widths at which the list and article sit side by side, and at which a narrow terminal
/// shows the article full screen instead of below the list.
const SIDE_BY_SIDE_WIDTH: u16 = 120;
const STACKED_MIN_HEIGHT: u16 = 24;
const SIDEBAR_WIDTH: u16 = 26;

pub struct App {
    pub feeds: Vec<Feed>,
    pub headlines: Vec<Headline>,
    pub selected: usize,
    pub list_scroll: usize,
    pub focus: Focus,
    pub source: Source,
    pub unread_only: bool,
    pub search: Option<String>,
    pub article: Option<OpenArticle>,
    pub reveal_hidden: bool,
    pub sidebar: bool,
    pub sidebar_selected: usize,
    pub overlay: Option<Overlay>,
    pub refresh: Option<(usize, usize)>,
    /// Last feed errors, newest last: (feed, message).
    pub errors: Vec<(String, String)>,
    pub message: Option<String>,
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
    cleaner: Arc<OnceLock<CleanerResult>>,
    /// Articles opened before, with their cleaning and renderings, newest first.
    recent: std::collections::VecDeque<OpenArticle>,
    unfiltered_feeds: Vec<FeedId>,
    feed_titles: HashMap<FeedId, String>,
}

impl App {
    pub fn new(cleaner: Cleaner, size: (u16, u16)) -> App {
        App::with_cleaner(Arc::new(OnceLock::from(Ok(cleaner))), size)
    }

    /// An app whose cleaner may still be compiling on another thread; opening the first
    /// article waits for it.
    pub fn with_cleaner(cleaner: Arc<OnceLock<CleanerResult>>, size: (u16, u16)) -> App {
        App {
            feeds: Vec::new(),
            headlines: Vec::new(),
            selected: 0,
            list_scroll: 0,
            focus: Focus::List,
            source: Source::All,
            unread_only: false,
            search: None,
            article: None,
            reveal_hidden: false,
            sidebar: false,
            sidebar_selected: 0,
            overlay: None,
            refresh: None,
            errors: Vec::new(),
            message: None,
            size,
            mark_read_on_open: true,
            quit: false,
            keys_hint: "?:help q:quit".into(),
            help: Vec::new(),
            utc_offset: 0,
            this_year: None,
            cleaner,
            recent: Default::default(),
            unfiltered_feeds: Vec::new(),
            feed_titles: HashMap::new(),
        }
    }

    /// Feeds whose appeals are not filtered (`filter = false` in their config).
    pub fn set_unfiltered_feeds(&mut self, feeds: Vec<FeedId>) {
        self.unfiltered_feeds = feeds;
    }

    pub fn feed_title(&self, id: FeedId) -> &str {
        self.feed_titles.get(&id).map(String::as_str).unwrap_or("")
    }

    pub fn unread_count(&self) -> u32 {
        self.feeds.iter().map(|f| f.unread).sum()
    }

    pub fn query(&self) -> Query {
        Query {
            unread_only: self.unread_only,
            feeds: match &self.source {
                Source::All => None,
                Source::Feed(id) => Some(vec![*id]),
                Source::Tag(tag) => Some(
                    self.feeds
                        .iter()
                        .filter(|f| f.tags.contains(tag))
                        .map(|f| f.id)
                        .collect(),
                ),
            },
            search: self.search.clone(),
        }
    }

    /// Sidebar and feed picker entries: all, each tag, each feed.
    pub fn sources(&self) -> Vec<(Source, String, u32, bool)> {
        let mut out = vec![(
            Source::All,
            "All feeds".to_string(),
            self.unread_count(),
            false,
        )];
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
            out.push((Source::Tag(tag.clone()), format!("#{tag}"), unread, false));
        }
        for f in &self.feeds {
            out.push((
                Source::Feed(f.id),
                f.title.clone(),
                f.unread,
                f.last_error.is_some(),
            ));
        }
        out
    }

    /// The layout at the size the last resize announced (what `update` scrolls by).
    pub fn layout(&self) -> Layout {
        self.layout_for(self.size)
    }

    /// The layout of a frame of `(width, height)`: `draw` lays out from the frame it draws
    /// into, which can differ from the last resize while resizes race key presses.
    pub fn layout_for(&self, (w, h): (u16, u16)) -> Layout {
        let status = Rect {
            x: 0,
            y: h.saturating_sub(1),
            width: w,
            height: 1.min(h),
        };
        let body_h = h.saturating_sub(1);
        let mut x = 0;
        let mut sidebar = None;
        if self.sidebar && w >= 60 {
            sidebar = Some(Rect {
                x: 0,
                y: 0,
                width: SIDEBAR_WIDTH,
                height: body_h,
            });
            x = SIDEBAR_WIDTH;
        }
        let rest_w = w - x;
        let has_article = self.article.is_some();
        let (list, article) = if !has_article {
            (
                Some(Rect {
                    x,
                    y: 0,
                    width: rest_w,
                    height: body_h,
                }),
                None,
            )
        } else if w >= SIDE_BY_SIDE_WIDTH {
            let list_w = (rest_w * 2 / 5).max(30);
            (
                Some(Rect {
                    x,
                    y: 0,
                    width: list_w,
                    height: body_h,
                }),
                Some(Rect {
                    x: x + list_w,
                    y: 0,
                    width: rest_w - list_w,
                    height: body_h,
                }),
            )
        } else if h >= STACKED_MIN_HEIGHT {
            let list_h = body_h / 3;
            (
                Some(Rect {
                    x,
                    y: 0,
                    width: rest_w,
                    height: list_h,
                }),
                Some(Rect {
                    x,
                    y: list_h,
                    width: rest_w,
                    height: body_h - list_h,
                }),
            )
        } else if self.focus == Focus::Article {
            (
                None,
                Some(Rect {
                    x,
                    y: 0,
                    width: rest_w,
                    height: body_h,
                }),
            )
        } else {
            (
                Some(Rect {
                    x,
                    y: 0,
                    width: rest_w,
                    height: body_h,
                }),
                None,
            )
        };
        Layout {
            sidebar,
            list,
            article,
            status,
        }
    }

    /// Rows of headlines visible in the list (its height minus its border and title).
    pub fn list_rows(&self) -> usize {
        self.layout()
            .list
            .map(|r| r.height.saturating_sub(2) as usize)
            .unwrap_or(0)
    }

    /// Width the article body is rendered at, and rows of body visible.
    pub fn article_geometry(&self) -> (usize, usize) {
        match self.layout().article {
            Some(r) => (
                r.width.saturating_sub(4).max(10) as usize,
                r.height.saturating_sub(2 + HEADER_ROWS) as usize,
            ),
            None => (self.size.0.saturating_sub(4).max(10) as usize, 1),
        }
    }

    pub fn selected_headline(&self) -> Option<&Headline> {
        self.headlines.get(self.selected)
    }

    pub fn update(&mut self, event: Event) -> Vec<Command> {
        let mut cmds = Vec::new();
        self.apply(event, &mut cmds);
        // Whatever changed the article's width (a resize, the sidebar, the focus in a narrow
        // terminal, reveal), `draw` finds its lines rendered: a cached lookup when nothing did.
        self.render_article();
        cmds
    }

    fn apply(&mut self, event: Event, cmds: &mut Vec<Command>) {
        match event {
            Event::Action(a) => self.on_action(a, cmds),
            Event::PromptKey(k) => self.on_prompt(k, cmds),
            Event::Resize(w, h) => {
                self.size = (w, h);
                self.keep_selection_visible();
            }
            Event::ScrollAt { column, row, down } => {
                let layout = self.layout();
                if layout.article.is_some_and(|r| r.contains(column, row)) {
                    self.scroll_article(if down { 3 } else { -3 });
                } else if layout.list.is_some_and(|r| r.contains(column, row)) {
                    self.move_selection(if down { 3 } else { -3 });
                }
            }
            Event::ClickAt { column, row } => {
                let layout = self.layout();
                if let Some(list) = layout.list.filter(|r| r.contains(column, row)) {
                    let offset = row.saturating_sub(list.y + 1) as usize;
                    let index = self.list_scroll + offset;
                    if row > list.y && index < self.headlines.len() {
                        self.selected = index;
                        self.focus = Focus::List;
                    }
                } else if layout.article.is_some_and(|r| r.contains(column, row)) {
                    self.focus = Focus::Article;
                }
            }
            Event::FeedsLoaded(mut feeds) => {
                for f in &mut feeds {
                    // An untitled feed is named by its address: never with its credentials.
                    if f.title == f.url {
                        f.title = crate::clean::display_url(&f.url);
                    }
                }
                self.feed_titles = feeds.iter().map(|f| (f.id, f.title.clone())).collect();
                self.errors = feeds
                    .iter()
                    .filter_map(|f| f.last_error.as_ref().map(|e| (f.title.clone(), e.clone())))
                    .collect();
                self.feeds = feeds;
            }
            Event::HeadlinesLoaded(headlines) => {
                // Keep the user on the item they were on, wherever it moved.
                let current = self.selected_headline().map(|h| h.id);
                self.headlines = headlines;
                self.selected = current
                    .and_then(|id| self.headlines.iter().position(|h| h.id == id))
                    .unwrap_or(self.selected.min(self.headlines.len().saturating_sub(1)));
                self.keep_selection_visible();
            }
            Event::ArticleLoaded(article) => {
                self.close_article();
                // Reopened with the same content: its cleaning and renderings are reused.
                let cached = self
                    .recent
                    .iter()
                    .position(|o| o.article == *article)
                    .and_then(|i| self.recent.remove(i));
                let open = match cached {
                    Some(open) => open,
                    None => {
                        let filter = !self.unfiltered_feeds.contains(&article.feed_id);
                        let cleaned = match self.cleaner.wait() {
                            Ok(cleaner) => cleaner.clean(&article.content, filter),
                            Err(e) => {
                                self.message = Some(format!("appeals are not hidden: {e}"));
                                Cleaned::unfiltered(&article.content)
                            }
                        };
                        OpenArticle {
                            cleaned,
                            article: *article,
                            scroll: 0,
                            rendered: HashMap::new(),
                        }
                    }
                };
                self.article = Some(OpenArticle { scroll: 0, ..open });
            }
            Event::RefreshStarted { total } => {
                self.refresh = Some((0, total));
            }
            Event::RefreshProgress {
                done,
                total,
                failed,
            } => {
                self.refresh = Some((done, total));
                if let Some(err) = failed {
                    self.errors.retain(|(feed, _)| *feed != err.0);
                    self.errors.push(err);
                }
            }
            Event::RefreshFinished { summary } => {
                self.refresh = None;
                self.message = Some(summary);
                cmds.push(Command::LoadFeeds);
                cmds.push(Command::LoadHeadlines(self.query()));
            }
            Event::FullTextDone(id, result) => {
                self.message = Some(match result {
                    Ok(()) => "full article stored".into(),
                    Err(e) => format!("full article unavailable: {e}"),
                });
                if self.article.as_ref().is_some_and(|a| a.article.id == id) {
                    cmds.push(Command::LoadArticle(id));
                }
            }
            Event::Message(m) => self.message = Some(m),
        }
    }

    fn on_prompt(&mut self, key: PromptKey, cmds: &mut Vec<Command>) {
        let Some(Overlay::Search { input }) = &mut self.overlay else {
            return;
        };
        match key {
            // A paste of a whole page arrives as thousands of keys: the prompt keeps the
            // first PROMPT_MAX characters, so drawing it and Enter stay instant.
            PromptKey::Char(c) if input.chars().count() < PROMPT_MAX => input.push(c),
            PromptKey::Char(_) => {
                self.message = Some(format!("a search is at most {PROMPT_MAX} characters"));
            }
            PromptKey::Backspace => {
                input.pop();
            }
            PromptKey::Esc => self.overlay = None,
            PromptKey::Enter => {
                let query = input.trim().to_string();
                self.overlay = None;
                self.search = (!query.is_empty()).then_some(query);
                self.selected = 0;
                self.list_scroll = 0;
                cmds.push(Command::LoadHeadlines(self.query()));
            }
        }
    }

    /// True while typed keys go to a prompt rather than to the keymap.
    pub fn wants_text(&self) -> bool {
        matches!(self.overlay, Some(Overlay::Search { .. }))
    }

    fn on_action(&mut self, action: Action, cmds: &mut Vec<Command>) {
        self.message = None;
        let source_count = match self.overlay {
            Some(Overlay::FeedPicker { .. }) => self.sources().len(),
            _ => 0,
        };
        match &mut self.overlay {
            Some(Overlay::Help) => {
                if matches!(action, Action::Quit | Action::Back | Action::Help) {
                    self.overlay = None;
                }
                return;
            }
            Some(Overlay::FeedPicker { selected }) => {
                let count = source_count;
                match action {
                    Action::Quit | Action::Back | Action::PickFeed => self.overlay = None,
                    Action::Down => *selected = (*selected + 1).min(count.saturating_sub(1)),
                    Action::Up => *selected = selected.saturating_sub(1),
                    Action::Top => *selected = 0,
                    Action::Bottom => *selected = count.saturating_sub(1),
                    Action::Open => {
                        let index = *selected;
                        self.overlay = None;
                        self.choose_source(index, cmds);
                    }
                    _ => {}
                }
                return;
            }
            Some(Overlay::Search { .. }) | None => {}
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
                    selected: self.sidebar_selected,
                })
            }
            Action::ToggleSidebar => {
                self.sidebar = !self.sidebar;
                if !self.sidebar && self.focus == Focus::Sidebar {
                    self.focus = Focus::List;
                }
            }
            Action::UnreadOnly => {
                self.unread_only = !self.unread_only;
                cmds.push(Command::LoadHeadlines(self.query()));
            }
            Action::RevealHidden => {
                self.reveal_hidden = !self.reveal_hidden;
                cmds.push(Command::SaveSetting(
                    "reveal_hidden".into(),
                    self.reveal_hidden.to_string(),
                ));
            }
            Action::RefreshAll => self.request_refresh(None, cmds),
            Action::FullText => match self
                .article
                .as_ref()
                .map(|a| (a.article.id, a.article.link.clone()))
            {
                Some((id, Some(link))) if is_safe_link(&link) => {
                    self.message = Some("fetching the full article…".into());
                    cmds.push(Command::FetchFullText(id, link));
                }
                Some(_) => self.message = Some("this item has no web page to fetch".into()),
                None => self.message = Some("open an article first".into()),
            },
            Action::RefreshFeed => {
                if let Some(feed) = self.current_headline().map(|h| h.feed_id) {
                    self.request_refresh(Some(vec![feed]), cmds);
                }
            }
            Action::ToggleRead => {
                if let Some(h) = self.current_headline_mut() {
                    h.read = !h.read;
                    let (id, read, feed) = (h.id, h.read, h.feed_id);
                    self.adjust_unread(feed, if read { -1 } else { 1 });
                    cmds.push(Command::SetRead(vec![id], read));
                }
            }
            Action::ToggleStar => {
                if let Some(h) = self.current_headline_mut() {
                    h.starred = !h.starred;
                    cmds.push(Command::SetStarred(h.id, h.starred));
                }
            }
            Action::MarkAllRead => {
                let mut ids = Vec::new();
                let mut per_feed: HashMap<FeedId, i64> = HashMap::new();
                for h in self.headlines.iter_mut().filter(|h| !h.read) {
                    h.read = true;
                    ids.push(h.id);
                    *per_feed.entry(h.feed_id).or_default() -= 1;
                }
                for (feed, delta) in per_feed {
                    self.adjust_unread(feed, delta);
                }
                if !ids.is_empty() {
                    self.message = Some(format!("marked {} read", ids.len()));
                    cmds.push(Command::SetRead(ids, true));
                }
            }
            Action::OpenLink | Action::CopyLink => {
                let link = self.article.as_ref().and_then(|a| a.article.link.clone());
                match link {
                    Some(l) if !is_safe_link(&l) => {
                        self.message = Some("not opening a link that is not http(s)".into())
                    }
                    Some(l) if action == Action::OpenLink => cmds.push(Command::OpenUrl(l)),
                    Some(l) => {
                        self.message = Some("link copied".into());
                        cmds.push(Command::CopyToClipboard(l));
                    }
                    None => self.message = Some("no article link".into()),
                }
            }
            Action::SwitchFocus => {
                let layout = self.layout();
                self.focus = match self.focus {
                    Focus::List if self.article.is_some() => Focus::Article,
                    Focus::List if layout.sidebar.is_some() => Focus::Sidebar,
                    Focus::Article if layout.sidebar.is_some() => Focus::Sidebar,
                    _ => Focus::List,
                };
            }
            Action::NextUnread | Action::PrevUnread => {
                let forward = action == Action::NextUnread;
                let target = if self.search.is_some() {
                    let next = if forward {
                        self.selected + 1
                    } else {
                        self.selected.wrapping_sub(1)
                    };
                    (next < self.headlines.len()).then_some(next)
                } else {
                    self.find_unread(forward)
                };
                match target {
                    Some(i) => {
                        self.selected = i;
                        self.keep_selection_visible();
                        if self.article.is_some() || self.focus == Focus::Article {
                            self.open_selected(cmds);
                        }
                    }
                    None => self.message = Some("no more unread items".into()),
                }
            }
            Action::Space => {
                if self.focus == Focus::Article || self.article.is_some() {
                    if !self.scroll_article(self.article_geometry().1 as i64) {
                        match self.find_unread(true) {
                            Some(i) => {
                                self.selected = i;
                                self.keep_selection_visible();
                                self.open_selected(cmds);
                            }
                            None => self.message = Some("no more unread items".into()),
                        }
                    }
                } else {
                    self.open_selected(cmds);
                }
            }
            Action::Open => match self.focus {
                Focus::Sidebar => self.choose_source(self.sidebar_selected, cmds),
                _ => self.open_selected(cmds),
            },
            Action::Back => match self.focus {
                Focus::Article => {
                    self.focus = Focus::List;
                    // Side by side the article stays in view; otherwise the list takes its place.
                    if self.size.0 < SIDE_BY_SIDE_WIDTH {
                        self.close_article();
                    }
                }
                Focus::Sidebar => self.focus = Focus::List,
                Focus::List => {
                    if self.article.is_some() {
                        self.close_article();
                    } else if self.search.is_some() {
                        self.search = None;
                        cmds.push(Command::LoadHeadlines(self.query()));
                    }
                }
            },
            Action::Down
            | Action::Up
            | Action::PageDown
            | Action::PageUp
            | Action::HalfPageDown
            | Action::HalfPageUp
            | Action::Top
            | Action::Bottom => {
                self.navigate(action);
            }
        }
    }

    fn navigate(&mut self, action: Action) {
        match self.focus {
            Focus::Article if self.article.is_some() => {
                let page = self.article_geometry().1.max(1) as i64;
                let delta = match action {
                    Action::Down => 1,
                    Action::Up => -1,
                    Action::PageDown => page,
                    Action::PageUp => -page,
                    Action::HalfPageDown => page / 2,
                    Action::HalfPageUp => -page / 2,
                    Action::Top => i64::MIN / 2,
                    _ => i64::MAX / 2,
                };
                self.scroll_article(delta);
            }
            Focus::Sidebar => {
                let count = self.sources().len() as i64;
                let s = self.sidebar_selected as i64;
                let next = match action {
                    Action::Down => s + 1,
                    Action::Up => s - 1,
                    Action::Top => 0,
                    Action::Bottom => count - 1,
                    _ => s,
                };
                self.sidebar_selected = next.clamp(0, (count - 1).max(0)) as usize;
            }
            _ => {
                let page = self.list_rows().max(1) as i64;
                let delta = match action {
                    Action::Down => 1,
                    Action::Up => -1,
                    Action::PageDown => page,
                    Action::PageUp => -page,
                    Action::HalfPageDown => page / 2,
                    Action::HalfPageUp => -page / 2,
                    Action::Top => i64::MIN / 2,
                    _ => i64::MAX / 2,
                };
                self.move_selection(delta);
            }
        }
    }

    fn choose_source(&mut self, index: usize, cmds: &mut Vec<Command>) {
        if let Some((source, _, _, _)) = self.sources().into_iter().nth(index) {
            self.sidebar_selected = index;
            self.source = source;
            self.search = None;
            self.selected = 0;
            self.list_scroll = 0;
            self.focus = Focus::List;
            cmds.push(Command::LoadHeadlines(self.query()));
        }
    }

    /// Closes the article pane, keeping its rendering for a reopen.
    /// One refresh at a time: the progress shows from the moment it is asked for.
    fn request_refresh(&mut self, only: Option<Vec<FeedId>>, cmds: &mut Vec<Command>) {
        if self.refresh.is_some() {
            self.message = Some("a refresh is already running".into());
        } else {
            self.refresh = Some((0, 0));
            cmds.push(Command::Refresh(only));
        }
    }

    fn close_article(&mut self) {
        if let Some(open) = self.article.take() {
            self.recent.push_front(open);
            self.recent.truncate(RECENT_ARTICLES);
        }
    }

    fn current_headline(&self) -> Option<&Headline> {
        match &self.article {
            Some(open) if self.focus == Focus::Article => {
                self.headlines.iter().find(|h| h.id == open.article.id)
            }
            _ => self.selected_headline(),
        }
    }

    fn current_headline_mut(&mut self) -> Option<&mut Headline> {
        let id = self.current_headline()?.id;
        self.headlines.iter_mut().find(|h| h.id == id)
    }

    fn adjust_unread(&mut self, feed: FeedId, delta: i64) {
        if let Some(f) = self.feeds.iter_mut().find(|f| f.id == feed) {
            f.unread = (f.unread as i64 + delta).max(0) as u32;
        }
    }

    fn find_unread(&self, forward: bool) -> Option<usize> {
        if forward {
            (self.selected + 1..self.headlines.len()).find(|i| !self.headlines[*i].read)
        } else {
            (0..self.selected).rev().find(|i| !self.headlines[*i].read)
        }
    }

    fn open_selected(&mut self, cmds: &mut Vec<Command>) {
        let Some(h) = self.headlines.get_mut(self.selected) else {
            return;
        };
        let (id, feed, was_read) = (h.id, h.feed_id, h.read);
        if self.mark_read_on_open && !was_read {
            h.read = true;
            self.adjust_unread(feed, -1);
            cmds.push(Command::SetRead(vec![id], true));
        }
        self.focus = Focus::Article;
        cmds.push(Command::LoadArticle(id));
    }

    fn move_selection(&mut self, delta: i64) {
        if self.headlines.is_empty() {
            return;
        }
        let max = self.headlines.len() as i64 - 1;
        self.selected = (self.selected as i64).saturating_add(delta).clamp(0, max) as usize;
        self.keep_selection_visible();
    }

    fn keep_selection_visible(&mut self) {
        let rows = self.list_rows().max(1);
        if self.selected < self.list_scroll {
            self.list_scroll = self.selected;
        } else if self.selected >= self.list_scroll + rows {
            self.list_scroll = self.selected + 1 - rows;
        }
    }

    /// Scrolls the article; false when it was already at the end (for space).
    fn scroll_article(&mut self, delta: i64) -> bool {
        let (width, rows) = self.article_geometry();
        let reveal = self.reveal_hidden;
        let Some(open) = &mut self.article else {
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

    /// Renders the open article for the current width once; drawing only reads the result.
    fn render_article(&mut self) {
        let (width, rows) = self.article_geometry();
        let reveal = self.reveal_hidden;
        if let Some(open) = &mut self.article {
            let lines = open
                .rendered
                .entry((width, reveal))
                .or_insert_with(|| open.cleaned.render(width, reveal));
            open.scroll = open.scroll.min(lines.len().saturating_sub(rows));
        }
    }
}

/// The article cleaner, or why it could not be built (the reader then shows articles
/// whole and says so, instead of waiting for it forever).
pub type CleanerResult = Result<Cleaner, String>;

/// Articles whose cleaning and renderings are kept for reopening.
const RECENT_ARTICLES: usize = 16;

/// Rows of the article header above the body: title, feed/author/date, link, hidden count.
/// The longest search the prompt takes, in characters.
pub const PROMPT_MAX: usize = 256;

pub const HEADER_ROWS: u16 = 5;

#[cfg(test)]
mod tests;
