//! Feed bytes → normalised items. feed-rs does the parsing; this module decodes first and
//! repairs what feed-rs rejects but real feeds use. It never panics: a panic inside the
//! parser is caught and becomes an error with a one-line reason.
use crate::model::{FeedFormat, ParsedFeed, ParsedItem};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    #[error("empty document")]
    Empty,
    #[error("gzip-compressed bytes, not a feed")]
    Gzip,
    #[error("an HTML page, not a feed{}", .alternate.as_ref().map(|u| format!(" (it names a feed: {u})")).unwrap_or_default())]
    Html { alternate: Option<String> },
    #[error("{0}")]
    Invalid(String),
    #[error("the parser crashed on this document: {0}")]
    Panic(String),
}

/// Parses a feed document. `charset` is the one the HTTP `Content-Type` declared, if any.
pub fn parse(bytes: &[u8], charset: Option<&str>) -> Result<ParsedFeed, ParseError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Err(ParseError::Gzip);
    }
    let text = decode(bytes, charset);
    let text = strip_prolog(&text);
    let body = text.trim_start();
    if body.is_empty() {
        return Err(ParseError::Empty);
    }
    if body.starts_with('{') || body.starts_with('[') {
        return parse_json(body);
    }
    if looks_like_html(body) {
        return Err(ParseError::Html {
            alternate: alternate_link(body),
        });
    }
    parse_xml(add_missing_channel(repair_rss_version(body)))
}

fn parse_xml(mut doc: String) -> Result<ParsedFeed, ParseError> {
    use feed_rs::parser::{ParseErrorKind, ParseFeedError};
    // Each repair costs one retry; a document needs only a handful.
    for _ in 0..8 {
        let repaired = match run_parser(doc.as_bytes()) {
            Err(Some(ParseFeedError::ParseError(ParseErrorKind::UnknownMimeType {
                mime, ..
            }))) => {
                let repaired = repair_type_attr(&doc, &mime);
                if repaired == doc {
                    return Err(ParseError::Invalid(format!(
                        "unsupported content type `{mime}`"
                    )));
                }
                repaired
            }
            // One broken entry must not lose the whole feed: drop that entry and retry.
            Err(Some(
                e @ ParseFeedError::ParseError(ParseErrorKind::MissingContent { position, .. }),
            )) => match without_entry_at(&doc, position as usize) {
                Some(repaired) => repaired,
                None => return Err(ParseError::Invalid(describe(&e))),
            },
            other => return finish(other),
        };
        doc = repaired;
    }
    finish(run_parser(doc.as_bytes()))
}

/// `doc` without the `<entry>` or `<item>` element that contains byte `position`.
fn without_entry_at(doc: &str, position: usize) -> Option<String> {
    let mut position = position.min(doc.len());
    while !doc.is_char_boundary(position) {
        position -= 1;
    }
    let before = &doc[..position];
    let (start, close) = ["<entry", "<item"]
        .iter()
        .zip(["</entry>", "</item>"])
        .filter_map(|(open, close)| before.rfind(open).map(|i| (i, close)))
        .max_by_key(|(i, _)| *i)?;
    let end = start + doc[start..].find(close)? + close.len();
    Some(format!("{}{}", &doc[..start], &doc[end..]))
}

fn parse_json(body: &str) -> Result<ParsedFeed, ParseError> {
    let first = run_parser(body.as_bytes());
    if first.is_ok() {
        return finish(first);
    }
    // JSON Feed repairs: unknown versions, a missing title.
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(body) else {
        return finish(first);
    };
    let Some(obj) = value.as_object_mut() else {
        return Err(ParseError::Invalid(
            "JSON that is not a JSON Feed object".into(),
        ));
    };
    if !obj.contains_key("items") {
        return Err(ParseError::Invalid(
            "JSON without `items`: not a JSON Feed".into(),
        ));
    }
    obj.insert(
        "version".into(),
        serde_json::Value::String("https://jsonfeed.org/version/1.1".into()),
    );
    if !obj.get("title").is_some_and(|t| t.is_string()) {
        obj.insert("title".into(), serde_json::Value::String(String::new()));
    }
    repair_json_feed(obj);
    let repaired = serde_json::to_vec(&value).unwrap_or_default();
    match run_parser(&repaired) {
        Ok(feed) => finish(Ok(feed)),
        Err(_) => finish(first),
    }
}

