//! Two-way sync with the reader's own aggregator. The server's feeds and items land in the
//! same cache as the config's feeds (the appeal filter, search and `F` work on them alike);
//! read/star changes made here are queued in the cache in the transaction that makes them
//! (`store::Store::set_read`) and replayed, oldest first, at the next sync; the server's
//! state is then laid over every item with no change waiting here.
//!
//! One sync: replay the queue → the server's feeds and groups → new items (only what is
//! newer than the last sync; on the first, what is unread or starred) → items that became
//! unread or starred on the server → the server's read/star state. A failure at any step
//! leaves the cache as the steps before it left it, the queue included.
//!
//! Protocols: the Google Reader API ([`greader`]) and the Fever API ([`fever`]).

use std::collections::HashSet;
use std::time::Duration;

use crate::config::{SyncConfig, SyncKind};
use crate::store::{Store, StoreError};

pub mod fever;
pub mod greader;

/// A password held in memory only: never printed, logged or stored.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: String) -> Secret {
        Secret(s)
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// The aggregator account, its password resolved.
#[derive(Clone)]
pub struct Account {
    pub kind: SyncKind,
    pub url: String,
    pub username: String,
    pub password: Secret,
    /// Inoreader's application id and key.
    pub app: Option<(String, Secret)>,
}

/// Credentials in the address are not printed either.
impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("kind", &self.kind)
            .field("url", &crate::text::display_url(&self.url))
            .field("username", &self.username)
            .field("password", &self.password)
            .field("app", &self.app.as_ref().map(|(id, _)| id))
            .finish()
    }
}

impl Account {
    /// The account's name in the cache and in messages: kind and address, no credentials.
    pub fn name(&self) -> String {
        format!(
            "{} {}",
            self.kind.as_str(),
            crate::text::display_url(&self.url)
        )
    }

    fn server(&self) -> String {
        crate::text::display_url(&self.url)
    }
}

/// Where the password comes from, in order: `password_command`, `TIDINGS_SYNC_PASSWORD`,
/// `password` (the caller warns about that one when the config file is readable by others).
pub fn password(config: &SyncConfig, env: Option<String>) -> Result<Secret, SyncError> {
    if let Some(command) = &config.password_command {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|e| SyncError::Password(format!("cannot run password_command: {e}")))?;
        if !out.status.success() {
            return Err(SyncError::Password(format!(
                "password_command failed ({})",
                out.status
            )));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text.lines().next().unwrap_or("").to_string();
        if line.is_empty() {
            return Err(SyncError::Password(
                "password_command printed no password".into(),
            ));
        }
        return Ok(Secret(line));
    }
    if let Some(p) = env.filter(|p| !p.is_empty()) {
        return Ok(Secret(p));
    }
    match &config.password {
        Some(p) => Ok(Secret(p.clone())),
        None => Err(SyncError::Password(
            "no password: set password_command in [sync], or TIDINGS_SYNC_PASSWORD".into(),
        )),
    }
}

#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub max_body_bytes: u64,
    pub user_agent: String,
    /// Requests in flight at once (item batches, queued changes).
    pub concurrency: usize,
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncReport {
    pub feeds: usize,
    pub new_items: usize,
    /// Queued changes the server took.
    pub sent: usize,
    /// Items whose read or starred state the server changed here.
    pub read_changes: usize,
    pub star_changes: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{server} refused the login of {username}: check the username and password (for FreshRSS, the API password)")]
    Login { server: String, username: String },
    #[error("cannot reach {server}: {reason}")]
    Unreachable { server: String, reason: String },
    #[error("{server} answered {status}")]
    Status { server: String, status: u16 },
    #[error("{server} asks to wait {secs} s before the next sync")]
    RateLimited { server: String, secs: u64 },
    #[error("{server} answered something that is not the {protocol} API: {detail}")]
    Protocol {
        server: String,
        protocol: &'static str,
        detail: String,
    },
    #[error("{server} speaks the {protocol} API, which cannot {what}; do it in the server's web interface")]
    Unsupported {
        server: String,
        protocol: &'static str,
        what: &'static str,
    },
    #[error(
        "no feed of {server} is called {name:?} (give its title as the reader shows it, or its id)"
    )]
    NoSuchFeed { server: String, name: String },
    #[error("{0}")]
    Password(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot start the sync: {0}")]
    Runtime(std::io::Error),
}

