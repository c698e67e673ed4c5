//! A Google Reader API server on 127.0.0.1 for sync tests, mounted where FreshRSS mounts it
//! (`/api/greader.php`): ClientLogin, the auth token in the `Authorization` header only
//! (Miniflux's rule), the write token `T` on edits, item ids short in id streams and long in
//! contents, pages with a `continuation`, and traffic recorded for the tests to assert.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use super::api::{self, Answer, ApiRequest};

use serde_json::{json, Value};

pub const PREFIX: &str = "/api/greader.php";
/// The write token of the current login: a new login makes the old one stale, as on
/// servers that tie the two together.
pub fn write_token(logins: usize) -> String {
    format!("write-token-{logins}")
}

#[derive(Debug, Clone)]
pub struct Item {
    pub feed: String,
    pub title: String,
    pub html: String,
    pub published: i64,
    /// When the server fetched it (what `ot` compares with).
    pub crawled: i64,
}

/// A request as logged: its target is the path after the API prefix, with its query.
pub type Request = ApiRequest;

#[derive(Debug, Default)]
pub struct State {
    pub user: String,
    pub password: String,
    /// Logins so far; the valid auth token is `auth-N` for the latest.
    pub logins: usize,
    /// The next authenticated request gets a 401, as when a token expires.
    pub expire_next: bool,
    /// The same for the next edit-tag.
    pub expire_on_edit: bool,
    /// Require `AppId`/`AppKey` headers with these values (Inoreader).
    pub app: Option<(String, String)>,
    /// Send item ids in the long form in id streams too.
    pub long_refs: bool,
    /// Answer every page of ids with the first page and a continuation (a broken server).
    pub loop_pages: bool,
    /// id ("feed/N") → (title, labels)
    pub feeds: BTreeMap<String, (String, Vec<String>)>,
    pub items: BTreeMap<u64, Item>,
    pub read: BTreeSet<u64>,
    pub starred: BTreeSet<u64>,
    pub log: Vec<Request>,
}

pub struct GReader {
    pub port: u16,
    pub state: Arc<Mutex<State>>,
}

impl GReader {
    pub fn start(user: &str, password: &str) -> GReader {
        let state = Arc::new(Mutex::new(State {
            user: user.into(),
            password: password.into(),
            ..State::default()
        }));
        let port = api::serve(state.clone(), respond);
        GReader { port, state }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}{PREFIX}", self.port)
    }

    pub fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Adds `n` items to `feed` with the next free ids, crawled at `crawled`.
    pub fn add_items(&self, feed: &str, n: usize, crawled: i64) -> Vec<u64> {
        let mut s = self.state();
        let first = s.items.keys().next_back().map_or(1, |k| k + 1);
        let ids: Vec<u64> = (first..first + n as u64).collect();
        for &id in &ids {
            let item = Item {
                feed: feed.to_string(),
                title: format!("Item {id}"),
                html: format!("<p>Body of item {id}, a story about the valley.</p>"),
                published: 1_700_000_000 + id as i64,
                crawled,
            };
            s.items.insert(id, item);
        }
        ids
    }

    /// Requests whose path starts with `path` (after the API prefix).
    pub fn requests(&self, path: &str) -> Vec<Request> {
        self.state()
            .log
            .iter()
            .filter(|r| r.target.starts_with(path))
            .cloned()
            .collect()
    }
}

pub fn long_id(id: u64) -> String {
    format!("tag:google.com,2005:reader/item/{id:016x}")
}

fn respond(state: &Mutex<State>, mut r: ApiRequest) -> Answer {
    if let Some(rest) = r.target.strip_prefix(PREFIX) {
        r.target = rest.to_string();
    }
    let (status, content_type, body) = answer(state, r);
    Answer::new(status, content_type, body)
}

/// Item ids of a form, in either form (decimal, or the long form's hex).
fn form_ids(form: &[(String, String)]) -> Vec<u64> {
    form.iter()
        .filter(|(k, _)| k == "i")
        .filter_map(|(_, v)| {
            v.parse::<u64>()
                .ok()
                .or_else(|| u64::from_str_radix(v.rsplit('/').next().unwrap_or(""), 16).ok())
        })
        .collect()
}

