//! A forgiving HTML tokenizer for the splitter: start and end tags (names lowercased, only
//! the attributes the cleaner reads), text with character references decoded, comments and
//! doctypes dropped, and the contents of raw-text elements (script, style, …) never parsed
//! as markup. It follows the HTML tokenizer where that changes what a reader sees, and is
//! a single pass without a DOM: a tree is more than splitting an article needs, and
//! building one cost more than all the rest of the cleaner.

use std::borrow::Cow;

use crate::text::decode;

#[derive(Debug, Clone, PartialEq)]
pub enum Token<'a> {
    Text(Cow<'a, str>),
    Start(Tag<'a>),
    End(Cow<'a, str>),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tag<'a> {
    pub name: Cow<'a, str>,
    pub class: Option<Cow<'a, str>>,
    pub id: Option<Cow<'a, str>>,
    pub href: Option<Cow<'a, str>>,
    pub alt: Option<Cow<'a, str>>,
    pub src: Option<Cow<'a, str>>,
    pub self_closing: bool,
}

pub struct Tokens<'a> {
    src: &'a str,
    pos: usize,
    /// After the start tag of a raw-text element: its name, and whether its text is
    /// returned (textarea) or dropped (script, style, …).
    raw: Option<(Cow<'a, str>, bool)>,
}

pub fn tokens(src: &str) -> Tokens<'_> {
    Tokens {
        src,
        pos: 0,
        raw: None,
    }
}

/// Elements whose content is text up to their end tag, not markup.
fn raw_text(name: &str) -> Option<bool> {
    match name {
        "textarea" | "plaintext" => Some(true),
        "script" | "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" | "title" => {
            Some(false)
        }
        _ => None,
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let bytes = self.src.as_bytes();
        if let Some((name, keep)) = self.raw.take() {
            let rest = &self.src[self.pos..];
            let end = if name == "plaintext" {
                rest.len()
            } else {
                find_end_tag(rest, &name).unwrap_or(rest.len())
            };
            self.pos += end;
            if keep && end > 0 {
                return Some(Token::Text(decode(&rest[..end], false)));
            }
        }
        loop {
            if self.pos >= bytes.len() {
                return None;
            }
            let start = self.pos;
            if bytes[start] != b'<' {
                let end = memchr(b'<', &bytes[start..]).map_or(bytes.len(), |i| start + i);
                self.pos = end;
                return Some(Token::Text(decode(&self.src[start..end], false)));
            }
            let next = bytes.get(start + 1).copied();
            match next {
                Some(c) if c.is_ascii_alphabetic() => {
                    let Some((tag, end)) = start_tag(self.src, start + 1) else {
                        // A tag cut off by the end of the input is dropped.
                        self.pos = bytes.len();
                        return None;
                    };
                    self.pos = end;
                    if let Some(keep) = raw_text(&tag.name) {
                        self.raw = Some((tag.name.clone(), keep));
                    }
                    return Some(Token::Start(tag));
                }
                Some(b'/') => match bytes.get(start + 2) {
                    Some(c) if c.is_ascii_alphabetic() => {
                        let (name, name_end) = tag_name(self.src, start + 2);
                        self.pos = skip_past(bytes, name_end, b'>');
                        return Some(Token::End(name));
                    }
                    Some(b'>') => self.pos = start + 3,
                    Some(_) => self.pos = skip_past(bytes, start + 2, b'>'),
                    None => {
                        self.pos = bytes.len();
                        return Some(Token::Text(Cow::Borrowed("</")));
                    }
                },
                Some(b'!') if self.src[start..].starts_with("<!--") => {
                    self.pos = comment_end(&self.src[start + 4..]) + start + 4;
                }
                Some(b'!' | b'?') => self.pos = skip_past(bytes, start + 2, b'>'),
                _ => {
                    self.pos = start + 1;
                    return Some(Token::Text(Cow::Borrowed("<")));
                }
            }
        }
    }
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    memchr::memchr(needle, hay)
}

/// The index just past the next `byte` at or after `from`, or the end.
fn skip_past(bytes: &[u8], from: usize, byte: u8) -> usize {
    memchr(byte, &bytes[from.min(bytes.len())..]).map_or(bytes.len(), |i| from + i + 1)
}

/// Offset just past a comment's end (`-->`, `--!>`, or an empty `>` / `->` right away).
fn comment_end(rest: &str) -> usize {
    if rest.starts_with('>') {
        return 1;
    }
    if rest.starts_with("->") {
        return 2;
    }
    let mut from = 0;
    while let Some(i) = rest[from..].find("--") {
        let at = from + i + 2;
        if rest[at..].starts_with('>') {
            return at + 1;
        }
        if rest[at..].starts_with("!>") {
            return at + 2;
        }
        from = from + i + 1;
    }
    rest.len()
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// Where `</name` (any case, then a space, `/` or `>`) starts in `rest`.
fn find_end_tag(rest: &str, name: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr(b'<', &bytes[from..]) {
        let at = from + i;
        let after = at + 2 + name.len();
        if bytes.get(at + 1) == Some(&b'/')
            && bytes.len() >= after
            && bytes[at + 2..after].eq_ignore_ascii_case(name.as_bytes())
            && bytes
                .get(after)
                .is_none_or(|b| is_space(*b) || matches!(b, b'/' | b'>'))
        {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

fn tag_name(src: &str, from: usize) -> (Cow<'_, str>, usize) {
    let bytes = src.as_bytes();
    let end = bytes[from..]
        .iter()
        .position(|b| is_space(*b) || matches!(b, b'/' | b'>'))
        .map_or(bytes.len(), |i| from + i);
    (lower(&src[from..end]), end)
}

/// Parses a start tag whose name begins at `from`; `None` when the input ends inside it.
fn start_tag(src: &str, from: usize) -> Option<(Tag<'_>, usize)> {
    let bytes = src.as_bytes();
    let (name, mut i) = tag_name(src, from);
    let mut tag = Tag {
        name,
        ..Tag::default()
    };
    loop {
        while i < bytes.len() && (is_space(bytes[i]) || bytes[i] == b'/') {
            i += 1;
        }
        match bytes.get(i) {
            None => return None,
            Some(b'>') => {
                tag.self_closing = bytes[i - 1] == b'/';
                return Some((tag, i + 1));
            }
            _ => {}
        }
        // An attribute name (a leading `=` belongs to it), then maybe `= value`.
        let name_start = i;
        i += 1;
        while i < bytes.len() && !is_space(bytes[i]) && !matches!(bytes[i], b'/' | b'>' | b'=') {
            i += 1;
        }
        let attr = &src[name_start..i];
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        let mut value = "";
        if bytes.get(i) == Some(&b'=') {
            i += 1;
            while i < bytes.len() && is_space(bytes[i]) {
                i += 1;
            }
            match bytes.get(i) {
                Some(q @ (b'"' | b'\'')) => {
                    let close = memchr(*q, &bytes[i + 1..])? + i + 1;
                    value = &src[i + 1..close];
                    i = close + 1;
                }
                Some(_) => {
                    let start = i;
                    while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'>' {
                        i += 1;
                    }
                    value = &src[start..i];
                }
                None => return None,
            }
        }
        // The first of duplicate attributes wins, as in browsers.
        let slot = match attr.to_ascii_lowercase().as_str() {
            "class" => &mut tag.class,
            "id" => &mut tag.id,
            "href" => &mut tag.href,
            "alt" => &mut tag.alt,
            "src" => &mut tag.src,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(crate::text::decode(value, true));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(src: &str) -> Vec<String> {
        tokens(src)
            .map(|t| match t {
                Token::Text(t) => format!("'{t}'"),
                Token::Start(t) => format!("<{}>", t.name),
                Token::End(n) => format!("</{n}>"),
            })
            .collect()
    }

    #[test]
    fn tags_text_and_comments() {
        assert_eq!(
            names("<P Class=x>a<!-- <p>no</p> -->b</P><br/>"),
            ["<p>", "'a'", "'b'", "</p>", "<br>"]
        );
        assert_eq!(
            names("a < b <3 </ >c"),
            ["'a '", "'<'", "' b '", "'<'", "'3 '", "'c'"]
        );
        assert_eq!(names("<!doctype html><?xml x?>t"), ["'t'"]);
        assert_eq!(names("x<!-->y<!--->z"), ["'x'", "'y'", "'z'"]);
    }

    #[test]
    fn attributes_are_read_quoted_or_not() {
        let Some(Token::Start(t)) =
            tokens("<a HREF='x?a=1&amp;b=2' class=\"one two\" id=main alt>").next()
        else {
            panic!("no tag");
        };
        assert_eq!(t.href.as_deref(), Some("x?a=1&b=2"));
        assert_eq!(t.class.as_deref(), Some("one two"));
        assert_eq!(t.id.as_deref(), Some("main"));
        assert_eq!(t.alt.as_deref(), Some(""));
        let Some(Token::Start(t)) = tokens("<a href=\"?x&copy=1\" href=y>").next() else {
            panic!("no tag");
        };
        assert_eq!(t.href.as_deref(), Some("?x&copy=1"));
    }

    #[test]
    fn raw_text_is_not_markup() {
        assert_eq!(
            names("<script>if (a<b) document.write('<p>x</p>')</script>after"),
            ["<script>", "</script>", "'after'"]
        );
        assert_eq!(
            names("<textarea><b>&amp;</b></TEXTAREA>"),
            ["<textarea>", "'<b>&</b>'", "</textarea>"]
        );
        assert_eq!(names("<style>p{}"), ["<style>"]);
    }

    #[test]
    fn a_tag_cut_off_at_the_end_is_dropped() {
        assert_eq!(names("text<p class=\"unterminated"), ["'text'"]);
        assert_eq!(names("text<p"), ["'text'"]);
    }
}
