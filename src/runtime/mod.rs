//! The reader's runtime: the event loop that feeds [`App::update`] and performs its
//! [`Command`]s, the headline loader thread, background refreshes and full-text fetches.
//! The loop is generic over the ratatui backend and reaches the terminal and the outside
//! world only through [`Effects`], so that tests and benchmarks drive it on a
//! `TestBackend`; `terminal` is the real terminal (setup and restore on quit, error,
//! panic, signals and suspend, the input thread).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::{Context, Result};
use ratatui::backend::Backend;
use ratatui::crossterm::event::{self as ct, Event as CtEvent, KeyEventKind, MouseEventKind};
use ratatui::Terminal;

use crate::app::{App, Command, Event, PromptKey, Query};
use crate::clean::Cleaner;
use crate::config::Config;
use crate::feed::poller;
use crate::keymap::Keymap;
use crate::model::FeedId;
use crate::query::ItemQuery;
use crate::store::{HeadlineFilter, Store};

/// Messages into the event loop.
pub enum Msg {
    Term(CtEvent),
    App(Event),
    /// The terminal cannot be read any more: the reader ends with this message.
    InputFailed(String),
    /// Another program had the terminal (a browser in it): draw every cell again.
    Repaint,
}

/// Rows loaded before the first frame; the rest follows from the loader thread.
pub const FIRST_PAGE: usize = 1000;

/// Builds the app from the cache, ready for its first frame: feeds and the newest
/// headlines. The article cleaner compiles on another thread meanwhile.
pub fn load_app(store: &Store, config: &Config, keymap: &Keymap, size: (u16, u16)) -> Result<App> {
    let filter = config.filter.clone();
    let cleaner = Arc::new(OnceLock::new());
    let cell = Arc::clone(&cleaner);
    std::thread::spawn(move || {
        let _ = cell.set(build_cleaner(|| Cleaner::new(&filter)));
    });
    let mut app = App::with_cleaner(cleaner, size);
    app.mark_read_on_open = config.mark_read_on_open;
    // Checked when the config was read.
    app.theme = crate::theme::Theme::from_config(&config.colors).unwrap_or_default();
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        app.theme = app.theme.clone().without_colors();
    }
    app.article.reveal = store.setting("reveal_hidden")?.as_deref() == Some("true");
    app.help = keymap.help();
    app.keys_hint = format!(
        "{}:help {}:search {}:refresh {}:quit",
        first_key(keymap, crate::app::Action::Help),
        first_key(keymap, crate::app::Action::Search),
        first_key(keymap, crate::app::Action::RefreshAll),
        first_key(keymap, crate::app::Action::Quit)
    );
    let feeds = store.feeds()?;
    let own_filter: std::collections::HashMap<&str, bool> = config
        .feeds
        .iter()
        .filter_map(|c| Some((c.url.as_str(), c.filter?)))
        .collect();
    let unfiltered: Vec<FeedId> = feeds
        .iter()
        .filter(|f| {
            let own = own_filter.get(f.url.as_str()).copied();
            !own.unwrap_or(config.filter.enabled)
        })
        .map(|f| f.id)
        .collect();
    app.article.unfiltered_feeds = unfiltered;
    app.update(Event::FeedsLoaded(feeds));
    // Counted by the loader thread (`Session::count_queries`): a count reads every unread
    // item, which the first frame does not wait for.
    app.sources.queries = config
        .queries
        .iter()
        .map(|q| crate::app::SavedQuery {
            name: q.name.clone(),
            query: q.matching.clone(),
            unread: 0,
        })
        .collect();
    let first = store.headlines(&HeadlineFilter {
        limit: Some(FIRST_PAGE),
        ..Default::default()
    })?;
    app.update(Event::HeadlinesLoaded(first));
    Ok(app)
}

