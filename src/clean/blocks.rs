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

use super::tokens::{tokens, Tag, Token};

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
    /// Text with link markers and [`BREAK`]s only — most of any article. Wrapped directly.
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

/// HTML: see the module docs.
pub fn split_html(input: &str) -> Split {
    let mut splitter = Splitter::default();
    for token in tokens(input) {
        splitter.token(token);
    }
    if splitter.leaf.is_some() {
        splitter.end_leaf();
    }
    splitter.flush_pending();
    splitter.split
}

/// Feed text as it may be shown: no control sequences, none of our own markers, and a
/// carriage return is a newline (as HTML reads it), not nothing.
fn text_of(raw: &str) -> Cow<'_, str> {
    let clean = if raw.contains('\r') {
        Cow::Owned(super::sanitize(&raw.replace("\r\n", "\n").replace('\r', "\n")).into_owned())
    } else {
        super::sanitize(raw)
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

/// A block's rendering, built as plain text until some markup needs HTML.
enum Out {
    Plain { text: String, item: bool },
    Html(String),
}

impl Out {
    fn text(&mut self, t: &str) {
        match self {
            Out::Plain { text, .. } => text.push_str(t),
            Out::Html(html) => escape_into(html, t),
        }
    }

    fn line_break(&mut self) {
        match self {
            Out::Plain { text, .. } => text.push(BREAK),
            Out::Html(html) => html.push_str("<br>"),
        }
    }

    fn link(&mut self, index: usize) {
        let (Out::Plain { text, .. } | Out::Html(text)) = self;
        push_link(text, index);
    }

    fn tag(&mut self, close: bool, name: &str) {
        if let Out::Plain { text, item } = self {
            let mut html = String::from(if *item { "<ul><li>" } else { "<p>" });
            for (i, part) in text.split(BREAK).enumerate() {
                if i > 0 {
                    html.push_str("<br>");
                }
                escape_into(&mut html, part);
            }
            *self = Out::Html(html);
        }
        if let Out::Html(html) = self {
            html.push_str(if close { "</" } else { "<" });
            html.push_str(name);
            html.push('>');
        }
    }
}

fn escape_into(out: &mut String, t: &str) {
    let mut rest = t;
    while let Some(i) = rest.find(['&', '<', '>', '"']) {
        out.push_str(&rest[..i]);
        out.push_str(match rest.as_bytes()[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => "&quot;",
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}

/// An element open outside any block.
struct Open<'a> {
    name: Cow<'a, str>,
    classes: Vec<String>,
    container: bool,
    interactive: bool,
}

/// An element open inside the block being built.
struct Inner<'a> {
    name: Cow<'a, str>,
    /// Its tag was written to the block's HTML, so its end tag must be too.
    written: bool,
    /// A link: its target and where its text started.
    link: Option<(String, usize)>,
}

/// The block being built: a leaf block element and everything inside it.
struct Leaf<'a> {
    name: Cow<'a, str>,
    text: Collapsed,
    text_len: usize,
    out: Out,
    inner: Vec<Inner<'a>>,
    classes: Vec<String>,
    interactive: bool,
}

/// Loose inline content between blocks.
#[derive(Default)]
struct Pending {
    text: Collapsed,
    plain: String,
    started: bool,
    classes: Vec<String>,
    interactive: bool,
    link: Option<String>,
}

#[derive(Default)]
struct Splitter<'a> {
    split: Split,
    open: Vec<Open<'a>>,
    leaf: Option<Leaf<'a>>,
    pending: Pending,
    /// Inside an element whose content is never shown: its name and nesting.
    skip: Option<(Cow<'a, str>, usize)>,
}

impl<'a> Splitter<'a> {
    fn token(&mut self, token: Token<'a>) {
        if let Some((name, depth)) = &mut self.skip {
            match &token {
                Token::Start(t) if t.name == *name && !t.self_closing => *depth += 1,
                Token::End(n) if n == name => {
                    *depth -= 1;
                    if *depth == 0 {
                        self.skip = None;
                    }
                }
                _ => {}
            }
            return;
        }
        if self.leaf.is_some() && self.leaf_token(&token) {
            return;
        }
        match token {
            Token::Text(t) => self.pending_text(&t),
            Token::Start(tag) => self.start(tag),
            Token::End(name) => self.end(&name),
        }
    }

    fn start(&mut self, tag: Tag<'a>) {
        let name = tag.name.as_ref();
        if matches!(name, "html" | "head" | "body") {
            return;
        }
        if is_void(name) {
            match name {
                "br" => self.pending.plain.push(BREAK),
                "input" => self.pending.interactive = true,
                "hr" => self.flush_pending(),
                _ => {}
            }
            return;
        }
        if is_skipped(name) {
            if !tag.self_closing {
                self.skip = Some((tag.name.clone(), 1));
            }
            return;
        }
        if is_leaf_block(name) {
            self.flush_pending();
            let mut classes = names_of(&tag);
            classes.extend(self.open.iter().flat_map(|o| o.classes.iter().cloned()));
            let mut out = match name {
                "p" => Out::Plain {
                    text: String::new(),
                    item: false,
                },
                "li" => Out::Plain {
                    text: String::new(),
                    item: true,
                },
                _ => Out::Html(String::new()),
            };
            if keeps_tag(name) && matches!(out, Out::Html(_)) {
                out.tag(false, name);
            }
            self.leaf = Some(Leaf {
                name: tag.name.clone(),
                text: Collapsed::default(),
                text_len: 0,
                out,
                inner: Vec::new(),
                classes,
                interactive: self.open.iter().any(|o| o.interactive),
            });
            return;
        }
        let container = is_container(name);
        if container {
            self.flush_pending();
        } else {
            if is_interactive(name) {
                self.pending.interactive = true;
            }
            if name == "a" {
                self.pending.link = link_target(&tag);
            }
        }
        self.open.push(Open {
            name: tag.name.clone(),
            classes: names_of(&tag),
            container,
            interactive: is_interactive(name),
        });
    }

    fn end(&mut self, name: &str) {
        let Some(at) = self.open.iter().rposition(|o| o.name == name) else {
            return;
        };
        while self.open.len() > at {
            let Some(open) = self.open.pop() else { break };
            if open.name == "a" {
                if let Some(href) = self.pending.link.take() {
                    if !self.pending.plain.trim().is_empty() {
                        let index = link_index(&mut self.split.links, href);
                        push_link(&mut self.pending.plain, index);
                    }
                }
            }
            if open.container {
                self.flush_pending();
            }
        }
    }

    fn pending_text(&mut self, raw: &str) {
        let p = &mut self.pending;
        if !p.started && raw.trim().is_empty() {
            return;
        }
        let t = text_of(raw);
        if !p.started {
            p.started = true;
            p.classes = self
                .open
                .iter()
                .flat_map(|o| o.classes.iter().cloned())
                .collect();
            p.interactive |= self.open.iter().any(|o| o.interactive);
        }
        p.text.push(&t);
        p.plain.push_str(&t);
    }

    fn flush_pending(&mut self) {
        let p = std::mem::take(&mut self.pending);
        if !p.text.0.is_empty() {
            self.split.blocks.push(Block {
                text: p.text.0,
                body: Body::Plain(p.plain),
                classes: p.classes,
                interactive: p.interactive,
                heading: false,
                list_item: false,
            });
        }
    }

    /// A token inside a block. False when the token ended the block and is still to be
    /// handled outside it.
    fn leaf_token(&mut self, token: &Token<'a>) -> bool {
        let Some(leaf) = self.leaf.as_mut() else {
            return false;
        };
        match token {
            Token::Text(raw) => {
                let t = text_of(raw);
                leaf.text.push(&t);
                leaf.text_len += t.len();
                leaf.out.text(&t);
                true
            }
            Token::Start(tag) => {
                let name = tag.name.as_ref();
                if closes_leaf(leaf, name) {
                    self.end_leaf();
                    return false;
                }
                if closes_p(name) {
                    if let Some(at) = leaf.inner.iter().rposition(|e| e.name == "p") {
                        close_inner(leaf, at, &mut self.split.links);
                    }
                } else if let Some(at) = open_item(leaf, name) {
                    close_inner(leaf, at, &mut self.split.links);
                }
                if is_interactive(name) {
                    leaf.interactive = true;
                }
                leaf.classes.extend(names_of(tag));
                if is_void(name) {
                    match name {
                        "br" => {
                            leaf.out.line_break();
                            leaf.text.space();
                        }
                        "img" => {
                            if let Some(alt) = tag.alt.as_deref().map(super::sanitize_line) {
                                if !alt.is_empty() {
                                    leaf.out.text(&format!("[{alt}]"));
                                    leaf.text.push(&format!(" {alt} "));
                                    leaf.text_len += alt.len();
                                }
                            }
                        }
                        _ => {}
                    }
                    return true;
                }
                if is_skipped(name) {
                    if !tag.self_closing {
                        self.skip = Some((tag.name.clone(), 1));
                    }
                    return true;
                }
                if is_leaf_block(name) || is_container(name) || matches!(name, "td" | "th") {
                    // Words on either side of a nested block are separate words.
                    leaf.text.space();
                }
                let depth = leaf.inner.len() + 2;
                let mut written = false;
                if name != "a" {
                    if depth <= MAX_DEPTH && keeps_tag(name) {
                        leaf.out.tag(false, name);
                        written = true;
                    } else if matches!(name, "div" | "section" | "p" | "tr") {
                        leaf.out.line_break();
                        leaf.text.space();
                    }
                }
                let link = (name == "a")
                    .then(|| link_target(tag))
                    .flatten()
                    .map(|href| (href, leaf.text_len));
                leaf.inner.push(Inner {
                    name: tag.name.clone(),
                    written,
                    link,
                });
                true
            }
            Token::End(name) => {
                let name = name.as_ref();
                if let Some(at) = leaf.inner.iter().rposition(|e| e.name == name) {
                    close_inner(leaf, at, &mut self.split.links);
                    return true;
                }
                if name == leaf.name || (is_heading(name) && is_heading(&leaf.name)) {
                    self.end_leaf();
                    return true;
                }
                if self.open.iter().any(|o| o.name == name) {
                    self.end_leaf();
                    return false;
                }
                true
            }
        }
    }

    fn end_leaf(&mut self) {
        let Some(mut leaf) = self.leaf.take() else {
            return;
        };
        close_inner(&mut leaf, 0, &mut self.split.links);
        let list_item = leaf.name == "li";
        let body = match leaf.out {
            Out::Plain { text, .. } => Body::Plain(text),
            Out::Html(mut html) => {
                if list_item {
                    html.push_str("</li></ul>");
                } else if keeps_tag(&leaf.name) {
                    html.push_str("</");
                    html.push_str(&leaf.name);
                    html.push('>');
                }
                Body::Html(html)
            }
        };
        if !leaf.text.0.is_empty() {
            self.split.blocks.push(Block {
                text: leaf.text.0,
                body,
                classes: leaf.classes,
                interactive: leaf.interactive,
                heading: is_heading(&leaf.name),
                list_item,
            });
        }
    }
}

/// Closes the elements open inside a block from the innermost down to `at`.
fn close_inner(leaf: &mut Leaf<'_>, at: usize, links: &mut Vec<String>) {
    while leaf.inner.len() > at {
        let Some(e) = leaf.inner.pop() else { break };
        if let Some((href, start)) = e.link {
            if leaf.text_len > start {
                leaf.out.link(link_index(links, href));
            }
        }
        if e.written {
            leaf.out.tag(true, &e.name);
        } else if matches!(e.name.as_ref(), "td" | "th") {
            leaf.out.text(" ");
            leaf.text.space();
        }
    }
}

/// True when a start tag `name` ends the block itself, as a browser would close it.
fn closes_leaf(leaf: &Leaf<'_>, name: &str) -> bool {
    match leaf.name.as_ref() {
        "p" => closes_p(name),
        "li" => name == "li" && open_item(leaf, name).is_none() && !in_list(leaf),
        "dt" | "dd" => {
            matches!(name, "dt" | "dd") && open_item(leaf, name).is_none() && !in_list(leaf)
        }
        h if is_heading(h) => is_heading(name) && leaf.inner.is_empty(),
        _ => false,
    }
}

/// A list item open inside the block that a new `name` item closes.
fn open_item(leaf: &Leaf<'_>, name: &str) -> Option<usize> {
    let siblings: &[&str] = match name {
        "li" => &["li"],
        "dt" | "dd" => &["dt", "dd"],
        _ => return None,
    };
    for (i, e) in leaf.inner.iter().enumerate().rev() {
        if siblings.contains(&e.name.as_ref()) {
            return Some(i);
        }
        if is_special(&e.name) {
            return None;
        }
    }
    None
}

/// A nested list (or other special element) is open inside the block.
fn in_list(leaf: &Leaf<'_>) -> bool {
    leaf.inner.iter().any(|e| is_special(&e.name))
}

/// Elements that stop the search for an open list item (HTML's "special" category, less
/// `address`, `div` and `p`).
fn is_special(name: &str) -> bool {
    (is_container(name) || is_leaf_block(name)) && !matches!(name, "div" | "p" | "address")
}

/// Start tags that close an open `<p>`.
fn closes_p(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "center"
            | "details"
            | "dialog"
            | "dir"
            | "div"
            | "dl"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "header"
            | "hgroup"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "p"
            | "section"
            | "summary"
            | "ul"
            | "pre"
            | "listing"
            | "form"
            | "li"
            | "dd"
            | "dt"
            | "table"
            | "hr"
            | "xmp"
            | "plaintext"
    ) || is_heading(name)
}

fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
            | "keygen"
    )
}

fn is_leaf_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "li"
            | "blockquote"
            | "pre"
            | "table"
            | "figcaption"
            | "dt"
            | "dd"
            | "address"
            | "caption"
    )
}

fn is_container(name: &str) -> bool {
    matches!(
        name,
        "div"
            | "section"
            | "article"
            | "main"
            | "aside"
            | "header"
            | "footer"
            | "nav"
            | "ul"
            | "ol"
            | "dl"
            | "figure"
            | "form"
            | "fieldset"
            | "details"
            | "summary"
            | "center"
            | "picture"
            | "video"
            | "audio"
    )
}

/// Elements whose content is never part of the article text.
fn is_skipped(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "title"
            | "svg"
            | "math"
            | "object"
            | "canvas"
            | "iframe"
            | "noembed"
            | "noframes"
            | "xmp"
    )
}

fn is_interactive(name: &str) -> bool {
    matches!(name, "form" | "input" | "button" | "select" | "textarea")
}

fn names_of(tag: &Tag<'_>) -> Vec<String> {
    let classes = tag.class.as_deref().unwrap_or("").split_ascii_whitespace();
    classes
        .chain(tag.id.as_deref().map(str::trim).filter(|i| !i.is_empty()))
        .map(str::to_ascii_lowercase)
        .collect()
}

