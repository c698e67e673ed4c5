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

use crate::text::Collapsed;

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
                text: text.into_string(),
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

mod elements;
mod splitter;

#[cfg(test)]
mod tests;
