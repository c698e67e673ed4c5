//! A Fever API server on 127.0.0.1 for sync tests: the documented protocol (POST
//! `?api&COMMAND`, `api_key` = md5 of `email:password` in the form, JSON answers with
//! `auth`), 50 items per page, and the traffic recorded so tests can assert the wire.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use super::api::{self, Answer, ApiRequest};

#[derive(Debug, Clone)]
pub struct Item {
    pub feed: u64,
    pub title: String,
    pub html: String,
    pub created: i64,
}

#[derive(Debug, Default)]
pub struct State {
    pub api_key: String,
    /// id → (title, group ids)
    pub feeds: BTreeMap<u64, (String, Vec<u64>)>,
    pub groups: BTreeMap<u64, String>,
    pub items: BTreeMap<u64, Item>,
    pub read: BTreeSet<u64>,
    pub saved: BTreeSet<u64>,
    /// Every request: the query string and the form fields.
    pub log: Vec<(String, HashMap<String, String>)>,
    /// Ids and flags sent as strings, as some servers do.
    pub strings: bool,
    /// Answer every request with this status and a Retry-After of 120 s.
    pub status: Option<u16>,
    /// Ignore `since_id` and send the first items every time (a broken server).
    pub ignore_since: bool,
    /// Answer every request with a 301 to this address.
    pub moved_to: Option<String>,
    /// Pad every answer with this many spaces (JSON allows them).
    pub padding: usize,
    /// Answer a `with_ids` request that asks for this item with a 500.
    pub fail_with_item: Option<u64>,
}

pub struct Fever {
    pub port: u16,
    pub state: Arc<Mutex<State>>,
}