/// The cleaner, or a message: a failure (or a panic) must reach the reader, which waits
/// on it at the first article.
fn build_cleaner(
    build: impl FnOnce() -> Result<Cleaner, crate::clean::RuleError>,
) -> crate::app::CleanerResult {
    match crate::clean::guard::isolated(build) {
        Some(Ok(cleaner)) => Ok(cleaner),
        Some(Err(e)) => Err(format!("the filter rules do not compile: {e}")),
        None => Err("building the filter crashed (a bug; please report it)".into()),
    }
}

fn first_key(keymap: &Keymap, action: crate::app::Action) -> String {
    keymap
        .keys_for(action)
        .into_iter()
        .next()
        .unwrap_or_else(|| "-".into())
}

/// Loads headline lists and counts saved queries on its own thread and connection, so a
/// query over a big cache never blocks a key press. Queued requests of a kind collapse to
/// the newest.
pub struct Loader {
    requests: Sender<Request>,
}

enum Request {
    Headlines(Query),
    Count(Vec<ItemQuery>),
}

impl Loader {
    /// `ignore`: the config's kill rules, which this connection applies too.
    pub fn spawn(cache: std::path::PathBuf, ignore: Vec<ItemQuery>, tx: Sender<Msg>) -> Loader {
        let (requests, rx) = mpsc::channel::<Request>();
        std::thread::spawn(move || {
            let store = match Store::open(&cache) {
                Ok(mut s) => {
                    s.set_ignore(&ignore);
                    s
                }
                Err(e) => {
                    let _ = tx.send(Msg::App(Event::Message(format!(
                        "cannot load headlines: {e}"
                    ))));
                    return;
                }
            };
            while let Ok(first) = rx.recv() {
                let (mut headlines, mut count) = (None, None);
                for request in std::iter::once(first).chain(rx.try_iter()) {
                    match request {
                        Request::Headlines(q) => headlines = Some(q),
                        Request::Count(queries) => count = Some(queries),
                    }
                }
                let events = headlines
                    .map(|q| match headlines_for(&store, &q) {
                        Ok(h) => Event::HeadlinesLoaded(h),
                        Err(e) => Event::Message(format!("error: {e}")),
                    })
                    .into_iter()
                    .chain(count.map(|queries| match count_queries(&store, &queries) {
                        Ok(counts) => Event::QueriesCounted(counts),
                        Err(e) => Event::Message(format!("error: {e}")),
                    }));
                for event in events {
                    if tx.send(Msg::App(event)).is_err() {
                        return;
                    }
                }
            }
        });
        Loader { requests }
    }

    pub fn request(&self, query: Query) {
        let _ = self.requests.send(Request::Headlines(query));
    }

    /// Counts the unread items of each saved query; a `QueriesCounted` event follows.
    pub fn count(&self, queries: Vec<ItemQuery>) {
        let _ = self.requests.send(Request::Count(queries));
    }
}

fn count_queries(store: &Store, queries: &[ItemQuery]) -> crate::store::Result<Vec<u32>> {
    queries.iter().map(|q| store.unread_matching(q)).collect()
}

pub fn headlines_for(
    store: &Store,
    q: &Query,
) -> crate::store::Result<Vec<crate::model::Headline>> {
    let filter = HeadlineFilter {
        unread_only: q.unread_only,
        feeds: q.feeds.clone(),
        limit: None,
        query: q.matching.clone(),
    };
    match &q.search {
        Some(text) => store.search(text, &filter),
        None => store.headlines(&filter),
    }
}

