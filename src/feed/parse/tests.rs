use super::*;

const RSS: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
    <item><title>One</title><link>http://x/1</link><guid>g1</guid><description>&lt;p&gt;Hi&lt;/p&gt;</description>
    <pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate></item>
    <item><title>Two</title><link>http://x/2</link></item>
    <item><title>Three</title></item></channel></rss>"#;

#[test]
fn rss_items_get_guid_then_link_then_hash_identity() {
    let f = parse(RSS.as_bytes(), None).unwrap();
    assert_eq!(f.format, FeedFormat::Rss2);
    assert_eq!(f.title.as_deref(), Some("T"));
    let keys: Vec<_> = f.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys[0], "g1");
    assert_eq!(keys[1], "http://x/2");
    assert!(keys[2].starts_with("h:"));
    assert_eq!(f.items[0].content, "<p>Hi</p>");
    assert_eq!(f.items[0].published, Some(1795168800));
}

#[test]
fn identity_is_stable_across_parses() {
    let a = parse(RSS.as_bytes(), None).unwrap();
    let b = parse(RSS.as_bytes(), None).unwrap();
    assert_eq!(a.items[2].key, b.items[2].key);
}

#[test]
fn rss_without_version_is_read_as_rss2() {
    let doc =
        "<rss><channel><title>No version</title><item><title>A</title></item></channel></rss>";
    assert_eq!(parse(doc.as_bytes(), None).unwrap().items.len(), 1);
    let doc = "<rss version=\"2.0.1\" xmlns:x=\"y\"><channel><title>V</title><item><title>A</title></item></channel></rss>";
    assert_eq!(
        parse(doc.as_bytes(), None).unwrap().title.as_deref(),
        Some("V")
    );
}

#[test]
fn atom_text_with_unknown_type_is_repaired() {
    let doc = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="application/xhtml+xml">F</title>
        <entry><id>e</id><title>E</title><summary type="weird">S</summary></entry></feed>"#;
    let f = parse(doc.as_bytes(), None).unwrap();
    assert_eq!(f.items.len(), 1);
    assert!(f.items[0].content.contains('S'));
}

#[test]
fn utf16be_and_a_comment_before_the_declaration_do_not_panic() {
    let doc = "<!-- hello --><?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>C</title></channel></rss>";
    assert_eq!(
        parse(doc.as_bytes(), None).unwrap().title.as_deref(),
        Some("C")
    );
    let utf16: Vec<u8> = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-16\"?><rss version=\"2.0\"><channel><title>Ü</title></channel></rss>"
        .encode_utf16()
        .flat_map(|u| u.to_be_bytes())
        .collect();
    assert_eq!(parse(&utf16, None).unwrap().title.as_deref(), Some("Ü"));
}

#[test]
fn declared_latin1_is_decoded() {
    let mut doc =
        b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss version=\"2.0\"><channel><title>Caf"
            .to_vec();
    doc.push(0xe9);
    doc.extend_from_slice(b"</title></channel></rss>");
    assert_eq!(parse(&doc, None).unwrap().title.as_deref(), Some("Café"));
}

#[test]
fn utf8_bytes_win_over_a_wrong_declared_charset() {
    let doc = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss version=\"2.0\"><channel><title>Café</title></channel></rss>";
    assert_eq!(
        parse(doc.as_bytes(), Some("windows-1252"))
            .unwrap()
            .title
            .as_deref(),
        Some("Café")
    );
}

#[test]
fn rss_author_email_and_name_keeps_the_name() {
    assert_eq!(clean_author("desk@example.org (Ana Ruiz)"), "Ana Ruiz");
    assert_eq!(clean_author(" Ana Ruiz "), "Ana Ruiz");
}

#[test]
fn items_directly_under_rss_are_read() {
    let doc = "<rss><item><title>Loose</title><guid>l1</guid></item></rss>";
    let f = parse(doc.as_bytes(), None).unwrap();
    assert_eq!(f.items[0].key, "l1");
    assert!(parse(b"<rss version=\"0.92\">\n</rss>", None).is_ok());
}

#[test]
fn one_broken_entry_does_not_lose_the_feed() {
    let doc = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title>
        <entry><id>good-1</id><title>Good</title></entry>
        <entry><id>bad</id><title>Bad</title><content type="text/plain"></content></entry>
        <entry><id>good-2</id><title>Also good</title></entry></feed>"#;
    let keys: Vec<String> = parse(doc.as_bytes(), None)
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.key)
        .collect();
    assert_eq!(keys, ["good-1", "good-2"]);
}

#[test]
fn html_page_names_its_feed() {
    let page = r#"<!DOCTYPE html><html><head><link rel="alternate" type="application/rss+xml" href="https://site/feed.xml"></head></html>"#;
    let err = parse(page.as_bytes(), None).unwrap_err().to_string();
    assert_eq!(
        err,
        "an HTML page, not a feed (it names a feed: https://site/feed.xml)"
    );
}