/// Makes a JSON Feed fit its spec's types so that one odd field cannot reject the feed: a
/// numeric `id` becomes a string (the spec says to coerce it), any other field of the wrong
/// type is dropped, and items that are not objects are skipped.
fn repair_json_feed(feed: &mut serde_json::Map<String, serde_json::Value>) {
    use serde_json::Value;
    fn strings(obj: &mut serde_json::Map<String, Value>, fields: &[&str]) {
        obj.retain(|k, v| !fields.contains(&k.as_str()) || v.is_string());
    }
    fn people(obj: &mut serde_json::Map<String, Value>) {
        let person = |v: &mut Value| {
            v.as_object_mut()
                .map(|p| strings(p, &["name", "url", "avatar"]))
                .is_some()
        };
        if obj.get_mut("author").is_some_and(|a| !person(a)) {
            obj.remove("author");
        }
        match obj.get_mut("authors") {
            Some(Value::Array(list)) => list.retain_mut(person),
            Some(_) => {
                obj.remove("authors");
            }
            None => {}
        }
    }
    strings(
        feed,
        &[
            "home_page_url",
            "feed_url",
            "description",
            "user_comment",
            "next_url",
            "icon",
            "favicon",
            "language",
        ],
    );
    feed.retain(|k, v| match k.as_str() {
        "expired" => v.is_boolean(),
        "hubs" => v.is_array(),
        _ => true,
    });
    people(feed);
    let Some(Value::Array(items)) = feed.get_mut("items") else {
        return;
    };
    items.retain(Value::is_object);
    for item in items.iter_mut().filter_map(Value::as_object_mut) {
        let id = match item.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        item.insert("id".into(), Value::String(id));
        strings(
            item,
            &[
                "url",
                "external_url",
                "title",
                "content_html",
                "content_text",
                "summary",
                "image",
                "banner_image",
                "date_published",
                "date_modified",
                "language",
            ],
        );
        people(item);
        match item.get_mut("tags") {
            Some(Value::Array(tags)) => tags.retain(Value::is_string),
            Some(_) => {
                item.remove("tags");
            }
            None => {}
        }
        match item.get_mut("attachments") {
            Some(Value::Array(list)) => list.retain_mut(|a| {
                let Some(a) = a.as_object_mut() else {
                    return false;
                };
                strings(a, &["url", "mime_type", "title"]);
                a.retain(|k, v| match k.as_str() {
                    "size_in_bytes" | "duration_in_seconds" => v.is_number(),
                    _ => true,
                });
                a.contains_key("url") && a.contains_key("mime_type")
            }),
            Some(_) => {
                item.remove("attachments");
            }
            None => {}
        }
    }
}

type RawResult = Result<feed_rs::model::Feed, Option<feed_rs::parser::ParseFeedError>>;

/// Runs feed-rs with a panic guard. `Err(None)` means it panicked.
fn run_parser(bytes: &[u8]) -> RawResult {
    let result = crate::clean::guard::isolated(|| {
        feed_rs::parser::Builder::new()
            // Empty ids let us apply our own identity rule (guid, link, title + date).
            .id_generator(|_, _, _| String::new())
            .sanitize_content(false)
            .build()
            .parse(bytes)
    });
    match result {
        Some(Ok(feed)) => Ok(feed),
        Some(Err(e)) => Err(Some(e)),
        None => Err(None),
    }
}

fn finish(result: RawResult) -> Result<ParsedFeed, ParseError> {
    match result {
        Ok(feed) => Ok(normalise(feed)),
        Err(None) => Err(ParseError::Panic("malformed input".into())),
        Err(Some(e)) => Err(ParseError::Invalid(describe(&e))),
    }
}

fn describe(e: &feed_rs::parser::ParseFeedError) -> String {
    use feed_rs::parser::{ParseErrorKind, ParseFeedError};
    let text = match e {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => {
            "no RSS, Atom, RDF or JSON Feed root element".to_string()
        }
        other => other.to_string(),
    };
    one_line(&text)
}

fn one_line(s: &str) -> String {
    let line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::text::sanitize(&line).into_owned()
}