/// Why a request got no answer, in words: timeouts, names that do not resolve and TLS
/// failures named as such. The server is named once, by the error: reqwest's own text
/// would repeat the URL.
fn unreachable(server: &str, e: reqwest::Error, timeout_secs: u64) -> SyncError {
    let timeout = e.is_timeout();
    let text = crate::feed::fetch::chain(&e.without_url());
    let lower = text.to_lowercase();
    let reason = if timeout {
        format!("timed out after {timeout_secs} s")
    } else if lower.contains("dns error") || lower.contains("failed to lookup address") {
        format!("its name does not resolve (DNS): {text}")
    } else if ["tls", "certificate", "handshake", "corrupt message"]
        .iter()
        .any(|w| lower.contains(w))
    {
        format!("the TLS handshake failed: {text}")
    } else {
        text
    };
    SyncError::Unreachable {
        server: server.to_string(),
        reason,
    }
}

/// What the clients of both protocols share: the HTTP client and how one request goes.
struct Peer {
    client: reqwest::Client,
    /// The server as shown in messages.
    server: String,
    username: String,
    protocol: &'static str,
    max_body_bytes: u64,
    timeout_secs: u64,
}

impl Peer {
    /// Timeouts, user agent, and no redirects (one would turn a POST into a GET and drop
    /// its form; the error says where the server points instead).
    fn new(account: &Account, o: &SyncOptions, protocol: &'static str) -> Result<Peer, SyncError> {
        let client = reqwest::Client::builder()
            .user_agent(o.user_agent.clone())
            .connect_timeout(o.connect_timeout)
            .timeout(o.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SyncError::Unreachable {
                server: account.server(),
                reason: crate::feed::fetch::chain(&e),
            })?;
        Ok(Peer {
            client,
            server: account.server(),
            username: account.username.clone(),
            protocol,
            max_body_bytes: o.max_body_bytes,
            timeout_secs: o.timeout.as_secs(),
        })
    }

    fn protocol_error(&self, detail: String) -> SyncError {
        SyncError::Protocol {
            server: self.server.clone(),
            protocol: self.protocol,
            detail,
        }
    }

    fn login_refused(&self) -> SyncError {
        SyncError::Login {
            server: self.server.clone(),
            username: self.username.clone(),
        }
    }

    /// Sends a request: its status and its body, at most `max_body_bytes`. Being held
    /// back (429, or 503 with `Retry-After`) and being redirected are errors already.
    async fn answer(&self, request: reqwest::RequestBuilder) -> Result<(u16, Vec<u8>), SyncError> {
        let unreachable = |e| unreachable(&self.server, e, self.timeout_secs);
        let mut response = request.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        if status == 429 || (status == 503 && response.headers().contains_key("retry-after")) {
            return Err(SyncError::RateLimited {
                server: self.server.clone(),
                secs: crate::feed::fetch::retry_after(response.headers()).unwrap_or(60),
            });
        }
        if (300..400).contains(&status) {
            let to = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(crate::text::display_url)
                .unwrap_or_default();
            return Err(self.protocol_error(if to.is_empty() {
                "it redirects; set [sync] url to the API's final address".into()
            } else {
                format!("it redirects to {to}; set [sync] url to that address")
            }));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            body.extend_from_slice(&chunk);
            if body.len() as u64 > self.max_body_bytes {
                return Err(self.protocol_error(format!(
                    "an answer larger than {} bytes (max_body_bytes)",
                    self.max_body_bytes
                )));
            }
        }
        Ok((status, body))
    }

    /// A success, a refused login (401, 403), or another status as an error.
    fn accept(&self, status: u16) -> Result<(), SyncError> {
        match status {
            200..=299 => Ok(()),
            401 | 403 => Err(self.login_refused()),
            _ => Err(SyncError::Status {
                server: self.server.clone(),
                status,
            }),
        }
    }
}

/// The longest a server's `Retry-After` can hold syncs back.
const MAX_WAIT_SECS: u64 = 6 * 3600;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A sync's own small runtime: its requests are few at a time, and it may run beside the
/// poller's.
fn runtime() -> Result<tokio::runtime::Runtime, SyncError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(SyncError::Runtime)
}

