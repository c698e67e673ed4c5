//! Property tests over parse → clean → render, the config loader and saved-query
//! conditions: arbitrary and feed-shaped input never panics, nothing rendered carries a
//! control character, and every condition that parses runs in SQLite.
//! More cases: `PROPTEST_CASES=100000 cargo test --release --test fuzz`.

use proptest::prelude::*;

/// Feed-shaped text: fragments of real syntax glued in random order.
fn feedish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
        "<rss version=\"2.0\">",
        "<rss>",
        "</rss>",
        "<channel>",
        "</channel>",
        "<item>",
        "</item>",
        "<title>",
        "</title>",
        "<feed xmlns=\"http://www.w3.org/2005/Atom\">",
        "</feed>",
        "<entry>",
        "</entry>",
        "<content type=\"html\">",
        "<content type=\"xhtml\">",
        "</content>",
        "<summary type=\"weird\">",
        "</summary>",
        "<![CDATA[",
        "]]>",
        "&amp;",
        "&lt;p&gt;",
        "&#x1b;",
        "&bogus;",
        "<!--",
        "-->",
        "<!DOCTYPE x [<!ENTITY e \"ee\">]>",
        "&e;",
        "\u{1b}[2J",
        "\u{9b}",
        "日本語",
        "🙂",
        "\u{0}",
        "text",
        " ",
        "\n",
        "<guid>",
        "</guid>",
        "<link>",
        "</link>",
        "{\"version\":\"https://jsonfeed.org/version/1\",\"items\":[",
        "{\"id\":\"1\",\"content_html\":\"<p>x</p>\"}",
        "]}",
        "<pubDate>Mon, 01 Nov 2026 10:00:00 GMT</pubDate>",
        "<updated>2026-11-01T10:00:00Z</updated>",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|v| v.concat())
}

/// Article-shaped HTML with hostile text.
fn htmlish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "<p>",
        "</p>",
        "<div class=\"newsletter\">",
        "</div>",
        "<a href=\"javascript:x\">",
        "<a href=\"https://e.org/\">",
        "</a>",
        "<ul>",
        "<li>",
        "</li>",
        "</ul>",
        "<table><tr><td>",
        "</td></tr></table>",
        "<pre>",
        "</pre>",
        "<blockquote>",
        "<h2>",
        "</h2>",
        "<form><input></form>",
        "<script>x</script>",
        "<img alt=\"pic\">",
        "Please make a donation today.",
        "Subscribe for free to receive new posts.",
        "Read more",
        "The council met on Tuesday.",
        "\u{1b}]52;c;QQ==\u{7}",
        "\u{202e}",
        "\r",
        "\u{8}",
        "日本語のニュース",
        "👩‍👩‍👧",
        "e\u{301}",
        "&amp;",
        "&#x9b;",
        "\n\n",
    ]);
    prop::collection::vec(pieces, 0..80).prop_map(|v| v.concat())
}

fn cleaner() -> &'static tidings::clean::Cleaner {
    static C: std::sync::OnceLock<tidings::clean::Cleaner> = std::sync::OnceLock::new();
    C.get_or_init(|| tidings::clean::Cleaner::new(&Default::default()).unwrap())
}

fn assert_printable(lines: &[tidings::clean::Line]) {
    for line in lines {
        assert!(
            !line.text.chars().any(|c| c.is_control()),
            "{:?}",
            line.text
        );
    }
}

/// Condition-shaped text: pieces of the filter language glued in random order.
fn queryish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "title",
        "author",
        "link",
        "feedtitle",
        "feedurl",
        "tags",
        "unread",
        "starred",
        "age",
        "content",
        " = ",
        " != ",
        " =~ ",
        " !~ ",
        " # ",
        " !# ",
        " < ",
        " > ",
        " <= ",
        " >= ",
        " between ",
        "0:7",
        "3",
        "\"yes\"",
        "\"no\"",
        "\"rust\"",
        "\"(\"",
        "\"a\\\"b\"",
        "\"[\"",
        "\"ü\"",
        "\"\"",
        " and ",
        " or ",
        " && ",
        " || ",
        "not ",
        "(",
        ")",
        "-1",
        "99999999999",
        "\\",
        "'",
        "x",
        "\u{0}",
    ]);
    prop::collection::vec(pieces, 0..24).prop_map(|v| v.concat())
}