/// Turns a terminal event into an app event.
pub fn translate(app: &App, keymap: &Keymap, event: CtEvent) -> Option<Event> {
    match event {
        CtEvent::Key(key) if key.kind != KeyEventKind::Release => {
            if app.wants_text() {
                let k = match key.code {
                    ct::KeyCode::Char('c') if key.modifiers.contains(ct::KeyModifiers::CONTROL) => {
                        PromptKey::Esc
                    }
                    ct::KeyCode::Char(c) => PromptKey::Char(c),
                    ct::KeyCode::Backspace => PromptKey::Backspace,
                    ct::KeyCode::Enter => PromptKey::Enter,
                    ct::KeyCode::Esc => PromptKey::Esc,
                    _ => return None,
                };
                return Some(Event::PromptKey(k));
            }
            keymap.action(key).map(Event::Action)
        }
        CtEvent::Resize(w, h) => Some(Event::Resize(w, h)),
        CtEvent::Mouse(m) => match m.kind {
            MouseEventKind::ScrollDown => Some(Event::ScrollAt {
                column: m.column,
                row: m.row,
                down: true,
            }),
            MouseEventKind::ScrollUp => Some(Event::ScrollAt {
                column: m.column,
                row: m.row,
                down: false,
            }),
            MouseEventKind::Down(ct::MouseButton::Left) => Some(Event::ClickAt {
                column: m.column,
                row: m.row,
            }),
            _ => None,
        },
        _ => None,
    }
}

/// Syncs with the aggregator and says in one line how it went: for the status line, and
/// for `tidings sync` and `refresh`. The flag says whether it worked.
pub fn sync_line(
    store: &mut Store,
    config: &Config,
    account: &crate::sync::Account,
) -> (String, bool) {
    let result = crate::sync::sync(store, account, &sync_options(config));
    let waiting = store.queue_len_of(&account.name()).unwrap_or(0);
    match result {
        Ok(report) => (crate::sync::describe(&report, waiting), true),
        Err(e) => (
            format!("sync failed: {e}; {waiting} changes wait for the server"),
            false,
        ),
    }
}

/// What the status line shows of the aggregator: the time of the last sync that worked
/// (hours and minutes today, else the date too) and the changes waiting for the server.
pub fn sync_status(store: &Store, account: &crate::sync::Account) -> crate::store::Result<Event> {
    let now = chrono::Local::now();
    let synced_at = crate::sync::last_synced(store, account)?
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|t| {
            let t = t.with_timezone(&chrono::Local);
            if t.date_naive() == now.date_naive() {
                t.format("%H:%M").to_string()
            } else {
                t.format("%Y-%m-%d %H:%M").to_string()
            }
        });
    Ok(Event::SyncStatus {
        synced_at,
        waiting: store.queue_len_of(&account.name())?,
    })
}

pub fn sync_options(config: &Config) -> crate::sync::SyncOptions {
    crate::sync::SyncOptions {
        connect_timeout: Duration::from_secs(config.connect_timeout_secs),
        timeout: Duration::from_secs(config.timeout_secs),
        max_body_bytes: config.max_body_bytes,
        user_agent: config.user_agent.clone(),
        concurrency: config.concurrency,
    }
}

/// Where a link was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// By a program of its own (a graphical browser): the reader went on.
    Elsewhere,
    /// By a browser in this terminal, which the reader gave it and has taken back.
    HereAndBack,
}

/// Side effects the loop cannot do itself (they need the real terminal or a process).
pub trait Effects {
    fn open_url(&mut self, url: &str) -> Result<Opened>;
    /// Plays an item's file (`player`); without a player it opens like a link.
    fn open_media(&mut self, url: &str) -> Result<Opened> {
        self.open_url(url)
    }
    fn copy(&mut self, text: &str) -> Result<()>;
    fn refresh(&mut self, only: Option<Vec<FeedId>>, tx: Sender<Msg>);
    /// Fetches one item's page in the background; answers with `Event::FullTextDone`.
    fn full_text(&mut self, item: crate::model::ItemId, link: String, tx: Sender<Msg>);
    /// Gives the terminal back to the shell and stops the process until it is continued.
    fn suspend(&mut self) -> Result<()>;
    /// Takes the terminal again after a stop (raw mode, alternate screen, mouse).
    fn resume(&mut self) -> Result<()>;
}