/// Decodes to UTF-8: byte-order mark, else the HTTP charset, else the XML declaration,
/// else UTF-8. Invalid sequences become U+FFFD instead of failing the feed.
pub fn decode(bytes: &[u8], http_charset: Option<&str>) -> String {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return enc
            .decode_without_bom_handling(&bytes[bom..])
            .0
            .into_owned();
    }
    // UTF-16 without a BOM still starts with `<` next to a zero byte.
    match bytes {
        [0, b'<', ..] => {
            return encoding_rs::UTF_16BE
                .decode_without_bom_handling(bytes)
                .0
                .into_owned()
        }
        [b'<', 0, ..] => {
            return encoding_rs::UTF_16LE
                .decode_without_bom_handling(bytes)
                .0
                .into_owned()
        }
        _ => {}
    }
    // Bytes that are valid UTF-8 and not plain ASCII are UTF-8, whatever a server or
    // the declaration claims: a wrong declared charset is common, such bytes by chance are not.
    if !bytes.is_ascii() {
        // SIMD validation: this reads every byte of every feed a refresh fetches.
        if let Ok(text) = simdutf8::basic::from_utf8(bytes) {
            return text.to_owned();
        }
    }
    let declared = declared_encoding(bytes);
    let label = http_charset.or(declared.as_deref());
    let enc = label
        .and_then(|l| encoding_rs::Encoding::for_label(l.trim().as_bytes()))
        // A document that says UTF-16 but has no BOM or zero bytes is ASCII-compatible.
        .filter(|e| *e != encoding_rs::UTF_16BE && *e != encoding_rs::UTF_16LE)
        .unwrap_or(encoding_rs::UTF_8);
    enc.decode_without_bom_handling(bytes).0.into_owned()
}

fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(512)];
    let head = String::from_utf8_lossy(head);
    let decl_start = head.find("<?xml")?;
    let decl = &head[decl_start..decl_start + head[decl_start..].find("?>")?];
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].to_string())
}

/// Drops the XML declaration (the text is UTF-8 now, whatever it declared) wherever it is,
/// which also repairs documents with a comment or blank lines before it.
fn strip_prolog(text: &str) -> std::borrow::Cow<'_, str> {
    let text = text.trim_start_matches('\u{feff}');
    let Some(start) = text.find("<?xml") else {
        return text.into();
    };
    // Only a declaration that comes before the root element.
    if text[..start].contains(['<']) && !only_comments(&text[..start]) {
        return text.into();
    }
    let Some(len) = text[start..].find("?>") else {
        return text.into();
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..start]);
    out.push_str(&text[start + len + 2..]);
    out.into()
}

fn only_comments(s: &str) -> bool {
    let mut rest = s.trim();
    while let Some(after) = rest.strip_prefix("<!--") {
        match after.find("-->") {
            Some(end) => rest = after[end + 3..].trim_start(),
            None => return false,
        }
    }
    rest.is_empty()
}

fn looks_like_html(body: &str) -> bool {
    let head: String = body
        .chars()
        .take(1024)
        .collect::<String>()
        .to_ascii_lowercase();
    let root = root_start(&head);
    root.starts_with("<html") || root.starts_with("<!doctype html")
}

/// The text from the first tag that is not a comment or processing instruction.
fn root_start(s: &str) -> &str {
    let mut rest = s.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after
                .find("-->")
                .map_or("", |e| after[e + 3..].trim_start());
        } else if let Some(after) = rest.strip_prefix("<?") {
            rest = after.find("?>").map_or("", |e| after[e + 2..].trim_start());
        } else {
            return rest;
        }
    }
}

/// The feed an HTML page points to with `<link rel="alternate" type="application/rss+xml">`.
fn alternate_link(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("<link") {
        let start = from + at;
        let end = start + lower[start..].find('>')?;
        let tag = &lower[start..end];
        if tag.contains("alternate")
            && (tag.contains("rss") || tag.contains("atom") || tag.contains("json"))
        {
            let href_at = tag.find("href")?;
            let rest = html[start + href_at + 4..end]
                .trim_start()
                .strip_prefix('=')?
                .trim_start();
            let quote = rest.chars().next()?;
            let value = if quote == '"' || quote == '\'' {
                let v = &rest[1..];
                &v[..v.find(quote)?]
            } else {
                rest.split_whitespace().next()?
            };
            return Some(one_line(value));
        }
        from = end;
    }
    None
}

