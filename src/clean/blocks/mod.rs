//! Splits an article into blocks — paragraphs, headings, list items, quotes — keeping, for
//! each, its text, what to render, and the structural hints around it (class and id names,
//! forms and buttons).
//!
//! One pass over the tokens, no DOM: open elements are kept on a stack, and the tags a
//! browser closes without being told (a `<p>` before a `<div>`, one `<li>` before the next)
//! are closed by the same rules. A block-level element without block children becomes a
//! block with everything inside it; loose inline content between blocks becomes a block of
//! its own.

use std::borrow::Cow;

pub use splitter::split_html;

/// Markers placed around a link's index in block text; replaced by `[n]` when rendering.
pub const LINK_OPEN: char = '\u{e000}';
pub const LINK_CLOSE: char = '\u{e001}';
/// A hard line break (`<br>`) in a plain block.
pub const BREAK: char = '\u{e002}';

/// Deeper elements are flattened: their text is kept, their nesting is not.
const MAX_DEPTH: usize = 64;

/// What a block renders.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// Text with link markers and `BREAK`s only — most of any article. Wrapped directly.
    Plain(String),
    /// A small HTML fragment (only tags the renderer uses), rendered by html2text.
    Html(String),
}

impl Default for Body {
    fn default() -> Self {
        Body::Plain(String::new())
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Block {
    /// Plain text, whitespace collapsed, for the classifier.
    pub text: String,
    pub body: Body,
    /// Class and id names of the block, its ancestors and its descendants, lowercased.
    pub classes: Vec<String>,
    /// The block holds or sits in a form, a button or an input.
    pub interactive: bool,
    pub heading: bool,
    /// An item of a list (consecutive items render without blank lines between them).
    pub list_item: bool,
}

/// Blocks of an article and the links they point to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Split {
    pub blocks: Vec<Block>,
    pub links: Vec<String>,
}

/// True when the input looks like HTML rather than plain text.
pub fn is_html(input: &str) -> bool {
    let sample = &input[..input.floor_char_boundary(4096)];
    let lower = sample.to_ascii_lowercase();
    [
        "<p",
        "<div",
        "<br",
        "</a>",
        "<li",
        "<h1",
        "<h2",
        "<h3",
        "<blockquote",
        "<img",
        "<span",
        "<table",
        "<section",
        "<article",
        "<figure",
        "<em>",
        "<strong>",
    ]
    .iter()
    .any(|t| lower.contains(t))
}

/// Plain text: one block per paragraph (blank-line separated), line breaks kept.
pub fn split_text(input: &str) -> Split {
    let blocks = paragraphs(input)
        .into_iter()
        .map(|b| {
            let clean = text_of(b);
            let mut text = Collapsed::default();
            text.push(&clean);
            let lines: Vec<&str> = clean.lines().map(str::trim_end).collect();
            Block {
                text: text.0,
                body: Body::Plain(lines.join(&BREAK.to_string())),
                heading: b.trim_start().starts_with('#'),
                ..Block::default()
            }
        })
        .collect();
    Split {
        blocks,
        links: Vec::new(),
    }
}

/// Paragraphs of plain text: runs of lines separated by lines that are empty or hold only
/// spaces and tabs.
fn paragraphs(input: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut end = 0;
    let mut offset = 0;
    for line in input.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if content.trim_matches([' ', '\t']).is_empty() {
            if let Some(s) = start.take() {
                out.push(&input[s..end]);
            }
        } else {
            start.get_or_insert(offset);
            end = offset + content.len();
        }
        offset += line.len();
    }
    if let Some(s) = start {
        out.push(&input[s..end]);
    }
    out
}

/// Gives text blocks the structure of the same blocks in the HTML they were made from:
/// blocks are matched by their text, ignoring whitespace, in order.
pub fn borrow_structure(blocks: &mut [Block], html: &[Block]) {
    let squash = |t: &str| -> String { t.chars().filter(|c| !c.is_whitespace()).collect() };
    let keys: Vec<String> = html.iter().map(|b| squash(&b.text)).collect();
    let mut from = 0;
    for block in blocks {
        let key = squash(&block.text);
        if key.is_empty() {
            continue;
        }
        let found = (from..keys.len())
            .chain(0..from)
            .find(|i| keys[*i] == key)
            .or_else(|| (from..keys.len()).find(|i| keys[*i].contains(&key)));
        if let Some(i) = found {
            let h = &html[i];
            block.heading |= h.heading;
            block.list_item = h.list_item;
            block.interactive = h.interactive;
            block.classes = h.classes.clone();
            from = i + 1;
        }
    }
}

