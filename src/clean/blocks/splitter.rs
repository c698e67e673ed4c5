//! The HTML splitter: one pass over the tokens with a stack of open elements, closing what
//! a browser would close without being told, and turning leaf block elements into blocks.

use super::super::tokens::{tokens, Tag, Token};
use super::elements::*;
use super::*;

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
        if !p.text.is_empty() {
            self.split.blocks.push(Block {
                text: p.text.into_string(),
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
                            if let Some(alt) = tag.alt.as_deref().map(crate::text::sanitize_line) {
                                if !alt.is_empty() {
                                    leaf.out.text(&format!("[{alt}]"));
                                    leaf.text.push(&format!(" {alt} "));
                                    leaf.text_len += alt.len();
                                    // A described picture is a numbered link to itself, so
                                    // that it can be opened. Nothing the scorer reads changes.
                                    if let Some(src) = tag
                                        .src
                                        .as_deref()
                                        .map(str::trim)
                                        .filter(|s| crate::text::is_safe_link(s))
                                    {
                                        leaf.out
                                            .link(link_index(&mut self.split.links, src.into()));
                                    }
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
        if !leaf.text.is_empty() {
            self.split.blocks.push(Block {
                text: leaf.text.into_string(),
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