/// What signal handlers ask of the event loop.
#[derive(Debug, Default)]
pub struct Signals {
    /// SIGTERM, SIGHUP, SIGINT: restore the terminal and end.
    pub stop: Arc<AtomicBool>,
    /// SIGTSTP (and Ctrl-Z, which raw mode delivers as a key): suspend like any
    /// full-screen program.
    pub suspend: Arc<AtomicBool>,
    /// SIGCONT: take the terminal again and redraw all of it, also after a SIGSTOP that
    /// nobody could catch.
    pub resumed: Arc<AtomicBool>,
}

fn is_suspend_key(event: &CtEvent) -> bool {
    matches!(event, CtEvent::Key(k) if k.kind != KeyEventKind::Release
        && k.code == ct::KeyCode::Char('z')
        && k.modifiers.contains(ct::KeyModifiers::CONTROL))
}

/// One reader session: the app, its cache, and the ways results come back.
pub struct Session<'a> {
    pub app: App,
    pub store: &'a Store,
    pub keymap: &'a Keymap,
    pub effects: &'a mut dyn Effects,
    /// Headline lists load here when present, else on the calling thread.
    pub loader: Option<Loader>,
    pub tx: Sender<Msg>,
    pub rx: Receiver<Msg>,
    /// The aggregator's account name, when one is configured: the status line follows its
    /// queue.
    pub sync_account: Option<String>,
}