fn link_target(tag: &Tag<'_>) -> Option<String> {
    let href = tag.href.as_deref()?.trim();
    (!href.is_empty() && !href.starts_with('#')).then(|| super::sanitize_line(href))
}

fn link_index(links: &mut Vec<String>, href: String) -> usize {
    links.iter().position(|l| *l == href).unwrap_or_else(|| {
        links.push(href);
        links.len() - 1
    })
}

fn push_link(text: &mut String, index: usize) {
    text.push(LINK_OPEN);
    text.push_str(&index.to_string());
    text.push(LINK_CLOSE);
}

fn keeps_tag(name: &str) -> bool {
    matches!(
        name,
        "p" | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "li"
            | "ul"
            | "ol"
            | "blockquote"
            | "pre"
            | "code"
            | "em"
            | "i"
            | "strong"
            | "b"
            | "br"
            | "table"
            | "tr"
            | "td"
            | "th"
            | "thead"
            | "tbody"
            | "sup"
            | "sub"
            | "dt"
            | "dd"
            | "dl"
            | "figcaption"
            | "caption"
            | "s"
            | "del"
            | "u"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_headings_and_items_are_blocks() {
        let s = split_html("<h2>Title</h2><p>One <a href=\"http://a\">link</a>.</p><ul><li>x</li><li>y</li></ul><div>loose <b>text</b></div>");
        let texts: Vec<_> = s.blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts, ["Title", "One link.", "x", "y", "loose text"]);
        assert!(s.blocks[0].heading);
        assert_eq!(s.links, ["http://a"]);
        assert_eq!(
            s.blocks[1].body,
            Body::Plain("One link\u{e000}0\u{e001}.".into())
        );
    }

    #[test]
    fn classes_of_ancestors_and_forms_are_recorded() {
        let s = split_html("<div class=\"Newsletter-Box\"><form><p>Get it</p><input type=email></form></div><p>Body</p>");
        assert!(s.blocks[0].classes.contains(&"newsletter-box".to_string()));
        assert!(s.blocks[0].interactive);
        assert!(!s.blocks[1].interactive && s.blocks[1].classes.is_empty());
    }

    #[test]
    fn scripts_are_dropped_and_escapes_stripped() {
        let s = split_html("<p>a<script>alert(1)</script>b\u{1b}[2Jc</p>");
        assert_eq!(s.blocks[0].text, "abc");
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let deep = "<div>".repeat(10_000) + "deep text" + &"</div>".repeat(10_000);
        let s = split_html(&deep);
        assert_eq!(s.blocks.len(), 1);
        let p = format!("<p>{}x{}</p>", "<b>".repeat(10_000), "</b>".repeat(10_000));
        assert_eq!(split_html(&p).blocks[0].text, "x");
    }

    fn texts(html: &str) -> Vec<String> {
        split_html(html)
            .blocks
            .into_iter()
            .map(|b| b.text)
            .collect()
    }

    #[test]
    fn tags_a_browser_closes_implicitly_end_blocks() {
        assert_eq!(
            texts("<p>one<p>two<div>three</div>"),
            ["one", "two", "three"]
        );
        assert_eq!(
            texts("<ul><li>a<li>b</ul><dl><dt>t<dd>d</dl>"),
            ["a", "b", "t", "d"]
        );
        assert_eq!(texts("<h2>Head<h3>Sub</h3>"), ["Head", "Sub"]);
        // Closing the container closes the open paragraph inside it.
        assert_eq!(texts("<div class=x><p>in</div>out"), ["in", "out"]);
        assert!(split_html("<div class=x><p>in</div>out").blocks[1]
            .classes
            .is_empty());
    }

    #[test]
    fn nested_lists_and_tables_stay_in_their_block() {
        let s = split_html("<ul><li>outer<ul><li>inner</li></ul></li><li>next</li></ul>");
        assert_eq!(s.blocks.len(), 2);
        assert_eq!(s.blocks[0].text, "outer inner");
        assert!(
            matches!(&s.blocks[0].body, Body::Html(h) if h == "<ul><li>outer<ul><li>inner</li></ul></li></ul>")
        );
        let t = split_html("<table><tr><td>a</td><td><p>b</p></td></tr></table><p>after</p>");
        assert_eq!(t.blocks.len(), 2);
        assert_eq!(t.blocks[0].text, "a b");
    }

    #[test]
    fn unseen_content_is_skipped() {
        assert_eq!(
            texts("<p>a<svg/>b</p><iframe>frame <p>x</p></iframe><template><p>t</p></template><p>c<noscript>n</noscript></p>"),
            ["ab", "c"]
        );
        let s = split_html("<form><textarea>Your email</textarea></form>");
        assert_eq!(s.blocks[0].text, "Your email");
        assert!(s.blocks[0].interactive);
    }

    #[test]
    fn inline_markup_makes_a_block_html_and_breaks_separate_words() {
        let s = split_html("<p>a <em>b</em> &amp; c</p><p>x<br>y</p>");
        assert_eq!(
            s.blocks[0].body,
            Body::Html("<p>a <em>b</em> &amp; c</p>".into())
        );
        assert_eq!(s.blocks[1].text, "x y");
        assert_eq!(s.blocks[1].body, Body::Plain("x\u{e002}y".into()));
    }

    #[test]
    fn our_markers_in_feed_text_are_dropped() {
        let s = split_html("<p>fake \u{e000}0\u{e001} link<a href=\"http://a\">real</a></p>");
        assert_eq!(
            s.blocks[0].body,
            Body::Plain("fake 0 linkreal\u{e000}0\u{e001}".into())
        );
    }

    #[test]
    fn byte_level_whitespace_agrees_with_char_is_whitespace() {
        for c in (0..=0x10ffffu32).filter_map(char::from_u32) {
            let s = format!("{c}x");
            let expected = c.is_whitespace();
            assert_eq!(whitespace_at(&s, 0).is_some(), expected, "{:x}", c as u32);
            if expected {
                assert_eq!(whitespace_at(&s, 0), Some(c.len_utf8()));
            }
            let only = c == ' ' || (!expected && c >= ' ');
            assert_eq!(
                only_ascii_spaces(&format!("a{c}b"), true),
                only,
                "{:x}",
                c as u32
            );
        }
    }

    #[test]
    fn text_input_splits_on_blank_lines() {
        let s = split_text("A\nb\n\n\nC\n");
        assert_eq!(s.blocks.len(), 2);
        assert_eq!(s.blocks[0].body, Body::Plain("A\u{e002}b".into()));
    }
}
