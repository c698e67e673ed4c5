//! The one sanitiser every feed string passes before it reaches a terminal.
//!
//! Removes escape sequences whole (CSI, OSC — including OSC 52 clipboard writes and OSC 8
//! links —, DCS, APC, PM, SOS, and their 8-bit C1 forms), every other C0/C1 control but
//! newline and tab, DEL, and the Unicode bidi overrides and isolates that can make text
//! display in a different order than it is stored.

use std::borrow::Cow;

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

fn needs_work(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c)
}

/// True when `s` holds something [`sanitize`] removes, read from the bytes: C0 controls
/// but newline and tab, DEL, C1 controls (C2 80..9F) and the bidi controls U+061C (D8 9C),
/// U+200E/F (E2 80 8E/8F), U+202A..E (E2 80 AA..AE) and U+2066..9 (E2 81 A6..A9).
fn suspicious(s: &str) -> bool {
    // Branch-free over byte triples, so that the compiler vectorises it: this runs over
    // every piece of text of every article.
    let found = |x: u8, y: u8, z: u8| {
        ((x < 0x20) & (x != b'\n') & (x != b'\t'))
            | (x == 0x7f)
            | ((x == 0xc2) & (0x80..=0x9f).contains(&y))
            | ((x == 0xd8) & (y == 0x9c))
            | ((x == 0xe2)
                & (((y == 0x80) & ((z == 0x8e) | (z == 0x8f) | (0xaa..=0xae).contains(&z)))
                    | ((y == 0x81) & (0xa6..=0xa9).contains(&z))))
    };
    let b = s.as_bytes();
    let body = b.windows(3).fold(false, |f, w| f | found(w[0], w[1], w[2]));
    body || (b.len().saturating_sub(2)..b.len())
        .any(|i| found(b[i], b.get(i + 1).copied().unwrap_or(0), 0))
}

/// Strips control characters and escape sequences; keeps newlines and tabs.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !suspicious(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                // CSI: parameters and intermediates, then one final byte.
                Some('[') => skip_csi(&mut chars),
                // String sequences run to BEL or ST (ESC \).
                Some(']' | 'P' | '_' | '^' | 'X') => skip_string(&mut chars),
                // Two-character escapes (ESC c, ESC 7, ESC ( B ...).
                Some('(' | ')' | '*' | '+' | '#' | '%') => {
                    chars.next();
                }
                _ => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{9f}' | '\u{9e}' | '\u{98}' => skip_string(&mut chars),
            '\n' | '\t' => out.push(c),
            c if needs_work(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Like [`sanitize`], for one-line fields (titles, authors): newlines and tabs become spaces
/// and runs of whitespace collapse.
pub fn sanitize_line(s: &str) -> String {
    let clean = sanitize(s);
    let mut out = String::with_capacity(clean.len());
    for word in clean.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A feed address as it may be shown: credentials replaced by `***`, the host in its ASCII
/// (punycode) form so that look-alike or reordered letters cannot pass for another domain,
/// and what the URL parser refuses shown with its unusual host characters escaped.
/// Local paths are shown sanitised, as written.
pub fn display_url(s: &str) -> String {
    if let Ok(u) = url::Url::parse(s) {
        if u.has_host() {
            let shown = if u.username().is_empty() && u.password().is_none() {
                u.to_string()
            } else {
                format!("{}://***@{}", u.scheme(), &u[url::Position::BeforeHost..])
            };
            return sanitize_line(&shown);
        }
    }
    let Some(parts) = super::url_parts(s) else {
        return sanitize_line(s);
    };
    let credentials = if parts.userinfo.is_some() { "***@" } else { "" };
    let host: String = parts
        .host
        .chars()
        .map(|c| match c {
            c if c.is_ascii_graphic() => c.to_string(),
            c => c.escape_unicode().to_string(),
        })
        .collect();
    sanitize_line(&format!(
        "{}://{credentials}{host}{}",
        parts.scheme, parts.rest
    ))
}

fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_byte_scan_finds_every_control_and_override() {
        for c in (0..=0x10ffffu32).filter_map(char::from_u32) {
            assert_eq!(
                suspicious(&format!("ab{c}d")),
                needs_work(c),
                "{:x}",
                c as u32
            );
        }
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(sanitize("héllo\nworld\t日本"), Cow::Borrowed(_)));
    }

    #[test]
    fn escape_sequences_are_removed_whole() {
        assert_eq!(sanitize("a\x1b[2Jb\x1b[1;31mc"), "abc");
        assert_eq!(sanitize("x\x1b]52;c;ZXZpbA==\x07y"), "xy");
        assert_eq!(
            sanitize("x\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\y"),
            "xlinky"
        );
        assert_eq!(sanitize("a\u{9b}2Jb"), "ab");
        assert_eq!(sanitize("a\u{9d}52;c;AA==\u{9c}b"), "ab");
        assert_eq!(sanitize("a\x1bPq#0;2;0;0;0\x1b\\b"), "ab");
    }

    #[test]
    fn controls_and_bidi_overrides_are_removed() {
        assert_eq!(sanitize("a\0b\x08c\rd\x7fe\u{85}f"), "abcdef");
        assert_eq!(sanitize("\u{202e}txt.exe\u{2066}"), "txt.exe");
    }

    #[test]
    fn one_line_fields_collapse_whitespace() {
        assert_eq!(sanitize_line(" a\n\tb  \x1b[2Jc "), "a b c");
    }

    #[test]
    fn truncated_sequences_do_not_leak() {
        assert_eq!(sanitize("a\x1b["), "a");
        assert_eq!(sanitize("a\x1b]52;c;AAAA"), "a");
        assert_eq!(sanitize("a\x1b"), "a");
    }

    #[test]
    fn shown_urls_never_carry_credentials() {
        assert_eq!(
            display_url("https://user:secret@example.com/feed?x=1"),
            "https://***@example.com/feed?x=1"
        );
        assert_eq!(
            display_url("https://token@example.com/"),
            "https://***@example.com/"
        );
        assert_eq!(display_url("http://example.com/a"), "http://example.com/a");
        // What the URL parser refuses is still redacted.
        assert_eq!(
            display_url("http://u:p@exa mple/x"),
            "http://***@exa\\u{20}mple/x"
        );
        assert_eq!(display_url("/home/me/feed.xml"), "/home/me/feed.xml");
    }

    #[test]
    fn hosts_that_could_pass_for_another_domain_are_shown_escaped() {
        // Right-to-left letters and look-alikes: punycode, as browsers show them.
        assert_eq!(
            display_url("https://аpple.com/feed"),
            "https://xn--pple-43d.com/feed"
        );
        assert!(display_url("http://\u{5d0}\u{5d1}.example/").starts_with("http://xn--"));
        // A bidi override the URL parser refuses is shown as an escape, not obeyed or dropped.
        let shown = display_url("http://evil\u{202e}moc.elgoog/feed");
        assert!(shown.contains("\\u{202e}"), "{shown}");
        assert!(!shown.contains('\u{202e}'));
    }
}
