//! OPML subscription lists: read (categories and nested outlines become tags) and write
//! (OPML 2.0, tags as categories). Pure: text in, text out.
//!
//! `category` is a comma-separated list, so a tag with a comma cannot survive it; tidings
//! also writes each feed's exact tags in its own attribute (`tidings:tags`, one per line)
//! and reads them back in preference, so export → import is exact. Other readers ignore it.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub url: String,
    pub title: Option<String>,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpmlError {
    #[error("not well-formed XML at byte {position}: {message}")]
    Xml { position: u64, message: String },
    #[error("no <opml> root element")]
    NoRoot,
    #[error("no <body> element")]
    NoBody,
}

const TAGS_NS: &str = "https://github.com/tidings-reader/tidings/opml";

/// An attribute's value with references decoded. Entities the document declares itself
/// are never expanded (no entity bombs) and read as nothing rather than as `&name;`.
fn attr_raw(e: &BytesStart, name: &str) -> Option<String> {
    // Standard attributes by local name, whatever their prefix; ours by its full name.
    let a = e.attributes().flatten().find(|a| {
        let key: &str = if name.contains(':') {
            a.key.into_inner()
        } else {
            a.key.local_name().into_inner()
        };
        key.eq_ignore_ascii_case(name)
    })?;
    let raw: &str = &a.value;
    let value = quick_xml::escape::unescape_with(raw, |name| {
        quick_xml::escape::resolve_predefined_entity(name).or(Some(""))
    })
    .map(|v| v.into_owned())
    .unwrap_or_else(|_| raw.to_string());
    Some(value)
}

fn attr(e: &BytesStart, name: &str) -> Option<String> {
    attr_raw(e, name)
        .map(|v| crate::text::sanitize_line(&v))
        .filter(|v| !v.is_empty())
}