/// Settings keys of an account's sync state.
fn key(account: &Account, what: &str) -> String {
    format!("sync {what} {}", account.name())
}

/// When the account last synced (Unix seconds), if ever.
pub fn last_synced(store: &Store, account: &Account) -> Result<Option<i64>, StoreError> {
    Ok(store
        .setting(&key(account, "last"))?
        .and_then(|v| v.parse().ok()))
}

/// Syncs the account into the store. Blocking; runs its own small runtime.
pub fn sync(
    store: &mut Store,
    account: &Account,
    options: &SyncOptions,
) -> Result<SyncReport, SyncError> {
    if let Some(until) = store
        .setting(&key(account, "wait-until"))?
        .and_then(|v| v.parse::<i64>().ok())
    {
        let left = until - now();
        if left > 0 {
            return Err(SyncError::RateLimited {
                server: account.server(),
                secs: left as u64,
            });
        }
    }
    let runtime = runtime()?;
    let result = match account.kind {
        SyncKind::Fever => runtime.block_on(fever::sync(store, account, options)),
        SyncKind::Greader => runtime.block_on(greader::sync(store, account, options)),
    };
    match &result {
        Ok(_) => store.set_setting(&key(account, "last"), &now().to_string())?,
        Err(SyncError::RateLimited { secs, .. }) => store.set_setting(
            &key(account, "wait-until"),
            &(now() + (*secs).min(MAX_WAIT_SECS) as i64).to_string(),
        )?,
        Err(_) => {}
    }
    result
}

/// A change of the subscriptions on the server.
#[derive(Debug, Clone, PartialEq)]
pub enum SubscriptionEdit {
    Add {
        url: String,
        title: Option<String>,
        tag: Option<String>,
    },
    Remove {
        feed: String,
    },
    Rename {
        feed: String,
        title: String,
    },
    Move {
        feed: String,
        tag: String,
    },
}

/// Changes a subscription on the server, then syncs so the cache shows the change.
pub fn edit_subscription(
    store: &mut Store,
    account: &Account,
    options: &SyncOptions,
    edit: &SubscriptionEdit,
) -> Result<SyncReport, SyncError> {
    if account.kind == SyncKind::Fever {
        return Err(SyncError::Unsupported {
            server: account.server(),
            protocol: "Fever",
            what: "change subscriptions",
        });
    }
    // A feed named by its title or id, as the cache knows the account's feeds.
    let named = |name: &str| -> Result<(String, Vec<String>), SyncError> {
        store
            .remote_feed(&account.name(), name)?
            .ok_or_else(|| SyncError::NoSuchFeed {
                server: account.server(),
                name: name.to_string(),
            })
    };
    let resolved = match edit {
        SubscriptionEdit::Add { .. } => None,
        SubscriptionEdit::Remove { feed }
        | SubscriptionEdit::Rename { feed, .. }
        | SubscriptionEdit::Move { feed, .. } => Some(named(feed)?),
    };
    let runtime = runtime()?;
    runtime.block_on(greader::edit_subscription(account, options, edit, resolved))?;
    sync(store, account, options)
}

/// One line on a sync that worked.
pub fn describe(r: &SyncReport, waiting: usize) -> String {
    let mut line = format!(
        "synced: {} feeds, {} new items, {} changes sent",
        r.feeds, r.new_items, r.sent
    );
    if r.read_changes + r.star_changes > 0 {
        line.push_str(&format!(
            ", {} read and {} starred changes from the server",
            r.read_changes, r.star_changes
        ));
    }
    if waiting > 0 {
        line.push_str(&format!("; {waiting} changes wait for the server"));
    }
    line
}

/// The last queued change of each item and field (what the server needs to hear), with
/// every queue entry it stands for; in the order the changes were first made.
struct Latest<'a> {
    item: &'a str,
    field: crate::store::Field,
    value: bool,
    seqs: Vec<i64>,
}