#[test]
fn json_feed_with_unknown_version_parses() {
    let doc = r#"{"version":"https://jsonfeed.org/version/9","items":[{"id":"1","content_html":"<p>x</p>"}]}"#;
    let f = parse(doc.as_bytes(), None).unwrap();
    assert_eq!(f.format, FeedFormat::Json);
    assert_eq!(f.items[0].key, "1");
}

#[test]
fn failures_are_one_line_reasons() {
    for doc in [
        "",
        "   ",
        "not xml at all",
        "<rss><channel><title>x</tit",
        "{\"a\":1}",
    ] {
        let err = parse(doc.as_bytes(), None).unwrap_err().to_string();
        assert!(!err.contains('\n') && !err.is_empty(), "{doc:?} -> {err:?}");
    }
}

#[test]
fn plain_text_bodies_become_escaped_paragraphs() {
    assert_eq!(as_html("a < b\n\nc", "plain"), "<p>a &lt; b</p>\n<p>c</p>");
}

#[test]
fn json_feed_coerces_a_numeric_id_and_drops_badly_typed_fields() {
    let doc = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","home_page_url":7,
        "authors":"nobody","items":[
        {"id":42,"title":"Numbered","content_html":"<p>a</p>","date_published":"2026-11-01T10:00:00Z"},
        {"id":"s","title":["not","text"],"url":{"x":1},"tags":"one","content_text":"b",
         "authors":[{"name":5}],"attachments":7,"date_published":false},
        {"id":1.5,"summary":"c"}]}"#;
    let f = parse(doc.as_bytes(), None).unwrap();
    let keys: Vec<&str> = f.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["42", "s", "1.5"]);
    assert_eq!(f.items[0].title, "Numbered");
    assert!(f.items[0].published.is_some());
    assert!(f.items[1].content.contains('b'));
}

#[test]
fn items_with_only_a_body_are_told_apart_by_their_text() {
    let doc = "<rss version=\"2.0\"><channel><title>Notes</title>\
        <item><description>First note</description></item>\
        <item><description>Second note</description></item>\
        <item><title>Same</title><description>one</description></item>\
        <item><title>Same</title><description>two</description></item></channel></rss>";
    let f = parse(doc.as_bytes(), None).unwrap();
    let keys: std::collections::HashSet<&str> = f.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
    // Dated and titled items keep the key they always had, so caches see no duplicates.
    let dated = "<rss version=\"2.0\"><channel><title>N</title><item><title>T</title>\
        <pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate><description>x</description></item></channel></rss>";
    let key = &parse(dated.as_bytes(), None).unwrap().items[0].key;
    let published = Some(1_793_613_600_i64);
    let old = format!(
        "h:{:016x}",
        crate::model::stable_hash(&["T", &format!("{published:?}")])
    );
    assert_eq!(key, &old);
}

fn media_of_first(doc: &str) -> Vec<(String, Option<String>, Option<u64>)> {
    parse(doc.as_bytes(), None).unwrap().items[0]
        .media
        .iter()
        .map(|m| (m.url.clone(), m.mime.clone(), m.bytes))
        .collect()
}

#[test]
fn podcast_episodes_and_attachments_are_kept_from_every_format() {
    let rss = r#"<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Pod</title>
        <item><title>Episode 1</title><guid>e1</guid>
        <enclosure url="https://cdn.example/e1.mp3" length="42000000" type="Audio/MPEG"/>
        <media:content url="https://cdn.example/e1.mp3" type="audio/mpeg"/>
        <media:content url="javascript:alert(1)" type="video/mp4"/>
        </item></channel></rss>"#;
    let media = media_of_first(rss);
    // Once each, http(s) only, the type as MIME writes it. (feed-rs keeps the Media RSS
    // entry of a file given twice, without the enclosure's length.)
    assert_eq!(
        media,
        [(
            "https://cdn.example/e1.mp3".to_string(),
            Some("audio/mpeg".to_string()),
            None
        )]
    );
    let enclosure_only = rss.replace("<media:content", "<ignored");
    assert_eq!(media_of_first(&enclosure_only)[0].2, Some(42_000_000));
    let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>a</id>
        <entry><title>Talk</title><id>t1</id><link href="https://example.org/talk"/>
        <link rel="enclosure" href="https://example.org/talk.webm" type="video/webm" length="900"/>
        </entry></feed>"#;
    let media = media_of_first(atom);
    assert_eq!(media.len(), 1, "{media:?}");
    assert_eq!(media[0].0, "https://example.org/talk.webm");
    assert_eq!(media[0].1.as_deref(), Some("video/webm"));
    let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[
        {"id":"1","url":"https://example.org/1","content_text":"x",
         "attachments":[{"url":"https://example.org/1.m4a","mime_type":"audio/x-m4a","size_in_bytes":5}]}]}"#;
    let media = media_of_first(json);
    assert_eq!(
        media,
        [(
            "https://example.org/1.m4a".to_string(),
            Some("audio/x-m4a".to_string()),
            Some(5)
        )]
    );
    // The item's own link is not one of its files.
    let plain = media_of_first(RSS);
    assert!(plain.is_empty(), "{plain:?}");
}