/// The feeds of an OPML document, in document order, each with the tags of its enclosing
/// outlines and its own `category` attribute.
pub fn parse(text: &str) -> Result<Vec<Subscription>, OpmlError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut subs = Vec::new();
    // The text of each open outline: categories for the outlines inside it.
    let mut open: Vec<Option<String>> = Vec::new();
    let (mut root, mut body) = (false, false);
    loop {
        let event = reader.read_event().map_err(|e| OpmlError::Xml {
            position: reader.buffer_position(),
            message: e.to_string().lines().next().unwrap_or("").to_string(),
        })?;
        match event {
            Event::Start(e) | Event::Empty(e) if !root => {
                if !e.local_name().as_ref().eq_ignore_ascii_case("opml") {
                    return Err(OpmlError::NoRoot);
                }
                root = true;
            }
            Event::Start(ref e) | Event::Empty(ref e) if e.local_name().as_ref() == "body" => {
                body = true
            }
            Event::Start(ref e) | Event::Empty(ref e) if e.local_name().as_ref() == "outline" => {
                let is_empty = matches!(event, Event::Empty(_));
                let title = attr(e, "title").or_else(|| attr(e, "text"));
                if let Some(url) = attr(e, "xmlUrl") {
                    // An outline named by its address has no title of its own.
                    let title = title.filter(|t| *t != url);
                    let exact_tags = attr_raw(e, "tidings:tags").map(|t| {
                        t.lines()
                            .map(crate::text::sanitize_line)
                            .filter(|t| !t.is_empty())
                            .collect::<Vec<_>>()
                    });
                    let mut tags: Vec<String> = open.iter().flatten().cloned().collect();
                    if let Some(cats) = attr(e, "category") {
                        for cat in cats.split(',').map(str::trim) {
                            // OPML 2 paths ("/Tech/Rust") give a tag per part; other readers
                            // (newsboat) write tags that may contain a slash themselves.
                            match cat.strip_prefix('/') {
                                Some(path) => tags.extend(
                                    path.split('/')
                                        .map(str::trim)
                                        .filter(|c| !c.is_empty())
                                        .map(str::to_string),
                                ),
                                None if !cat.is_empty() => tags.push(cat.to_string()),
                                None => {}
                            }
                        }
                    }
                    let mut tags = exact_tags.unwrap_or(tags);
                    let mut seen = std::collections::HashSet::new();
                    tags.retain(|t| seen.insert(t.clone()));
                    subs.push(Subscription { url, title, tags });
                    if !is_empty {
                        open.push(None);
                    }
                } else if !is_empty {
                    open.push(title);
                }
            }
            Event::End(ref e) if e.local_name().as_ref() == "outline" => {
                open.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !root {
        return Err(OpmlError::NoRoot);
    }
    if !body {
        return Err(OpmlError::NoBody);
    }
    Ok(subs)
}

/// An attribute value as XML 1.0 allows it: escape sequences and controls removed (they
/// cannot be written at all), newlines and tabs as character references so they survive.
fn xml_attr(s: &str) -> String {
    let clean: String = crate::text::sanitize(s)
        .chars()
        .filter(|&c| c != '\u{fffe}' && c != '\u{ffff}')
        .collect();
    crate::text::escape_html(&clean)
        .replace('\n', "&#10;")
        .replace('\t', "&#9;")
}

/// OPML 2.0 with one outline per feed, its tags as `category` and exactly as
/// `tidings:tags`.
pub fn write(subs: &[Subscription]) -> String {
    let mut out = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\" xmlns:tidings=\"{TAGS_NS}\">\n  <head>\n    <title>tidings subscriptions</title>\n  </head>\n  <body>\n");
    for s in subs {
        let text = xml_attr(s.title.as_deref().unwrap_or(&s.url));
        out.push_str(&format!("    <outline type=\"rss\" text=\"{text}\""));
        if let Some(title) = &s.title {
            out.push_str(&format!(" title=\"{}\"", xml_attr(title)));
        }
        out.push_str(&format!(" xmlUrl=\"{}\"", xml_attr(&s.url)));
        if !s.tags.is_empty() {
            out.push_str(&format!(
                " category=\"{}\" tidings:tags=\"{}\"",
                xml_attr(&s.tags.join(",")),
                xml_attr(&s.tags.join("\n"))
            ));
        }
        out.push_str("/>\n");
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_outlines_and_categories_become_tags() {
        let doc = r#"<?xml version="1.0"?><opml version="1.0"><head/><body>
            <outline text="News"><outline text="World"><outline text="Desk" xmlUrl="https://a/feed" category="/Daily,Politics"/></outline></outline>
            <outline title="Solo" text="ignored" xmlUrl="https://b/feed"/></body></opml>"#;
        let subs = parse(doc).unwrap();
        assert_eq!(
            subs[0],
            Subscription {
                url: "https://a/feed".into(),
                title: Some("Desk".into()),
                tags: vec![
                    "News".into(),
                    "World".into(),
                    "Daily".into(),
                    "Politics".into()
                ]
            }
        );
        assert_eq!(subs[1].title.as_deref(), Some("Solo"));
        assert!(subs[1].tags.is_empty());
    }

    #[test]
    fn round_trip_keeps_feeds_and_tags() {
        let subs = vec![
            Subscription {
                url: "https://a/feed?x=1&y=2".into(),
                title: Some("A & \"B\"".into()),
                tags: vec!["news".into(), "tech".into()],
            },
            Subscription {
                url: "/home/me/local.xml".into(),
                title: None,
                tags: vec![],
            },
        ];
        let back = parse(&write(&subs)).unwrap();
        assert_eq!(back[0], subs[0]);
        assert_eq!(back[1].url, subs[1].url);
    }

    #[test]
    fn broken_documents_give_a_reason() {
        assert_eq!(parse("<rss/>"), Err(OpmlError::NoRoot));
        assert_eq!(
            parse("<opml version=\"2.0\"><head/></opml>"),
            Err(OpmlError::NoBody)
        );
        assert!(matches!(
            parse("<opml><body><outline></body></opml>"),
            Err(OpmlError::Xml { .. })
        ));
    }
}