impl Session<'_> {
    /// Feeds one event to the app and performs the commands it returns.
    pub fn handle(&mut self, event: Event) {
        let mut queue: std::collections::VecDeque<Command> = self.app.update(event).into();
        while let Some(cmd) = queue.pop_front() {
            match self.perform(cmd) {
                Ok(events) => {
                    for e in events {
                        queue.extend(self.app.update(e));
                    }
                }
                Err(e) => {
                    tracing::error!("{e:#}");
                    queue.extend(self.app.update(Event::Message(format!("error: {e:#}"))));
                }
            }
        }
    }

    /// The changes waiting for the server after one made here, when there is a server.
    fn queue_status(&self) -> Result<Vec<Event>> {
        Ok(if let Some(account) = &self.sync_account {
            vec![Event::SyncQueue(self.store.queue_len_of(account)?)]
        } else {
            vec![]
        })
    }

    /// Has the saved queries' unread counts counted (again, after a change that can move
    /// them): on the loader thread when there is one, else here.
    fn count_queries(&self) -> Result<Option<Event>> {
        let queries: Vec<ItemQuery> = self
            .app
            .sources
            .queries
            .iter()
            .map(|q| q.query.clone())
            .collect();
        if queries.is_empty() {
            return Ok(None);
        }
        match &self.loader {
            Some(loader) => {
                loader.count(queries);
                Ok(None)
            }
            None => Ok(Some(Event::QueriesCounted(count_queries(
                self.store, &queries,
            )?))),
        }
    }

    /// Performs one command; results come back as app events.
    fn perform(&mut self, cmd: Command) -> Result<Vec<Event>> {
        let store = self.store;
        Ok(match cmd {
            Command::LoadFeeds => {
                let mut events = vec![Event::FeedsLoaded(store.feeds()?)];
                events.extend(self.count_queries()?);
                events
            }
            Command::LoadHeadlines(q) => match &self.loader {
                Some(loader) => {
                    loader.request(q);
                    vec![]
                }
                None => vec![Event::HeadlinesLoaded(headlines_for(store, &q)?)],
            },
            Command::LoadArticle(id) => match store.article(id)? {
                Some(a) => vec![Event::ArticleLoaded(Box::new(a))],
                None => vec![Event::Message("that item is no longer in the cache".into())],
            },
            Command::SetRead(ids, read) => {
                store.set_read(&ids, read)?;
                let mut events = self.queue_status()?;
                events.extend(self.count_queries()?);
                events
            }
            Command::SetStarred(id, starred) => {
                store.set_starred(id, starred)?;
                let mut events = self.queue_status()?;
                // A query may select by star.
                events.extend(self.count_queries()?);
                events
            }
            Command::SaveSetting(k, v) => {
                store.set_setting(&k, &v)?;
                vec![]
            }
            Command::OpenUrl(ref url) | Command::OpenMedia(ref url) => {
                let shown = crate::text::sanitize_line(url);
                let opened = if matches!(cmd, Command::OpenMedia(_)) {
                    self.effects.open_media(url)
                } else {
                    self.effects.open_url(url)
                };
                // A program that had the terminal, even one that failed, left its screen.
                if !matches!(opened, Ok(Opened::Elsewhere)) {
                    let _ = self.tx.send(Msg::Repaint);
                }
                match opened? {
                    Opened::Elsewhere => vec![Event::Message(format!("opened {shown}"))],
                    Opened::HereAndBack => vec![Event::Message(format!("back from {shown}"))],
                }
            }
            Command::CopyToClipboard(text) => {
                self.effects.copy(&text)?;
                vec![]
            }
            Command::Refresh(only) => {
                self.effects.refresh(only, self.tx.clone());
                vec![]
            }
            Command::FetchFullText(item, link) => {
                self.effects.full_text(item, link, self.tx.clone());
                vec![]
            }
            Command::Quit => vec![],
        })
    }

    /// The event loop: draw, wait for messages, update, repeat until the app quits or
    /// a stop signal arrives; suspends and resumes when asked.
    pub fn run<B: Backend>(&mut self, terminal: &mut Terminal<B>, signals: &Signals) -> Result<()> {
        // The saved queries are counted once the first frame is up.
        let mut uncounted = true;
        let mut dirty = true;
        loop {
            if signals.suspend.swap(false, Ordering::Relaxed) {
                self.effects.suspend()?;
                signals.resumed.store(true, Ordering::Relaxed);
            }
            if signals.resumed.swap(false, Ordering::Relaxed) {
                self.effects.resume()?;
                // The screen holds whatever the shell left there: draw every cell.
                terminal.clear().context("cannot draw")?;
                dirty = true;
            }
            // Frames are drawn only when something happened: an idle reader sleeps.
            if dirty {
                terminal
                    .draw(|f| crate::ui::draw(f, &self.app))
                    .context("cannot draw")?;
                dirty = false;
            }
            if std::mem::take(&mut uncounted) {
                if let Some(counted) = self.count_queries()? {
                    self.handle(counted);
                    dirty = true;
                    continue;
                }
            }
            if self.app.quit || signals.stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            // The timeout only bounds how long a signal waits to be noticed.
            let first = match self.rx.recv_timeout(Duration::from_millis(250)) {
                Ok(m) => m,
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
            };
            dirty = true;
            // Everything already queued is handled before the next frame.
            let pending: Vec<Msg> = std::iter::once(first).chain(self.rx.try_iter()).collect();
            for msg in pending {
                if matches!(&msg, Msg::Term(e) if is_suspend_key(e)) {
                    signals.suspend.store(true, Ordering::Relaxed);
                    continue;
                }
                let event = match msg {
                    Msg::Term(e) => translate(&self.app, self.keymap, e),
                    Msg::App(e) => Some(e),
                    Msg::InputFailed(e) => anyhow::bail!("cannot read the terminal: {e}"),
                    Msg::Repaint => {
                        terminal.clear().context("cannot draw")?;
                        None
                    }
                };
                if let Some(event) = event {
                    self.handle(event);
                }
                if self.app.quit {
                    break;
                }
            }
        }
    }
}

mod terminal;
pub use terminal::run_terminal;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cleaner_that_cannot_be_built_is_a_message_not_a_wait() {
        let crashed = build_cleaner(|| panic!("boom"));
        assert!(crashed.is_err_and(|e| e.contains("crashed")));
        let bad = build_cleaner(|| {
            Err(crate::clean::RuleError::Pattern {
                name: "broken".into(),
                message: "unclosed group".into(),
            })
        });
        assert!(bad.is_err_and(|e| e.contains("do not compile")));
    }
}
