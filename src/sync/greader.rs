//! The Google Reader API, as FreshRSS (`https://HOST/api/greader.php`), Miniflux
//! (`https://HOST`), Inoreader, The Old Reader and BazQux serve it: `ClientLogin` gives an
//! auth token sent as `Authorization: GoogleLogin auth=…` (only in the header: Miniflux takes
//! nothing else); edits carry a write token `T` as a form value; item ids come in the long
//! form (`tag:google.com,2005:reader/item/` and 16 hex digits) and the short one (decimal),
//! stored here in the short one; long lists come in pages with a `continuation`.
//!
//! A 401 means the auth token expired: the client logs in again once, then gives up.

use std::collections::{BTreeSet, HashMap, HashSet};

use futures_util::stream::{self, StreamExt};
use serde_json::Value;
use tokio::sync::Mutex;

use super::{key, one_line, text, Account, SyncError, SyncOptions, SyncReport};
use crate::model::ParsedItem;
use crate::store::{Field, QueuedChange, RemoteFeed, Store};

const READING_LIST: &str = "user/-/state/com.google/reading-list";
const READ: &str = "user/-/state/com.google/read";
const STARRED: &str = "user/-/state/com.google/starred";
/// Ids per page of an id stream, and items per contents request.
const PAGE: usize = 1000;
const BATCH: usize = 250;
/// Item ids per edit-tag request.
const EDIT_BATCH: usize = 100;

struct GReader {
    peer: super::Peer,
    base: String,
    password: super::Secret,
    app: Option<(String, super::Secret)>,
    /// The auth token, renewed once on a 401.
    auth: Mutex<Option<String>>,
    write_token: Mutex<Option<String>>,
}

enum Body<'a> {
    None,
    Form(&'a [(&'a str, String)]),
}

pub(super) async fn sync(
    store: &mut Store,
    account: &Account,
    o: &SyncOptions,
) -> Result<SyncReport, SyncError> {
    let api = GReader::new(account, o)?;
    let name = account.name();
    let mut report = SyncReport::default();
    api.login().await?;

    let queued = store.queued_changes(&name)?;
    report.sent = api.replay(store, &queued).await?;

    let subscriptions = api.get("subscription/list?output=json").await?;
    let remote = remote_feeds(&subscriptions).map_err(|d| api.protocol(d))?;
    let feed_ids = store.set_remote_feeds(&name, &remote)?;
    report.feeds = remote.len();

    // New items: ids of everything newer than the last sync (the server's crawl time, with
    // an hour's margin for clocks), then the contents of those not in the cache.
    let started = super::now();
    let since_key = key(account, "since");
    let since: Option<i64> = store.setting(&since_key)?.and_then(|v| v.parse().ok());
    let mut wanted: BTreeSet<String> = BTreeSet::new();
    if let Some(since) = since {
        let ot = (since - 3600).max(0);
        wanted.extend(api.ids(READING_LIST, None, Some(ot)).await?);
    }
    let unread: HashSet<String> = api.ids(READING_LIST, Some(READ), None).await?;
    let starred: HashSet<String> = api.ids(STARRED, None, None).await?;
    let known = store.remote_item_ids(&name)?;
    wanted.extend(unread.iter().cloned());
    wanted.extend(starred.iter().cloned());
    let missing: Vec<String> = wanted.into_iter().filter(|i| !known.contains(i)).collect();
    let batches: Vec<&[String]> = missing.chunks(BATCH).collect();
    let pages = stream::iter(batches.into_iter().map(|b| api.contents(b)))
        .buffer_unordered(o.concurrency.clamp(1, 4));
    report.new_items += super::write_pages(store, &feed_ids, pages).await?;
    store.set_setting(&since_key, &started.to_string())?;

    let (reads, stars) = store.apply_remote_state(&name, &unread, &starred)?;
    report.read_changes = reads;
    report.star_changes = stars;
    Ok(report)
}