fn answer(state: &Mutex<State>, r: Request) -> (u16, &'static str, String) {
    let mut s = state.lock().unwrap();
    s.log.push(r.clone());
    let header = |name: &str| {
        r.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    if let Some((id, key)) = s.app.clone() {
        if header("appid") != Some(id) || header("appkey") != Some(key) {
            return (403, "text/plain", "AppId required".into());
        }
    }
    let field = |name: &str| {
        r.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let (path, query) = r.target.split_once('?').unwrap_or((&r.target, ""));
    let query = api::pairs(query);
    let arg = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    if path == "/accounts/ClientLogin" {
        if field("Email").as_deref() == Some(s.user.as_str())
            && field("Passwd").as_deref() == Some(s.password.as_str())
        {
            s.logins += 1;
            let token = format!("auth-{}", s.logins);
            return (
                200,
                "text/plain",
                format!("SID={token}\nLSID=null\nAuth={token}\n"),
            );
        }
        return (401, "text/plain", "Error=BadAuthentication\n".into());
    }
    // Authenticated by the header only, as Miniflux requires.
    let valid = format!("GoogleLogin auth=auth-{}", s.logins);
    if s.logins == 0 || header("authorization") != Some(valid) {
        return (401, "text/plain", "Unauthorized".into());
    }
    if s.expire_next {
        s.expire_next = false;
        s.logins += 1; // the old token is no longer valid; the next login gets a new one
        return (401, "text/plain", "Unauthorized".into());
    }
    match path {
        "/reader/api/0/token" => (200, "text/plain", format!("{}\n", write_token(s.logins))),
        "/reader/api/0/subscription/list" => {
            let subs: Vec<Value> = s
                .feeds
                .iter()
                .map(|(id, (title, labels))| {
                    json!({
                        "id": id, "title": title, "url": format!("http://127.0.0.1/{id}"),
                        "htmlUrl": "http://127.0.0.1/",
                        "categories": labels.iter().map(|l| json!({"id": format!("user/-/label/{l}"), "label": l})).collect::<Vec<_>>(),
                    })
                })
                .collect();
            (
                200,
                "application/json",
                json!({ "subscriptions": subs }).to_string(),
            )
        }
        "/reader/api/0/stream/items/ids" => {
            let stream = arg("s").unwrap_or_default();
            let exclude_read = arg("xt").as_deref() == Some("user/-/state/com.google/read");
            let n: usize = arg("n").and_then(|n| n.parse().ok()).unwrap_or(20);
            let from: usize = if s.loop_pages {
                0
            } else {
                arg("c").and_then(|c| c.parse().ok()).unwrap_or(0)
            };
            let ot: i64 = arg("ot").and_then(|t| t.parse().ok()).unwrap_or(0);
            let ids: Vec<u64> = s
                .items
                .iter()
                .rev()
                .filter(|(id, it)| {
                    let in_stream = match stream.as_str() {
                        "user/-/state/com.google/starred" => s.starred.contains(id),
                        _ => true,
                    };
                    in_stream && !(exclude_read && s.read.contains(id)) && it.crawled >= ot
                })
                .map(|(id, _)| *id)
                .collect();
            let page: Vec<Value> = ids
                .iter()
                .skip(from)
                .take(n)
                .map(|id| {
                    let shown = if s.long_refs {
                        long_id(*id)
                    } else {
                        id.to_string()
                    };
                    json!({"id": shown, "directStreamIds": [], "timestampUsec": "0"})
                })
                .collect();
            let mut out = json!({ "itemRefs": page });
            if from + n < ids.len() || s.loop_pages {
                out["continuation"] = json!((from + n).to_string());
            }
            (200, "application/json", out.to_string())
        }
        "/reader/api/0/stream/items/contents" => {
            let items: Vec<Value> = form_ids(&r.form)
                .into_iter()
                .filter_map(|id| s.items.get(&id).map(|it| (id, it)))
                .map(|(id, it)| {
                    let mut categories = vec![json!("user/-/state/com.google/reading-list")];
                    if s.read.contains(&id) {
                        categories.push(json!("user/-/state/com.google/read"));
                    }
                    json!({
                        "id": long_id(id), "title": it.title, "published": it.published,
                        "crawlTimeMsec": (it.crawled * 1000).to_string(),
                        "canonical": [{"href": format!("http://127.0.0.1/item/{id}")}],
                        "summary": {"content": it.html}, "author": "",
                        "origin": {"streamId": it.feed, "title": "", "htmlUrl": ""},
                        "categories": categories,
                    })
                })
                .collect();
            (
                200,
                "application/json",
                json!({ "items": items }).to_string(),
            )
        }
        "/reader/api/0/edit-tag" if s.expire_on_edit => {
            s.expire_on_edit = false;
            s.logins += 1;
            (401, "text/plain", "Unauthorized".into())
        }
        "/reader/api/0/edit-tag" => {
            if field("T") != Some(write_token(s.logins)) {
                return (401, "text/plain", "Unauthorized".into());
            }
            let ids = form_ids(&r.form);
            for (verb, tag) in r.form.iter().filter(|(k, _)| k == "a" || k == "r") {
                let set = match tag.as_str() {
                    "user/-/state/com.google/read" => &mut s.read,
                    "user/-/state/com.google/starred" => &mut s.starred,
                    _ => continue,
                };
                for id in &ids {
                    if verb == "a" {
                        set.insert(*id);
                    } else {
                        set.remove(id);
                    }
                }
            }
            (200, "text/plain", "OK".into())
        }
        "/reader/api/0/subscription/edit" => {
            if field("T") != Some(write_token(s.logins)) {
                return (401, "text/plain", "Unauthorized".into());
            }
            let (Some(ac), Some(feed)) = (field("ac"), field("s")) else {
                return (400, "text/plain", "ac and s".into());
            };
            let labels = |verb: &str| -> Vec<String> {
                r.form
                    .iter()
                    .filter(|(k, _)| k == verb)
                    .filter_map(|(_, v)| v.strip_prefix("user/-/label/").map(str::to_string))
                    .collect()
            };
            match ac.as_str() {
                "subscribe" => {
                    let title = field("t").unwrap_or_else(|| feed.clone());
                    s.feeds.insert(feed, (title, labels("a")));
                }
                "unsubscribe" => {
                    if s.feeds.remove(&feed).is_none() {
                        return (404, "text/plain", String::new());
                    }
                }
                "edit" => {
                    let Some(entry) = s.feeds.get_mut(&feed) else {
                        return (404, "text/plain", String::new());
                    };
                    if let Some(t) = field("t") {
                        entry.0 = t;
                    }
                    let gone = labels("r");
                    entry.1.retain(|l| !gone.contains(l));
                    entry.1.extend(labels("a"));
                }
                _ => return (400, "text/plain", "ac".into()),
            }
            (200, "text/plain", "OK".into())
        }
        _ => (404, "text/plain", String::new()),
    }
}