fn latest(queued: &[crate::store::QueuedChange]) -> Vec<Latest<'_>> {
    let mut index: std::collections::HashMap<(&str, crate::store::Field), usize> =
        std::collections::HashMap::new();
    let mut out: Vec<Latest> = Vec::new();
    for c in queued {
        let i = *index.entry((c.item.as_str(), c.field)).or_insert_with(|| {
            out.push(Latest {
                item: &c.item,
                field: c.field,
                value: c.value,
                seqs: Vec::new(),
            });
            out.len() - 1
        });
        out[i].value = c.value;
        out[i].seqs.push(c.seq);
    }
    out
}

/// Pages already here are gathered into one transaction until it holds this many items:
/// enough that small pages share a commit and a search-index flush, few enough that
/// memory stays flat.
const WRITE_ITEMS: usize = 250;

/// Items as a server sends them: each with the server's id of its feed.
type Page = Vec<(String, crate::model::ParsedItem)>;

/// Writes pages of items as they arrive, pages already here in the same transaction (see
/// `WRITE_ITEMS`): one commit and one search-index flush for several small pages. A page
/// that fails ends the sync, after the pages before it are written.
async fn write_pages(
    store: &mut Store,
    feeds: &std::collections::HashMap<String, crate::model::FeedId>,
    pages: impl futures_util::Stream<Item = Result<Page, SyncError>>,
) -> Result<usize, SyncError> {
    use futures_util::{FutureExt, StreamExt};
    let mut pages = std::pin::pin!(pages);
    let mut new = 0;
    while let Some(first) = pages.next().await {
        let (mut items, mut failed) = (Vec::new(), None);
        let mut next = Some(first);
        while let Some(page) = next.take() {
            match page {
                Ok(page) => items.extend(page),
                Err(e) => failed = Some(e),
            }
            if failed.is_none() && items.len() < WRITE_ITEMS {
                next = pages.next().now_or_never().flatten();
            }
        }
        if !items.is_empty() {
            new += write_items(store, feeds, items)?;
        }
        if let Some(e) = failed {
            return Err(e);
        }
    }
    Ok(new)
}

/// Stores items under their feeds (the server's feed id → the cache's), in one
/// transaction; items of feeds the server did not list are left out (they come with their
/// feed at the next sync). Returns how many were new.
fn write_items(
    store: &mut Store,
    feeds: &std::collections::HashMap<String, crate::model::FeedId>,
    items: Page,
) -> Result<usize, SyncError> {
    let mut by_feed: std::collections::HashMap<crate::model::FeedId, Vec<_>> =
        std::collections::HashMap::new();
    for (feed, item) in items {
        if let Some(id) = feeds.get(&feed) {
            by_feed.entry(*id).or_default().push(item);
        }
    }
    let ready: Vec<_> = by_feed
        .into_iter()
        .map(|(f, items)| (f, crate::store::Rows::new(items)))
        .collect();
    Ok(store.batch(|s| {
        let mut new = 0;
        for (feed, rows) in &ready {
            new += s.store_remote_items(*feed, rows)?.new;
        }
        Ok(new)
    })?)
}

