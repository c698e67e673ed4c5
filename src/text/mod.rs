//! Text that crosses a trust boundary: the sanitiser every feed string passes before it
//! reaches a terminal, feed addresses as they may be shown, character references, HTML
//! escaping, which links may be opened, and the plain text of HTML for search.

mod entities;
mod sanitize;
mod whitespace;

pub use entities::decode;
pub use sanitize::{display_url, sanitize, sanitize_line};
pub use whitespace::{only_ascii_spaces, Collapsed};

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
    let mut out = Collapsed::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push(&decode(&rest[..lt], false));
        out.space();
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
    out.push(&decode(rest, false));
    match sanitize(out.as_str()) {
        std::borrow::Cow::Borrowed(_) => out.into_string(),
        // A control character removed may leave two spaces side by side.
        std::borrow::Cow::Owned(clean) => sanitize_line(&clean),
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
    fn search_text_collapses_whitespace_as_split_whitespace_does() {
        for text in [
            "plain words here",
            "two  spaces",
            " lead",
            "trail ",
            "tab\there",
            "nbsp\u{a0}here",
            "ideographic\u{3000}space",
            "東京 café ²",
            "a\u{a0}b\u{3000}c\u{2009}d \u{85}e\u{1680}f\u{205f}g\u{b2}h 東京\u{2028}é\t\r\n\u{b}\u{c}x ",
        ] {
            let words: Vec<&str> = text.split_whitespace().collect();
            assert_eq!(search_text(text), words.join(" "), "{text:?}");
        }
    }

    #[test]
    fn search_text_survives_multibyte_text_after_an_ampersand() {
        assert_eq!(search_text("a &ééééééé b"), "a &ééééééé b");
    }
}