/// `<rss>` without a version, or with one feed-rs does not know, is read as RSS 2.0.
fn repair_rss_version(body: &str) -> String {
    let root = root_start(body);
    let offset = body.len() - root.len();
    let is_rss = root.starts_with("<rss")
        && root[4..].starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/');
    if !is_rss {
        return body.to_string();
    }
    let Some(tag_end) = root.find('>') else {
        return body.to_string();
    };
    let tag = &root[..tag_end];
    let version = attr_value(tag, "version");
    if matches!(version, Some("2.0" | "0.91" | "0.92" | "")) {
        return body.to_string();
    }
    let mut new_tag = String::from("<rss version=\"2.0\"");
    let mut rest = &tag[4..];
    if let Some(v) = version {
        // Drop the old attribute.
        if let Some(at) = find_attr(rest, "version") {
            let after = &rest[at..];
            let q = after.find(['"', '\'']).unwrap_or(0);
            let quote = &after[q..q + 1];
            let close = q + 1 + after[q + 1..].find(quote).unwrap_or(v.len());
            let mut s = rest[..at].to_string();
            s.push_str(&after[close + 1..]);
            new_tag.push_str(&s);
            rest = "";
        }
    }
    new_tag.push_str(rest);
    format!("{}{}{}", &body[..offset], new_tag, &root[tag_end..])
}

/// `<rss>` whose items sit directly under it, without `<channel>`, gets one.
fn add_missing_channel(doc: String) -> String {
    if doc.contains("<channel") {
        return doc;
    }
    let root = root_start(&doc);
    let offset = doc.len() - root.len();
    let Some(gt) = root
        .find('>')
        .filter(|gt| root.starts_with("<rss") && !root[..*gt].ends_with('/'))
    else {
        return doc;
    };
    let open_end = offset + gt + 1;
    match doc.rfind("</rss>") {
        Some(close) if close >= open_end => {
            format!(
                "{}<channel>{}</channel>{}",
                &doc[..open_end],
                &doc[open_end..close],
                &doc[close..]
            )
        }
        _ => doc,
    }
}

fn find_attr(tag: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = tag[from..].find(name) {
        let i = from + at;
        let before_ok = i == 0 || tag[..i].ends_with(char::is_whitespace);
        let after = tag[i + name.len()..].trim_start();
        if before_ok && after.starts_with('=') {
            return Some(i);
        }
        from = i + name.len();
    }
    None
}

fn attr_value<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = find_attr(tag, name)?;
    let rest = tag[at + name.len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let v = &rest[1..];
    Some(&v[..v.find(quote)?])
}

/// Replaces `type="<mime>"` that feed-rs refused with the closest type it understands.
fn repair_type_attr(doc: &str, mime: &str) -> String {
    let replacement = if mime.contains("html") {
        "html"
    } else {
        "text"
    };
    let mut out = doc.to_string();
    for q in ['"', '\''] {
        out = out.replace(
            &format!("type={q}{mime}{q}"),
            &format!("type=\"{replacement}\""),
        );
        out = out.replace(
            &format!("type = {q}{mime}{q}"),
            &format!("type=\"{replacement}\""),
        );
    }
    out
}

fn normalise(feed: feed_rs::model::Feed) -> ParsedFeed {
    use feed_rs::model::FeedType;
    let format = match feed.feed_type {
        FeedType::Atom => FeedFormat::Atom,
        FeedType::JSON => FeedFormat::Json,
        FeedType::RSS0 => FeedFormat::Rss0,
        FeedType::RSS1 => FeedFormat::Rss1,
        FeedType::RSS2 => FeedFormat::Rss2,
    };
    let title = feed.title.as_ref().map(text_of).filter(|t| !t.is_empty());
    let items = feed.entries.into_iter().map(normalise_entry).collect();
    ParsedFeed {
        format,
        title,
        items,
    }
}