/// `subscription/edit`: subscribe, unsubscribe, rename, or move between labels. `feed`
/// is the server's id of the feed and its current labels, for all but a subscribe.
pub(super) async fn edit_subscription(
    account: &Account,
    o: &SyncOptions,
    edit: &super::SubscriptionEdit,
    feed: Option<(String, Vec<String>)>,
) -> Result<(), SyncError> {
    use super::SubscriptionEdit as E;
    let api = GReader::new(account, o)?;
    api.login().await?;
    let label = |l: &str| format!("user/-/label/{l}");
    let (id, labels) = feed.unwrap_or_default();
    let mut form: Vec<(&str, String)> = Vec::new();
    match edit {
        E::Add { url, title, tag } => {
            form.push(("ac", "subscribe".into()));
            form.push(("s", format!("feed/{url}")));
            if let Some(t) = title {
                form.push(("t", t.clone()));
            }
            if let Some(t) = tag {
                form.push(("a", label(t)));
            }
        }
        E::Remove { .. } => {
            form.push(("ac", "unsubscribe".into()));
            form.push(("s", id));
        }
        E::Rename { title, .. } => {
            form.push(("ac", "edit".into()));
            form.push(("s", id));
            form.push(("t", title.clone()));
        }
        E::Move { tag, .. } => {
            form.push(("ac", "edit".into()));
            form.push(("s", id));
            for old in labels.iter().filter(|l| *l != tag) {
                form.push(("r", label(old)));
            }
            form.push(("a", label(tag)));
        }
    }
    api.edit("subscription/edit", &form).await
}

/// An item id in the short (decimal) form, from either form.
pub fn short_id(id: &str) -> Option<String> {
    let id = id.trim();
    if let Some(hex) = id.strip_prefix("tag:google.com,2005:reader/item/") {
        return u64::from_str_radix(hex, 16)
            .ok()
            .map(|n| (n as i64).to_string());
    }
    // Some servers send signed 64-bit ids: kept as they are written.
    id.parse::<i64>().ok().map(|n| n.to_string())
}

impl GReader {
    fn new(account: &Account, o: &SyncOptions) -> Result<GReader, SyncError> {
        Ok(GReader {
            peer: super::Peer::new(account, o, "Google Reader")?,
            base: account.url.trim_end_matches('/').to_string(),
            password: account.password.clone(),
            app: account.app.clone(),
            auth: Mutex::new(None),
            write_token: Mutex::new(None),
        })
    }

    fn protocol(&self, detail: String) -> SyncError {
        self.peer.protocol_error(detail)
    }

