//! Property tests over parse → clean → render and over the config loader: arbitrary and
//! feed-shaped input never panics, and nothing rendered carries a control character.
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
