//! The Fever API, as FreshRSS, Miniflux, TT-RSS (plugin), yarr and coldsweat serve it:
//! every call is a POST to `URL?api&COMMAND` whose form carries `api_key`, the MD5 of
//! `username:password`; every answer is JSON with `auth` (1 when the key was taken).
//!
//! Servers differ in small ways this client allows for: ids and flags as numbers or as
//! strings, `feeds_groups` only beside `groups` or beside both, items in any order.

use std::collections::{BTreeSet, HashMap, HashSet};

use futures_util::stream::{self, StreamExt};
use md5::{Digest, Md5};
use serde_json::Value;

use super::{id_list, key, one_line, text, Account, SyncError, SyncOptions, SyncReport};
use crate::model::ParsedItem;
use crate::store::{Field, QueuedChange, RemoteFeed, Store};

/// Items per `with_ids` request: the most the API gives at once.
const BATCH: usize = 50;

struct Fever {
    peer: super::Peer,
    endpoint: String,
    api_key: String,
}

pub(super) async fn sync(
    store: &mut Store,
    account: &Account,
    o: &SyncOptions,
) -> Result<SyncReport, SyncError> {
    let api = Fever::new(account, o)?;
    let name = account.name();
    let mut report = SyncReport::default();
    // Logs in (Fever has no session: the key travels with every call) before anything else.
    api.call("", &[]).await?;

    let queued = store.queued_changes(&name)?;
    report.sent = api.replay(store, &queued).await?;

    let groups = api.call("groups", &[]).await?;
    let feeds = api.call("feeds", &[]).await?;
    let remote = remote_feeds(&groups, &feeds).map_err(|d| api.protocol(d))?;
    let feed_ids = store.set_remote_feeds(&name, &remote)?;
    report.feeds = remote.len();

    // New items: everything above the highest id seen. The first sync skips history and
    // takes what is unread or starred (below), then continues from the highest id. (A
    // server paging newest first would skip read items between pages; unread and starred
    // ones still arrive through their id lists.)
    let since_key = key(account, "since");
    let since: Option<u64> = store.setting(&since_key)?.and_then(|v| v.parse().ok());
    let mut highest = since.unwrap_or(0);
    if let Some(mut from) = since {
        loop {
            let page = api.items(&format!("items&since_id={from}")).await?;
            let top = page.iter().map(|i| i.0).max().unwrap_or(0);
            report.new_items += super::write_items(store, &feed_ids, without_ids(page))?;
            if top <= from {
                break;
            }
            from = top;
            highest = top;
            // Saved per page: an interrupted sync resumes where it stopped.
            store.set_setting(&since_key, &from.to_string())?;
        }
    }

    let unread_answer = api.call("unread_item_ids", &[]).await?;
    let unread = id_list(str_field(&unread_answer, "unread_item_ids"));
    let saved_answer = api.call("saved_item_ids", &[]).await?;
    let saved = id_list(str_field(&saved_answer, "saved_item_ids"));

    // Unread or starred items the cache does not have: the first sync's whole content,
    // and old items someone marked unread or starred elsewhere since.
    let known = store.remote_item_ids(&name)?;
    let missing: Vec<u64> = unread
        .iter()
        .chain(&saved)
        .filter(|id| !known.contains(*id))
        .filter_map(|id| id.parse().ok())
        .collect::<BTreeSet<u64>>()
        .into_iter()
        .collect();
    let batches: Vec<String> = missing
        .chunks(BATCH)
        .map(|c| {
            let ids: Vec<String> = c.iter().map(u64::to_string).collect();
            format!("items&with_ids={}", ids.join(","))
        })
        .collect();
    let pages = stream::iter(batches.iter().map(|q| api.items(q)))
        .buffer_unordered(api_concurrency(o))
        .map(|page| {
            page.map(|page| {
                highest = highest.max(page.iter().map(|i| i.0).max().unwrap_or(0));
                without_ids(page)
            })
        });
    report.new_items += super::write_pages(store, &feed_ids, pages).await?;
    if since.is_none() {
        let listed = unread
            .iter()
            .chain(&saved)
            .filter_map(|i| i.parse::<u64>().ok());
        highest = highest.max(listed.max().unwrap_or(0));
    }
    if highest > since.unwrap_or(0) {
        store.set_setting(&since_key, &highest.to_string())?;
    }

    let (reads, stars) = store.apply_remote_state(&name, &unread, &saved)?;
    report.read_changes = reads;
    report.star_changes = stars;
    Ok(report)
}