pub fn api_key(user: &str, password: &str) -> String {
    use md5::{Digest, Md5};
    Md5::digest(format!("{user}:{password}"))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Fever {
    pub fn start(user: &str, password: &str) -> Fever {
        let state = Arc::new(Mutex::new(State {
            api_key: api_key(user, password),
            ..State::default()
        }));
        let port = api::serve(state.clone(), respond);
        Fever { port, state }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/api/fever.php", self.port)
    }

    pub fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Adds `n` items to `feed` with the next free ids; returns their ids.
    pub fn add_items(&self, feed: u64, n: usize) -> Vec<u64> {
        let mut s = self.state();
        let first = s.items.keys().next_back().map_or(1, |k| k + 1);
        let ids: Vec<u64> = (first..first + n as u64).collect();
        for &id in &ids {
            let item = Item {
                feed,
                title: format!("Item {id}"),
                html: format!("<p>Body of item {id}, a story about the harbour.</p>"),
                created: 1_700_000_000 + id as i64,
            };
            s.items.insert(id, item);
        }
        ids
    }

    /// Query strings of the requests so far that asked for `command`.
    pub fn calls(&self, command: &str) -> Vec<String> {
        self.state()
            .log
            .iter()
            .filter(|(q, f)| {
                q.split('&').any(|p| p.split('=').next() == Some(command))
                    || f.contains_key(command)
            })
            .map(|(q, _)| q.clone())
            .collect()
    }

    /// The `mark` requests so far: (as, id).
    pub fn marks(&self) -> Vec<(String, String)> {
        self.state()
            .log
            .iter()
            .filter(|(_, f)| f.get("mark").is_some_and(|m| m == "item"))
            .map(|(_, f)| (f["as"].clone(), f["id"].clone()))
            .collect()
    }
}

/// The answer, then what the server's quirks do to it: moved away, padded, rate limited.
fn respond(state: &Mutex<State>, r: ApiRequest) -> Answer {
    let query = r.target.split_once('?').map_or("", |(_, q)| q);
    let form: HashMap<String, String> = r.form.into_iter().collect();
    let (status, mut body) = answer(state, query, form);
    let s = state.lock().unwrap();
    body.push_str(&" ".repeat(s.padding));
    let mut a = Answer::new(status, "application/json", body);
    if let Some(to) = &s.moved_to {
        a.status = 301;
        a.headers.push(("Location".into(), to.clone()));
    } else if status != 200 {
        a.headers.push(("Retry-After".into(), "120".into()));
    }
    a
}

fn answer(state: &Mutex<State>, query: &str, form: HashMap<String, String>) -> (u16, String) {
    use serde_json::{json, Value};
    let mut s = state.lock().unwrap();
    s.log.push((query.to_string(), form.clone()));
    if let Some(code) = s.status {
        return (code, String::new());
    }
    let args: HashMap<String, String> = api::pairs(query).into_iter().collect();
    if let (Some(bad), Some(ids)) = (s.fail_with_item, args.get("with_ids")) {
        if ids.split(',').any(|i| i == bad.to_string()) {
            return (500, String::new());
        }
    }
    if !args.contains_key("api") {
        return (400, String::new());
    }
    let mut out = json!({"api_version": 3, "auth": 0});
    if form.get("api_key") != Some(&s.api_key) {
        return (200, out.to_string());
    }
    out["auth"] = json!(1);
    let strings = s.strings;
    let id = |n: u64| -> Value {
        if strings {
            json!(n.to_string())
        } else {
            json!(n)
        }
    };
    let feeds_groups = |s: &State| -> Value {
        let mut by_group: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        for (f, (_, groups)) in &s.feeds {
            for g in groups {
                by_group.entry(*g).or_default().push(f.to_string());
            }
        }
        Value::Array(
            by_group
                .into_iter()
                .map(|(g, f)| json!({"group_id": id(g), "feed_ids": f.join(",")}))
                .collect(),
        )
    };
    let render = |s: &State, ids: &mut dyn Iterator<Item = u64>| -> Value {
        Value::Array(
            ids.filter_map(|i| s.items.get(&i).map(|it| (i, it)))
                .take(50)
                .map(|(i, it)| {
                    json!({
                        "id": id(i), "feed_id": id(it.feed), "title": it.title,
                        "author": "", "html": it.html, "url": format!("http://127.0.0.1/item/{i}"),
                        "is_saved": id(u64::from(s.saved.contains(&i))),
                        "is_read": id(u64::from(s.read.contains(&i))),
                        "created_on_time": it.created,
                    })
                })
                .collect(),
        )
    };
    if args.contains_key("groups") {
        out["groups"] = Value::Array(
            s.groups
                .iter()
                .map(|(g, t)| json!({"id": id(*g), "title": t}))
                .collect(),
        );
        out["feeds_groups"] = feeds_groups(&s);
    }
    if args.contains_key("feeds") {
        out["feeds"] = Value::Array(
            s.feeds
                .iter()
                .map(|(f, (t, _))| {
                    json!({"id": id(*f), "favicon_id": id(*f), "title": t,
                           "url": format!("http://127.0.0.1/feed/{f}"), "site_url": "",
                           "is_spark": 0, "last_updated_on_time": 1_700_000_000})
                })
                .collect(),
        );
        out["feeds_groups"] = feeds_groups(&s);
    }
    if args.contains_key("items") {
        out["total_items"] = json!(s.items.len());
        out["items"] = if let Some(since) = args.get("since_id") {
            let since: u64 = if s.ignore_since {
                0
            } else {
                since.parse().unwrap_or(0)
            };
            render(&s, &mut s.items.keys().copied().filter(|i| *i > since))
        } else if let Some(ids) = args.get("with_ids") {
            let ids: Vec<u64> = ids.split(',').filter_map(|i| i.parse().ok()).collect();
            render(&s, &mut ids.into_iter())
        } else {
            render(&s, &mut s.items.keys().rev().copied())
        };
    }
    if args.contains_key("unread_item_ids") {
        let unread: Vec<String> = s
            .items
            .keys()
            .filter(|i| !s.read.contains(i))
            .map(u64::to_string)
            .collect();
        out["unread_item_ids"] = json!(unread.join(","));
    }
    if args.contains_key("saved_item_ids") {
        let saved: Vec<String> = s.saved.iter().map(u64::to_string).collect();
        out["saved_item_ids"] = json!(saved.join(","));
    }
    if form.get("mark").map(String::as_str) == Some("item") {
        let Some(item) = form.get("id").and_then(|i| i.parse::<u64>().ok()) else {
            return (400, String::new());
        };
        if !s.items.contains_key(&item) {
            return (404, String::new());
        }
        match form.get("as").map(String::as_str) {
            Some("read") => {
                s.read.insert(item);
            }
            Some("unread") => {
                s.read.remove(&item);
            }
            Some("saved") => {
                s.saved.insert(item);
            }
            Some("unsaved") => {
                s.saved.remove(&item);
            }
            _ => return (400, String::new()),
        }
    }
    (200, out.to_string())
}