    async fn login(&self) -> Result<(), SyncError> {
        let form = [
            ("Email", self.peer.username.clone()),
            ("Passwd", self.password.expose().to_string()),
        ];
        let (status, body) = self
            .send(
                reqwest::Method::POST,
                "accounts/ClientLogin",
                Body::Form(&form),
                None,
            )
            .await?;
        self.peer.accept(status)?;
        let text = String::from_utf8_lossy(&body);
        let token = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("Auth="))
            .filter(|t| !t.is_empty())
            .ok_or_else(|| self.protocol("ClientLogin gave no Auth token".into()))?;
        *self.auth.lock().await = Some(token.to_string());
        *self.write_token.lock().await = None;
        Ok(())
    }

    /// One request; the status and the body (capped), or why it could not be made.
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Body<'_>,
        auth: Option<&str>,
    ) -> Result<(u16, Vec<u8>), SyncError> {
        let url = format!("{}/{path}", self.base);
        let mut request = self.peer.client.request(method, &url);
        if let Some((id, key)) = &self.app {
            request = request
                .header("AppId", id.as_str())
                .header("AppKey", key.expose());
        }
        if let Some(token) = auth {
            request = request.header("Authorization", format!("GoogleLogin auth={token}"));
        }
        if let Body::Form(form) = body {
            request = request.form(form);
        }
        self.peer.answer(request).await
    }

    /// An authenticated request; on a 401 logs in again once and repeats it.
    async fn authed(
        &self,
        method: reqwest::Method,
        path: &str,
        form: Option<&[(&str, String)]>,
    ) -> Result<Vec<u8>, SyncError> {
        for attempt in 0..2 {
            let token = self.auth.lock().await.clone();
            let body = form.map_or(Body::None, Body::Form);
            let (status, bytes) = self
                .send(method.clone(), path, body, token.as_deref())
                .await?;
            if status == 401 && attempt == 0 {
                self.login().await?;
                continue;
            }
            self.peer.accept(status)?;
            return Ok(bytes);
        }
        Err(self.peer.login_refused())
    }

    async fn get(&self, path: &str) -> Result<Value, SyncError> {
        let bytes = self
            .authed(reqwest::Method::GET, &format!("reader/api/0/{path}"), None)
            .await?;
        serde_json::from_slice(&bytes)
            .map_err(|e| self.protocol(format!("not JSON ({e}); is the url the API's base?")))
    }

    /// The write token for edits, fetched once per sync (again after a new login).
    async fn write_token(&self) -> Result<String, SyncError> {
        if let Some(t) = self.write_token.lock().await.clone() {
            return Ok(t);
        }
        let bytes = self
            .authed(reqwest::Method::GET, "reader/api/0/token", None)
            .await?;
        let token = String::from_utf8_lossy(&bytes).trim().to_string();
        if token.is_empty() {
            return Err(self.protocol("an empty write token".into()));
        }
        *self.write_token.lock().await = Some(token.clone());
        Ok(token)
    }

    /// A POST that edits, with the write token. A token the server refuses (400, or 401
    /// even after a new login: a login can make the old write token stale) is fetched
    /// again once.
    async fn edit(&self, path: &str, form: &[(&str, String)]) -> Result<(), SyncError> {
        for attempt in 0..2 {
            let mut fields: Vec<(&str, String)> = form.to_vec();
            fields.push(("T", self.write_token().await?));
            let result = self
                .authed(
                    reqwest::Method::POST,
                    &format!("reader/api/0/{path}"),
                    Some(&fields),
                )
                .await;
            match result {
                Err(SyncError::Status { status: 400, .. } | SyncError::Login { .. })
                    if attempt == 0 =>
                {
                    *self.write_token.lock().await = None;
                }
                other => return other.map(|_| ()),
            }
        }
        Ok(())
    }

    /// Every id of a stream, page by page: `exclude` a state, or only items newer than
    /// `newer_than` (Unix seconds).
    async fn ids(
        &self,
        stream_id: &str,
        exclude: Option<&str>,
        newer_than: Option<i64>,
    ) -> Result<HashSet<String>, SyncError> {
        let mut out = HashSet::new();
        let mut continuation: Option<String> = None;
        loop {
            let mut query = format!(
                "stream/items/ids?output=json&n={PAGE}&s={}",
                encode(stream_id)
            );
            if let Some(x) = exclude {
                query.push_str(&format!("&xt={}", encode(x)));
            }
            if let Some(t) = newer_than {
                query.push_str(&format!("&ot={t}"));
            }
            if let Some(c) = &continuation {
                query.push_str(&format!("&c={}", encode(c)));
            }
            let page = self.get(&query).await?;
            let refs = page
                .get("itemRefs")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let before = out.len();
            out.extend(
                refs.iter()
                    .filter_map(|r| text(r.get("id")))
                    .filter_map(|i| short_id(&i)),
            );
            continuation = text(page.get("continuation")).filter(|c| !c.is_empty());
            // A server repeating a page would page forever: stop when nothing is new.
            if continuation.is_none() || out.len() == before {
                return Ok(out);
            }
        }
    }

    /// Items by id: (the server's feed id, the item).
    async fn contents(&self, ids: &[String]) -> Result<Vec<(String, ParsedItem)>, SyncError> {
        let form: Vec<(&str, String)> = ids.iter().map(|i| ("i", i.clone())).collect();
        let bytes = self
            .authed(
                reqwest::Method::POST,
                "reader/api/0/stream/items/contents?output=json",
                Some(&form),
            )
            .await?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| self.protocol(format!("item contents are not JSON ({e})")))?;
        let items = value
            .get("items")
            .and_then(Value::as_array)
            .ok_or_else(|| self.protocol("no `items` in the item contents".into()))?;
        Ok(items.iter().filter_map(item).collect())
    }

    /// Sends queued changes (the last of each item and field), many items per edit-tag.
    /// Changes the server took leave the queue; the first failure stops with the rest kept.
    async fn replay(&self, store: &Store, queued: &[QueuedChange]) -> Result<usize, SyncError> {
        // Grouped by what is asked: (tag, add or remove) → changes.
        let mut groups: HashMap<(&str, bool), Vec<super::Latest>> = HashMap::new();
        for change in super::latest(queued) {
            let tag = match change.field {
                Field::Read => READ,
                Field::Starred => STARRED,
            };
            groups.entry((tag, change.value)).or_default().push(change);
        }
        let mut sent = 0;
        for ((tag, add), items) in groups {
            for chunk in items.chunks(EDIT_BATCH) {
                let mut form: Vec<(&str, String)> =
                    chunk.iter().map(|c| ("i", c.item.to_string())).collect();
                form.push((if add { "a" } else { "r" }, tag.to_string()));
                self.edit("edit-tag", &form).await?;
                let seqs: Vec<i64> = chunk.iter().flat_map(|c| c.seqs.iter().copied()).collect();
                store.forget_changes(&seqs)?;
                sent += chunk.len();
            }
        }
        Ok(sent)
    }
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The subscriptions with their categories (labels) as tags.
fn remote_feeds(list: &Value) -> Result<Vec<RemoteFeed>, String> {
    let subs = list
        .get("subscriptions")
        .and_then(Value::as_array)
        .ok_or("no `subscriptions` list")?;
    let mut seen = HashSet::new();
    Ok(subs
        .iter()
        .filter_map(|s| {
            let tags = s
                .get("categories")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|c| {
                    text(c.get("label")).or_else(|| {
                        text(c.get("id"))
                            .and_then(|i| i.rsplit_once("/label/").map(|(_, l)| l.to_string()))
                    })
                })
                .map(|l| one_line(&l))
                .collect();
            seen.insert(text(s.get("id"))?)
                .then(|| super::listed_feed(s, tags))?
        })
        .collect())
}