/// A JSON string or number as text: servers send ids either way.
fn text(v: Option<&serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A title, label or author from a server: character references decoded, control
/// characters gone, on one line (the same armour as for feeds).
fn one_line(s: &str) -> String {
    crate::text::sanitize_line(&crate::text::decode(s, false))
}

/// A feed of a server's list (`id`, `title`, `url`): named by its title, else its address
/// as shown, else its id; its tags cleaned, sorted, once each.
fn listed_feed(v: &serde_json::Value, tags: Vec<String>) -> Option<crate::store::RemoteFeed> {
    let id = text(v.get("id"))?;
    let title = text(v.get("title"))
        .map(|t| one_line(&t))
        .filter(|t| !t.is_empty())
        .or_else(|| text(v.get("url")).map(|u| crate::text::display_url(&u)))
        .unwrap_or_else(|| id.clone());
    let mut tags: Vec<String> = tags.into_iter().filter(|t| !t.is_empty()).collect();
    tags.sort();
    tags.dedup();
    Some(crate::store::RemoteFeed { id, title, tags })
}

/// An item as a server sent it, as the cache stores it: title and author on one clean
/// line, an empty link or author as none, dated like a feed's items (`model::dated`; 0 is
/// no date), the search text made here.
fn synced_item(
    key: String,
    title: Option<String>,
    link: Option<String>,
    author: Option<String>,
    published: Option<i64>,
    content: String,
) -> crate::model::ParsedItem {
    let now = now();
    let nonempty = |s: Option<String>| s.filter(|s| !s.is_empty());
    crate::model::ParsedItem {
        key,
        title: one_line(&title.unwrap_or_default()),
        link: nonempty(link.map(|l| l.trim().to_string())),
        author: nonempty(author.map(|a| one_line(&a))),
        published: Some(crate::model::dated(published.filter(|t| *t > 0), now)),
        text: crate::text::search_text(&content),
        content,
        media: Vec::new(),
    }
}

/// Ids in a comma-separated list, as Fever and others send them.
fn id_list(s: &str) -> HashSet<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synced_items_are_dated_like_feed_items() {
        let at = |published| {
            synced_item("1".into(), None, None, None, published, String::new())
                .published
                .unwrap()
        };
        let before = now();
        assert_eq!(at(Some(1_700_000_000)), 1_700_000_000);
        // Undated (0 or none) or beyond a day ahead: dated now, not sorted below everything
        // or pinned above it.
        for odd in [None, Some(0), Some(253_402_300_799)] {
            assert!((before..before + 5).contains(&at(odd)), "{odd:?}");
        }
    }

    #[test]
    fn a_failing_page_keeps_the_pages_before_it_even_when_they_arrived_together() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
        let remote = crate::store::RemoteFeed {
            id: "f".into(),
            title: "Feed".into(),
            tags: Vec::new(),
        };
        let feeds = store.set_remote_feeds("acct", &[remote]).unwrap();
        let page = |from: u32| -> Result<Page, SyncError> {
            Ok((from..from + 100)
                .map(|i| {
                    let item = synced_item(
                        i.to_string(),
                        Some(format!("Item {i}")),
                        None,
                        None,
                        None,
                        String::new(),
                    );
                    ("f".to_string(), item)
                })
                .collect())
        };
        let failed = || SyncError::Status {
            server: "server".into(),
            status: 500,
        };
        let run = |store: &mut Store, pages: Vec<Result<Page, SyncError>>| {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
                .block_on(write_pages(
                    store,
                    &feeds,
                    futures_util::stream::iter(pages),
                ))
        };
        // Every page is ready at once: three of 100 go in the first write (gathering stops
        // at 250 items), the fourth with the failure after it in the second; the page after
        // the failing one is never asked for.
        let ready = vec![
            page(0),
            page(100),
            page(200),
            page(300),
            Err(failed()),
            page(500),
        ];
        assert!(matches!(
            run(&mut store, ready),
            Err(SyncError::Status { .. })
        ));
        assert_eq!(store.item_count().unwrap(), 400);
        assert_eq!(run(&mut store, vec![page(500)]).unwrap(), 100);
        assert_eq!(store.item_count().unwrap(), 500);
    }

    #[test]
    fn a_secret_never_prints() {
        let a = Account {
            kind: SyncKind::Fever,
            url: "https://me:pw@rss.example.net/api/fever.php".into(),
            username: "me".into(),
            password: Secret::new("hunter2hunter2".into()),
            app: None,
        };
        let shown = format!("{a:?} {}", a.name());
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains(":pw@"), "{shown}");
    }

    #[test]
    fn the_password_comes_from_the_command_then_the_environment_then_the_file() {
        let mut c = SyncConfig {
            kind: SyncKind::Fever,
            url: "https://x/".into(),
            username: "u".into(),
            password_command: Some("echo from-command; echo second-line".into()),
            password: Some("from-file".into()),
            app_id: None,
            app_key: None,
        };
        assert_eq!(
            password(&c, Some("env".into())).unwrap().expose(),
            "from-command"
        );
        c.password_command = None;
        assert_eq!(password(&c, Some("env".into())).unwrap().expose(), "env");
        assert_eq!(password(&c, None).unwrap().expose(), "from-file");
        c.password = None;
        assert!(password(&c, None).is_err());
        c.password_command = Some("exit 3".into());
        let e = password(&c, None).unwrap_err().to_string();
        assert!(e.contains("password_command failed"), "{e}");
    }
}
