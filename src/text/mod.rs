//! Text that crosses a trust boundary: the sanitiser every feed string passes before it
//! reaches a terminal, feed addresses as they may be shown, character references, HTML
//! escaping, which links may be opened, and the plain text of HTML for search.

mod entities;
mod sanitize;

pub use entities::decode;
pub use sanitize::{display_url, sanitize, sanitize_line};

/// A URL cut where its parts are, as written: `scheme://[userinfo@]host[:port]rest`, `rest`
/// starting at the first `/`, `?` or `#`. No parsing beyond that, so it also works on what
/// a URL parser refuses; `None` without `://` (a local path).
pub struct UrlParts<'a> {
    pub scheme: &'a str,
    pub userinfo: Option<&'a str>,
    pub host: &'a str,
    pub rest: &'a str,
}

pub fn url_parts(url: &str) -> Option<UrlParts<'_>> {
    let (scheme, after) = url.split_once("://")?;
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    let (userinfo, host) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };
    Some(UrlParts {
        scheme,
        userinfo,
        host,
        rest,
    })
}

/// Escapes text for HTML (element content and quoted attribute values).
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Only web links are ever opened or copied; `javascript:`, `data:`, `file:` never.
pub fn is_safe_link(link: &str) -> bool {
    url::Url::parse(link).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// Text of an HTML fragment for search and one-line fields: tags dropped, character
/// references decoded with the full table (`caf&eacute;` is found by "café"), whitespace
/// collapsed. Fast and forgiving; not a renderer. It runs over every item a refresh
/// stores, so it makes one pass and one string.
pub fn search_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    // Words of each piece of text, one space between them and between pieces.
    let mut push_words = |text: &str| {
        let text = decode(text, false);
        // Most text between tags is words and single spaces already: copied whole.
        if is_collapsed(&text) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&text);
            return;
        }
        for_each_word(&text, |word| {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        });
    };
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_words(&rest[..lt]);
        let after = &rest[lt..];
        let skip_to = if starts_with_ci(after, "<script") {
            find_ci(after, "</script>")
        } else if starts_with_ci(after, "<style") {
            find_ci(after, "</style>")
        } else {
            None
        };
        rest = match skip_to {
            Some(end) => &after[end..],
            None => match after.find('>') {
                Some(gt) => &after[gt + 1..],
                None => "",
            },
        };
    }
    push_words(rest);
    match sanitize(&out) {
        std::borrow::Cow::Borrowed(_) => out,
        // A control character removed may leave two spaces side by side.
        std::borrow::Cow::Owned(clean) => sanitize_line(&clean),
    }
}

/// True when `text` is words separated by single ASCII spaces, with none at either end:
/// what `for_each_word` would give back, joined by spaces.
fn is_collapsed(text: &str) -> bool {
    let bytes = text.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    let mut previous_space = false;
    let mut clean = first != b' ' && last != b' ';
    for &b in bytes {
        let space = b == b' ';
        // Other whitespace, and the lead bytes of every non-ASCII space.
        let other = matches!(
            b,
            b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0xc2 | 0xe1 | 0xe2 | 0xe3
        );
        clean &= !other & !(space & previous_space);
        previous_space = space;
    }
    clean
}

/// The words of `text` as `str::split_whitespace` gives them, read a byte at a time: only
/// four lead bytes can begin a non-ASCII space, so other text is never decoded.
fn for_each_word<'a>(text: &'a str, mut f: impl FnMut(&'a str)) {
    let bytes = text.as_bytes();
    let mut start = None;
    let mut i = 0;
    while i < bytes.len() {
        let (space, len) = match bytes[i] {
            b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' => (true, 1),
            0xc2 | 0xe1 | 0xe2 | 0xe3 => {
                let c = text[i..].chars().next().unwrap_or(' ');
                (c.is_whitespace(), c.len_utf8())
            }
            _ => (false, 1),
        };
        if space {
            if let Some(s) = start.take() {
                f(&text[s..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
        i += len;
    }
    if let Some(s) = start {
        f(&text[s..]);
    }
}

fn starts_with_ci(hay: &str, prefix: &str) -> bool {
    hay.as_bytes()
        .get(..prefix.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Where the first `needle` (ASCII, lowercase) ends in `hay`, whatever its case.
fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|i| i + needle.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_strips_tags_and_decodes_entities() {
        assert_eq!(
            search_text("<p>Caf&eacute; &amp; <b>bar</b></p><script>x()</script>&#8212;"),
            "Café & bar —"
        );
    }

    /// Phrasings and publishers that are not in the appeals corpora (the scorer never trained on
    /// them): no story block may be lost, and at least 16 of their 21 appeal blocks must go.
    /// The expected verdicts are the labels; 17 of 21 are met today (missed: a one-line
    /// lead-in, a "we have no shareholders" paragraph, "Tags: …", "Already have an account?").
    #[test]
    fn search_text_drops_scripts_in_any_case_and_controls_without_leaving_double_spaces() {
        assert_eq!(
            search_text("a<SCRIPT>x()</Script>b <StYlE>p{}</STYLE> c\u{7} \u{1b}[31m d"),
            "a b c d"
        );
    }

    #[test]
    fn text_copied_whole_is_exactly_what_splitting_into_words_gives() {
        for text in [
            "plain words here",
            "two  spaces",
            " lead",
            "trail ",
            "tab\there",
            "nbsp\u{a0}here",
            "ideographic\u{3000}space",
            "東京 café ²",
            "x",
        ] {
            let mut words = Vec::new();
            for_each_word(text, |w| words.push(w));
            if is_collapsed(text) {
                assert_eq!(words.join(" "), text);
            }
            assert_eq!(search_text(text), words.join(" "), "{text:?}");
        }
        assert!(is_collapsed("plain words here") && is_collapsed("東京 café"));
        assert!(!is_collapsed("two  spaces") && !is_collapsed("nbsp\u{a0}here"));
    }

    #[test]
    fn words_split_where_split_whitespace_splits_them() {
        let text = "a\u{a0}b\u{3000}c\u{2009}d \u{85}e\u{1680}f\u{205f}g\u{b2}h 東京\u{2028}é\t\r\n\u{b}\u{c}x ";
        let mut words = Vec::new();
        for_each_word(text, |w| words.push(w.to_string()));
        let expected: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(words, expected);
        assert_eq!(expected.len(), 10, "{expected:?}");
    }

    #[test]
    fn search_text_survives_multibyte_text_after_an_ampersand() {
        assert_eq!(search_text("a &ééééééé b"), "a &ééééééé b");
    }
}