/// One item of a contents answer: its feed (`origin.streamId`) and the item.
fn item(v: &Value) -> Option<(String, ParsedItem)> {
    let id = short_id(&text(v.get("id"))?)?;
    let feed = text(v.get("origin")?.get("streamId"))?;
    let content = v
        .get("content")
        .or_else(|| v.get("summary"))
        .and_then(|c| text(c.get("content")))
        .unwrap_or_default();
    let link = ["canonical", "alternate"]
        .iter()
        .filter_map(|k| v.get(*k).and_then(Value::as_array))
        .flatten()
        .find_map(|l| text(l.get("href")));
    let published = v
        .get("published")
        .and_then(|p| p.as_i64().or_else(|| p.as_str()?.parse().ok()));
    let mut item = super::synced_item(
        id,
        text(v.get("title")),
        link,
        text(v.get("author")),
        published,
        content,
    );
    // Podcast episodes and other files: `enclosure` (FreshRSS, Inoreader, Miniflux).
    item.media = crate::feed::parse::media_list(
        v.get("enclosure")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| {
                let bytes = e
                    .get("length")
                    .and_then(|l| l.as_u64().or_else(|| l.as_str()?.parse().ok()));
                Some((text(e.get("href"))?, text(e.get("type")), bytes))
            }),
    );
    Some((feed, item))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_items_enclosures_become_its_files() {
        let v: Value = serde_json::from_str(
            r#"{"id":"tag:google.com,2005:reader/item/000000000000002a","title":"Episode",
                "origin":{"streamId":"feed/1"},"canonical":[{"href":"https://example.org/ep"}],
                "enclosure":[{"href":"https://cdn.example/ep.mp3","type":"audio/mpeg","length":"1200"},
                             {"href":"ftp://cdn.example/ep.mp3"},{"type":"audio/ogg"}]}"#,
        )
        .unwrap();
        let (feed, item) = item(&v).unwrap();
        assert_eq!(feed, "feed/1");
        assert_eq!(
            item.media,
            [crate::model::Media {
                url: "https://cdn.example/ep.mp3".into(),
                mime: Some("audio/mpeg".into()),
                bytes: Some(1200),
            }]
        );
    }

    #[test]
    fn long_and_short_item_ids_are_one_id() {
        assert_eq!(
            short_id("tag:google.com,2005:reader/item/000000000000001f").as_deref(),
            Some("31")
        );
        assert_eq!(short_id("31").as_deref(), Some("31"));
        // Above i64::MAX in hex: the signed decimal form servers send for it.
        assert_eq!(
            short_id("tag:google.com,2005:reader/item/ffffffffffffffff").as_deref(),
            Some("-1")
        );
        assert_eq!(short_id("not an id"), None);
    }

    #[test]
    fn subscriptions_carry_their_labels_as_tags() {
        let v: Value = serde_json::from_str(
            r#"{"subscriptions":[{"id":"feed/1","title":"A &amp; B","categories":[{"id":"user/-/label/Tech","label":"Tech"},{"id":"user/1/label/News"}],"url":"http://a/"}]}"#,
        )
        .unwrap();
        let feeds = remote_feeds(&v).unwrap();
        assert_eq!(feeds[0].title, "A & B");
        assert_eq!(feeds[0].tags, vec!["News", "Tech"]);
    }
}