fn without_ids(page: Vec<(u64, String, ParsedItem)>) -> Vec<(String, ParsedItem)> {
    page.into_iter()
        .map(|(_, feed, item)| (feed, item))
        .collect()
}

fn api_concurrency(o: &SyncOptions) -> usize {
    o.concurrency.clamp(1, 8)
}

impl Fever {
    fn new(account: &Account, o: &SyncOptions) -> Result<Fever, SyncError> {
        let separator = if account.url.contains('?') { '&' } else { '?' };
        let digest = Md5::digest(format!(
            "{}:{}",
            account.username,
            account.password.expose()
        ));
        Ok(Fever {
            peer: super::Peer::new(account, o, "Fever")?,
            endpoint: format!("{}{separator}api", account.url),
            api_key: digest.iter().map(|b| format!("{b:02x}")).collect(),
        })
    }

    fn protocol(&self, detail: String) -> SyncError {
        self.peer.protocol_error(detail)
    }

    /// One API call: `command` is what follows `api&` in the query (`items&since_id=5`).
    async fn call(&self, command: &str, form: &[(&str, &str)]) -> Result<Value, SyncError> {
        let url = if command.is_empty() {
            self.endpoint.clone()
        } else {
            format!("{}&{command}", self.endpoint)
        };
        let mut fields: Vec<(&str, &str)> = vec![("api_key", &self.api_key)];
        fields.extend_from_slice(form);
        let (status, body) = self
            .peer
            .answer(self.peer.client.post(&url).form(&fields))
            .await?;
        self.peer.accept(status)?;
        let value: Value = serde_json::from_slice(&body).map_err(|e| {
            self.protocol(format!("not JSON ({e}); is the url the Fever endpoint?"))
        })?;
        if number(value.get("auth")) != Some(1) {
            return Err(self.peer.login_refused());
        }
        Ok(value)
    }

    /// A page of items: (id, feed id, item).
    async fn items(&self, command: &str) -> Result<Vec<(u64, String, ParsedItem)>, SyncError> {
        let answer = self.call(command, &[]).await?;
        let Some(items) = answer.get("items") else {
            return Ok(Vec::new());
        };
        let items = items
            .as_array()
            .ok_or_else(|| self.protocol("`items` is not a list".into()))?;
        Ok(items.iter().filter_map(item).collect())
    }