/// Feed text as it may be shown: no control sequences, none of our own markers, and a
/// carriage return is a newline (as HTML reads it), not nothing.
fn text_of(raw: &str) -> Cow<'_, str> {
    let clean = if raw.contains('\r') {
        Cow::Owned(
            crate::text::sanitize(&raw.replace("\r\n", "\n").replace('\r', "\n")).into_owned(),
        )
    } else {
        crate::text::sanitize(raw)
    };
    // Our markers are U+E000..U+E002: EE 80 80..82 in UTF-8.
    if !clean.as_bytes().contains(&0xee) {
        return clean;
    }
    Cow::Owned(
        clean
            .chars()
            .filter(|c| !('\u{e000}'..='\u{e002}').contains(c))
            .collect(),
    )
}

/// Text with runs of whitespace collapsed to one space, trimmed at the start.
#[derive(Default)]
struct Collapsed(String, bool);

impl Collapsed {
    fn push(&mut self, t: &str) {
        let bytes = t.as_bytes();
        // Usually words are one ASCII space apart already: then only the ends need care.
        let irregular = !only_ascii_spaces(t, true) || t.contains("  ");
        if !irregular {
            if bytes.first() == Some(&b' ') {
                self.1 = true;
            }
            self.word(t.trim_matches(' '));
            if t.len() > 1 && bytes.last() == Some(&b' ') {
                self.1 = true;
            }
            return;
        }
        let mut run = 0;
        let mut i = 0;
        while i < bytes.len() {
            let Some(len) = whitespace_at(t, i) else {
                i += 1;
                continue;
            };
            // A single space between two words is already collapsed: it stays in the run,
            // which is copied whole.
            let single = bytes[i] == b' '
                && i > run
                && i + 1 < bytes.len()
                && whitespace_at(t, i + 1).is_none();
            if !single {
                self.word(&t[run..i]);
                self.1 = true;
                run = i + len;
            }
            i += len;
        }
        self.word(&t[run..]);
    }

    fn word(&mut self, word: &str) {
        if word.is_empty() {
            return;
        }
        if self.1 && !self.0.is_empty() {
            self.0.push(' ');
        }
        self.1 = false;
        self.0.push_str(word);
    }

    fn space(&mut self) {
        self.1 = true;
    }
}

/// Whether the bytes `x y z` begin a non-ASCII whitespace character: U+0085, U+00A0,
/// U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F or U+3000 (the rest of what
/// `char::is_whitespace` accepts). Branch-free, so that loops over it vectorise.
#[inline(always)]
fn unicode_space(x: u8, y: u8, z: u8) -> bool {
    ((x == 0xc2) & ((y == 0x85) | (y == 0xa0)))
        | ((x == 0xe1) & (y == 0x9a) & (z == 0x80))
        | ((x == 0xe2)
            & (((y == 0x80) & ((z <= 0x8a) | (z == 0xa8) | (z == 0xa9) | (z == 0xaf)))
                | ((y == 0x81) & (z == 0x9f))))
        | ((x == 0xe3) & (y == 0x80) & (z == 0x80))
}

/// The length of the whitespace character at byte `i` of `s`, if there is one.
#[inline]
pub fn whitespace_at(s: &str, i: usize) -> Option<usize> {
    let b = s.as_bytes();
    let at = |k: usize| b.get(k).copied().unwrap_or(0);
    match b[i] {
        b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => Some(1),
        x @ (0xc2 | 0xe1..=0xe3) if unicode_space(x, at(i + 1), at(i + 2)) => {
            Some(if x == 0xc2 { 2 } else { 3 })
        }
        _ => None,
    }
}

/// True when the only whitespace in `s` is ASCII spaces (and no-break spaces, which do not
/// separate words when wrapping, unless `nbsp_too`). One branch-free pass over byte
/// triples, which the compiler vectorises.
pub fn only_ascii_spaces(s: &str, nbsp_too: bool) -> bool {
    let b = s.as_bytes();
    let other_space = |x: u8, y: u8, z: u8| {
        let nbsp = (x == 0xc2) & (y == 0xa0);
        (x < b' ') | (unicode_space(x, y, z) & (nbsp_too | !nbsp))
    };
    let body = b
        .windows(3)
        .fold(false, |found, w| found | other_space(w[0], w[1], w[2]));
    let tail = b.len().saturating_sub(2);
    let ends = (tail..b.len()).any(|i| other_space(b[i], b.get(i + 1).copied().unwrap_or(0), 0));
    !body && !ends
}

mod elements;
mod splitter;

#[cfg(test)]
mod tests;