/// Conditions that parse: comparisons of every attribute and operator with awkward
/// values, joined and nested at random.
fn conditions() -> impl Strategy<Value = String> {
    let value = prop::sample::select(vec![
        "\"yes\"",
        "\"no\"",
        "\"rust\"",
        "\"\"",
        "\"ü\"",
        "\"a\\\"b\"",
        "\"'); DROP TABLE items; --\"",
        "\"^(a|b)$\"",
        "\"\\\\\"",
        "7",
        "0",
    ]);
    let attr = prop::sample::select(vec![
        "title",
        "author",
        "link",
        "feedtitle",
        "feedurl",
        "tags",
        "unread",
        "starred",
        "age",
    ]);
    let op = prop::sample::select(vec!["=", "!=", "=~", "!~", "#", "!#", "<", ">", "<=", ">="]);
    let comparison = (attr, op, value).prop_map(|(a, o, v)| format!("{a} {o} {v}"));
    comparison.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
            inner.prop_map(|a| format!("not {a}")),
        ]
    })
}

thread_local! {
    /// A cache with a few items to run conditions against (and the dir that holds it).
    static QUERY_CACHE: (tempfile::TempDir, tidings::store::Store) = {
        let dir = tempfile::tempdir().unwrap();
        let mut store = tidings::store::Store::open(&dir.path().join("c.sqlite")).unwrap();
        store
            .sync_feeds(&[("https://f.example/rss".into(), Some("F".into()), vec!["news".into()])])
            .unwrap();
        let feed = store.feed_id("https://f.example/rss").unwrap().unwrap();
        let items = ["Rust news", "Ferries", "ü (x)"].iter().enumerate().map(|(i, t)| {
            tidings::model::ParsedItem {
                key: format!("k{i}"),
                title: t.to_string(),
                link: None,
                author: Some("A".into()),
                published: Some(1_700_000_000 + i as i64),
                content: String::new(),
                text: String::new(),
                media: Vec::new(),
            }
        });
        store
            .record_success(feed, None, None, None, Some(&tidings::store::Rows::new(items.collect())), 100)
            .unwrap();
        (dir, store)
    };
}

fn runs_in_sqlite(text: &str) -> Result<(), TestCaseError> {
    match tidings::query::ItemQuery::parse(text) {
        Ok(query) => QUERY_CACHE.with(|(_, store)| {
            let filter = tidings::store::HeadlineFilter {
                query: Some(query.clone()),
                ..Default::default()
            };
            prop_assert!(store.headlines(&filter).is_ok(), "{text}");
            prop_assert!(store.unread_matching(&query).is_ok(), "{text}");
            Ok(())
        }),
        Err(e) => {
            prop_assert!(!e.to_string().contains('\n'));
            Ok(())
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256)))]

    #[test]
    fn any_bytes_parse_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        if let Err(e) = tidings::feed::parse::parse(&bytes, None) {
            prop_assert!(!e.to_string().contains('\n'));
        }
    }

    #[test]
    fn feed_shaped_text_parses_cleans_and_renders(doc in feedish(), width in 10usize..200) {
        match tidings::feed::parse::parse(doc.as_bytes(), None) {
            Ok(feed) => {
                for item in feed.items {
                    let cleaned = cleaner().clean(&item.content, true);
                    assert_printable(&cleaned.render(width, true));
                    prop_assert!(!tidings::text::sanitize_line(&item.title).chars().any(|c| c.is_control()));
                }
            }
            Err(e) => prop_assert!(!e.to_string().contains('\n')),
        }
    }

    #[test]
    fn article_html_renders_without_control_characters(html in htmlish(), width in 10usize..160, reveal in any::<bool>()) {
        let cleaned = cleaner().clean(&html, true);
        prop_assert_eq!(cleaned.blocks.len(), cleaned.verdicts.len());
        assert_printable(&cleaned.render(width, reveal));
    }

    #[test]
    fn condition_shaped_text_parses_or_fails_cleanly(text in queryish()) {
        runs_in_sqlite(&text)?;
    }

    #[test]
    fn conditions_of_every_attribute_and_operator_run_in_sqlite(text in conditions()) {
        runs_in_sqlite(&text)?;
    }

    #[test]
    fn any_text_as_a_condition_parses_or_fails_cleanly(text in "\\PC{0,64}") {
        runs_in_sqlite(&text)?;
    }

    #[test]
    fn config_loader_never_panics(text in "[a-z_\\[\\]=\"\\n 0-9.{},#-]{0,200}") {
        let _ = tidings::config::Config::parse(&text, std::path::Path::new("c.toml"));
    }
}

/// Crashes the property tests found, kept as regressions.
#[test]
fn regression_multibyte_text_right_after_an_ampersand() {
    // Found by the corpus walk (feedparser-illformed/chardet/tis620.xml): slicing 12 bytes
    // after '&' cut a character in half.
    let _ = tidings::text::search_text("&ก่อนหน้านี้");
    let _ = tidings::feed::parse::parse(
        "<rss version=\"2.0\"><channel><title>&ก่อนหน้า</title></channel></rss>".as_bytes(),
        None,
    );
}