fn text_of(t: &feed_rs::model::Text) -> String {
    let s = if t.content_type.subty().as_str().contains("html") {
        crate::text::search_text(&t.content)
    } else {
        t.content.clone()
    };
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn normalise_entry(e: feed_rs::model::Entry) -> ParsedItem {
    let link = e
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or(e.links.first())
        .map(|l| l.href.trim().to_string())
        .filter(|l| !l.is_empty());
    let title = e.title.as_ref().map(text_of).unwrap_or_default();
    let published = e.published.or(e.updated).map(|d| d.timestamp());
    let author = e
        .authors
        .first()
        .and_then(|p| p.name.as_deref().map(clean_author))
        .filter(|n| !n.is_empty());
    let content = match (&e.content, &e.summary) {
        (Some(c), _) if c.body.as_deref().is_some_and(|b| !b.trim().is_empty()) => as_html(
            c.body.as_deref().unwrap_or(""),
            c.content_type.subty().as_str(),
        ),
        (_, Some(s)) => as_html(&s.content, s.content_type.subty().as_str()),
        _ => String::new(),
    };
    let key = if !e.id.trim().is_empty() {
        e.id.trim().to_string()
    } else if let Some(link) = &link {
        link.clone()
    } else if !title.trim().is_empty() && published.is_some() {
        // The key such items always had: changing it would duplicate them in every cache.
        format!(
            "h:{:016x}",
            crate::model::stable_hash(&[&title, &format!("{published:?}")])
        )
    } else {
        // Nothing else tells untitled or undated items apart: their text does.
        format!(
            "h:{:016x}",
            crate::model::stable_hash(&[&title, &format!("{published:?}"), &content])
        )
    };
    ParsedItem {
        key,
        title,
        link,
        author,
        published,
        text: crate::text::search_text(&content),
        content,
        media: media_of(&e),
    }
}

/// Files an item carries, first seen first, each address once; at most this many.
const MEDIA_MAX: usize = 16;

fn media_of(e: &feed_rs::model::Entry) -> Vec<crate::model::Media> {
    let from_media = e.media.iter().flat_map(|m| &m.content).filter_map(|c| {
        Some((
            c.url.as_ref()?.as_str().to_string(),
            c.content_type.as_ref().map(|t| t.to_string()),
            c.size,
        ))
    });
    // Atom's rel="enclosure"; a JSON Feed attachment is a link with a type and no rel.
    let from_links = e
        .links
        .iter()
        .filter(|l| {
            l.rel.as_deref() == Some("enclosure") || (l.rel.is_none() && l.media_type.is_some())
        })
        .map(|l| (l.href.clone(), l.media_type.clone(), l.length));
    media_list(from_media.chain(from_links))
}

/// Files as (address, type, size) from a feed or a server, as an item keeps them: http(s)
/// addresses without control characters, each once (with whatever type and size any of
/// its mentions gives), at most 16.
pub fn media_list(
    candidates: impl Iterator<Item = (String, Option<String>, Option<u64>)>,
) -> Vec<crate::model::Media> {
    // One file is often given twice (an enclosure and Media RSS content): one entry, with
    // whatever type and size either gives.
    let mut out: Vec<crate::model::Media> = Vec::new();
    for (url, mime, bytes) in candidates {
        let url = url.trim().to_string();
        if url.len() > 4096 || url.chars().any(char::is_control) || !crate::text::is_safe_link(&url)
        {
            continue;
        }
        let mime = mime
            .map(|m| m.trim().to_ascii_lowercase())
            .filter(|m| !m.is_empty() && m.len() <= 100 && !m.chars().any(char::is_control));
        let bytes = bytes.filter(|b| *b > 0);
        if let Some(known) = out.iter_mut().find(|m| m.url == url) {
            known.mime = known.mime.take().or(mime);
            known.bytes = known.bytes.or(bytes);
        } else if out.len() < MEDIA_MAX {
            out.push(crate::model::Media { url, mime, bytes });
        }
    }
    out
}

/// RSS authors are often "email (Name)": keep the name.
fn clean_author(raw: &str) -> String {
    let raw = raw.trim();
    match (raw.find('('), raw.ends_with(')')) {
        (Some(open), true) if open + 1 < raw.len() - 1 => {
            raw[open + 1..raw.len() - 1].trim().to_string()
        }
        _ => raw.to_string(),
    }
}

/// Stored bodies are always HTML: plain text is escaped and split into paragraphs.
fn as_html(body: &str, subtype: &str) -> String {
    if subtype.contains("html") || subtype == "xml" {
        return body.to_string();
    }
    // RSS descriptions are typed text/plain by feed-rs but usually hold HTML.
    if body.contains("</") || body.contains("<br") || body.contains("<p>") || body.contains("<img")
    {
        return body.to_string();
    }
    body.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", crate::text::escape_html(p)))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests;