    /// Sends queued changes, the last of each item and field only. Changes the server
    /// took, or refused because it no longer has the item, leave the queue; the first
    /// other failure stops the sync with the rest kept.
    async fn replay(&self, store: &Store, queued: &[QueuedChange]) -> Result<usize, SyncError> {
        let changes = super::latest(queued);
        let sends = changes.iter().map(|c| {
            let verdict = match (c.field, c.value) {
                (Field::Read, true) => "read",
                (Field::Read, false) => "unread",
                (Field::Starred, true) => "saved",
                (Field::Starred, false) => "unsaved",
            };
            async move {
                let r = self
                    .call("mark", &[("mark", "item"), ("as", verdict), ("id", c.item)])
                    .await;
                (&c.seqs, r)
            }
        });
        let mut results = stream::iter(sends).buffer_unordered(8);
        let (mut done, mut sent, mut failure) = (Vec::new(), 0, None);
        while let Some((seqs, r)) = results.next().await {
            match r {
                Ok(_) => {
                    sent += 1;
                    done.extend_from_slice(seqs);
                }
                // The server no longer has the item: nothing left to tell it.
                Err(SyncError::Status { status, .. }) if status == 404 || status == 400 => {
                    done.extend_from_slice(seqs)
                }
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
        store.forget_changes(&done)?;
        match failure {
            Some(e) => Err(e),
            None => Ok(sent),
        }
    }
}

fn number(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

fn str_field<'a>(v: &'a Value, name: &str) -> &'a str {
    v.get(name).and_then(Value::as_str).unwrap_or("")
}

/// The server's feeds with the titles of their groups as tags.
fn remote_feeds(groups: &Value, feeds: &Value) -> Result<Vec<RemoteFeed>, String> {
    let titles: HashMap<String, String> = groups
        .get("groups")
        .and_then(Value::as_array)
        .map(|g| {
            g.iter()
                .filter_map(|g| Some((text(g.get("id"))?, text(g.get("title"))?)))
                .collect()
        })
        .unwrap_or_default();
    let mut tags: HashMap<String, Vec<String>> = HashMap::new();
    let memberships = feeds
        .get("feeds_groups")
        .or_else(|| groups.get("feeds_groups"))
        .and_then(Value::as_array);
    for m in memberships.into_iter().flatten() {
        let (Some(group), Some(ids)) = (text(m.get("group_id")), text(m.get("feed_ids"))) else {
            continue;
        };
        if let Some(title) = titles.get(&group) {
            for id in id_list(&ids) {
                tags.entry(id).or_default().push(one_line(title));
            }
        }
    }
    let list = feeds
        .get("feeds")
        .and_then(Value::as_array)
        .ok_or("no `feeds` list")?;
    let mut seen = HashSet::new();
    Ok(list
        .iter()
        .filter_map(|f| {
            let id = text(f.get("id"))?;
            let tags = tags.remove(&id).unwrap_or_default();
            seen.insert(id).then(|| super::listed_feed(f, tags))?
        })
        .collect())
}

/// One Fever item as the cache stores items; `None` when it has no id or feed.
fn item(v: &Value) -> Option<(u64, String, ParsedItem)> {
    let id = u64::try_from(number(v.get("id"))?).ok()?;
    let feed = text(v.get("feed_id"))?;
    let item = super::synced_item(
        id.to_string(),
        text(v.get("title")),
        text(v.get("url")),
        text(v.get("author")),
        number(v.get("created_on_time")),
        text(v.get("html")).unwrap_or_default(),
    );
    Some((id, feed, item))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_flags_may_be_numbers_or_strings() {
        let v: Value = serde_json::from_str(
            r#"{"id":"7","feed_id":3,"title":"A &amp; B\u001b[2J","html":"<p>x</p>","url":"","created_on_time":"1700000000"}"#,
        )
        .unwrap();
        let (id, feed, item) = item(&v).unwrap();
        assert_eq!((id, feed.as_str()), (7, "3"));
        assert_eq!(
            item.title, "A & B",
            "entities decoded, the escape sequence gone"
        );
        assert_eq!(item.link, None);
        assert_eq!(item.published, Some(1_700_000_000));
    }

    #[test]
    fn feeds_carry_their_groups_as_tags() {
        let groups: Value = serde_json::from_str(
            r#"{"groups":[{"id":1,"title":"Tech"},{"id":2,"title":"News"}],
                "feeds_groups":[{"group_id":1,"feed_ids":"10,11"},{"group_id":2,"feed_ids":"10"}]}"#,
        )
        .unwrap();
        let feeds: Value = serde_json::from_str(
            r#"{"feeds":[{"id":10,"title":"A","url":"http://a/"},{"id":11,"title":"","url":"http://u:p@b/"}]}"#,
        )
        .unwrap();
        let list = remote_feeds(&groups, &feeds).unwrap();
        assert_eq!(list[0].tags, vec!["News", "Tech"]);
        assert_eq!(list[1].title, "http://***@b/");
    }
}
