//! Splits an article into blocks — paragraphs, headings, list items, quotes — keeping, for
//! each, its text, a minimal HTML form to render, and the structural hints around it
//! (class and id names, forms and buttons).

use ego_tree::iter::Edge;
use scraper::{Html, Node};

/// Markers placed around a link's index in block HTML; replaced by `[n]` when rendering.
pub const LINK_OPEN: char = '\u{e000}';
pub const LINK_CLOSE: char = '\u{e001}';

/// Deeper elements are flattened: their text is kept, their nesting is not.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Block {
    /// Plain text, whitespace collapsed, for the classifier.
    pub text: String,
    /// What the renderer receives: a small HTML fragment.
    pub html: String,
    /// Class and id names of the block and its ancestors, lowercased.
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
    let sample = &input[..input.len().min(4096)];
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
    let blocks = input
        .split("\n\n")
        .flat_map(|chunk| chunk.split("\r\n\r\n"))
        .map(|b| b.trim_matches(|c: char| c == '\n' || c == '\r'))
        .filter(|b| !b.trim().is_empty())
        .map(|b| {
            let clean = super::sanitize(b);
            let html = clean
                .lines()
                .map(|l| super::escape_html(l.trim_end()))
                .collect::<Vec<_>>()
                .join("<br>");
            Block {
                text: collapse(&clean),
                html: format!("<p>{html}</p>"),
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

fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
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
        "html"
            | "body"
            | "div"
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
            | "hr"
            | "picture"
            | "video"
            | "audio"
    )
}

fn is_skipped(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "head"
            | "title"
            | "svg"
            | "math"
            | "object"
            | "embed"
            | "canvas"
            | "link"
            | "meta"
    )
}

fn is_interactive(name: &str) -> bool {
    matches!(name, "form" | "input" | "button" | "select" | "textarea")
}

/// HTML: block-level elements without block children become blocks; loose inline content
/// between them becomes a block of its own.
pub fn split_html(input: &str) -> Split {
    let doc = Html::parse_fragment(input);
    let mut split = Split::default();
    // Open elements: (is container, class names, interactive).
    let mut stack: Vec<(bool, Vec<String>, bool)> = Vec::new();
    let mut pending = Pending::default();
    let mut skip_until: Option<ego_tree::NodeId> = None;
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(node) => {
                if skip_until.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(t) => pending.text(&t.text, &stack),
                    Node::Element(e) => {
                        let name = e.name();
                        if is_skipped(name) {
                            skip_until = Some(node.id());
                            continue;
                        }
                        let mut classes = names_of(e);
                        if is_leaf_block(name) {
                            pending.flush(&mut split);
                            classes.extend(stack.iter().flat_map(|(_, c, _)| c.iter().cloned()));
                            let interactive = stack.iter().any(|(_, _, i)| *i);
                            let block = serialize(node, &mut split.links, classes, interactive);
                            if !block.text.is_empty() {
                                split.blocks.push(block);
                            }
                            skip_until = Some(node.id());
                        } else if is_container(name) {
                            pending.flush(&mut split);
                            stack.push((true, classes, is_interactive(name)));
                        } else {
                            if is_interactive(name) {
                                pending.interactive = true;
                            }
                            if name == "br" {
                                pending.html.push_str("<br>");
                            } else if name == "a" {
                                pending.link = link_target(e);
                            }
                            stack.push((false, classes, false));
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if let Some(id) = skip_until {
                    if id == node.id() {
                        skip_until = None;
                    }
                    continue;
                }
                if let Node::Element(e) = node.value() {
                    if is_container(e.name()) {
                        pending.flush(&mut split);
                    }
                    if e.name() == "a" {
                        if let Some(href) = pending.link.take() {
                            if !pending.text.trim().is_empty() {
                                push_link(&mut pending.html, &mut split.links, href);
                            }
                        }
                    }
                    if !is_leaf_block(e.name()) && !is_skipped(e.name()) {
                        stack.pop();
                    }
                }
            }
        }
    }
    pending.flush(&mut split);
    split
}

#[derive(Default)]
struct Pending {
    text: String,
    html: String,
    classes: Vec<String>,
    interactive: bool,
    link: Option<String>,
}

impl Pending {
    fn text(&mut self, t: &str, stack: &[(bool, Vec<String>, bool)]) {
        if self.text.is_empty() && t.trim().is_empty() {
            return;
        }
        if self.classes.is_empty() {
            self.classes = stack
                .iter()
                .flat_map(|(_, c, _)| c.iter().cloned())
                .collect();
            self.interactive |= stack.iter().any(|(_, _, i)| *i);
        }
        let clean = super::sanitize(t);
        self.text.push_str(&clean);
        self.html.push_str(&super::escape_html(&clean));
    }

    fn flush(&mut self, split: &mut Split) {
        let p = std::mem::take(self);
        let text = collapse(&p.text);
        if !text.is_empty() {
            split.blocks.push(Block {
                text,
                html: format!("<p>{}</p>", p.html),
                classes: p.classes,
                interactive: p.interactive,
                heading: false,
                list_item: false,
            });
        }
    }
}

fn names_of(e: &scraper::node::Element) -> Vec<String> {
    e.classes()
        .map(|c| c.to_ascii_lowercase())
        .chain(e.id().map(|i| i.to_ascii_lowercase()))
        .collect()
}

fn link_target(e: &scraper::node::Element) -> Option<String> {
    let href = e.attr("href")?.trim();
    (!href.is_empty() && !href.starts_with('#')).then(|| super::sanitize_line(href))
}

fn push_link(html: &mut String, links: &mut Vec<String>, href: String) {
    let index = links.iter().position(|l| *l == href).unwrap_or_else(|| {
        links.push(href);
        links.len() - 1
    });
    html.push(LINK_OPEN);
    html.push_str(&index.to_string());
    html.push(LINK_CLOSE);
}

/// Serialises a block element to minimal HTML (only tags the renderer uses), iteratively,
/// so that absurd nesting cannot overflow the stack.
fn serialize(
    root: ego_tree::NodeRef<Node>,
    links: &mut Vec<String>,
    mut classes: Vec<String>,
    mut interactive: bool,
) -> Block {
    let mut html = String::new();
    let mut text = String::new();
    let mut depth = 0usize;
    let mut open_links: Vec<(ego_tree::NodeId, String, usize)> = Vec::new();
    let mut skip: Option<ego_tree::NodeId> = None;
    let root_name = match root.value() {
        Node::Element(e) => e.name().to_string(),
        _ => String::new(),
    };
    if root_name == "li" {
        html.push_str("<ul>");
    }
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if skip.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(t) => {
                        let clean = super::sanitize(&t.text);
                        text.push_str(&clean);
                        html.push_str(&super::escape_html(&clean));
                    }
                    Node::Element(e) => {
                        let name = e.name();
                        if is_skipped(name) {
                            skip = Some(node.id());
                            continue;
                        }
                        if is_interactive(name) {
                            interactive = true;
                        }
                        if node.id() != root.id() {
                            classes.extend(names_of(e));
                        }
                        depth += 1;
                        if name == "a" {
                            if let Some(href) = link_target(e) {
                                open_links.push((node.id(), href, text.len()));
                            }
                        } else if name == "img" {
                            if let Some(alt) = e
                                .attr("alt")
                                .map(super::sanitize_line)
                                .filter(|a| !a.is_empty())
                            {
                                html.push_str(&format!("[{}]", super::escape_html(&alt)));
                                text.push_str(&format!(" {alt} "));
                            }
                        } else if depth <= MAX_DEPTH && keeps_tag(name) {
                            html.push('<');
                            html.push_str(name);
                            html.push('>');
                        } else if matches!(name, "div" | "section" | "p" | "tr") {
                            html.push_str("<br>");
                            text.push(' ');
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if let Some(id) = skip {
                    if id == node.id() {
                        skip = None;
                    }
                    continue;
                }
                if let Node::Element(e) = node.value() {
                    let name = e.name();
                    if name == "a" {
                        if let Some(pos) =
                            open_links.iter().rposition(|(id, _, _)| *id == node.id())
                        {
                            let (_, href, start) = open_links.remove(pos);
                            if text.len() > start {
                                push_link(&mut html, links, href);
                            }
                        }
                    } else if depth <= MAX_DEPTH && keeps_tag(name) && !is_void(name) {
                        html.push_str("</");
                        html.push_str(name);
                        html.push('>');
                    } else if matches!(name, "td" | "th") {
                        html.push(' ');
                        text.push(' ');
                    }
                    depth = depth.saturating_sub(1);
                }
            }
        }
    }
    if root_name == "li" {
        html.push_str("</ul>");
    }
    Block {
        text: collapse(&text),
        html,
        classes,
        interactive,
        heading: root_name.len() == 2 && root_name.starts_with('h') && root_name != "hr",
        list_item: root_name == "li",
    }
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

fn is_void(name: &str) -> bool {
    name == "br"
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
        assert!(s.blocks[1].html.contains('\u{e000}'));
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

    #[test]
    fn text_input_splits_on_blank_lines() {
        let s = split_text("A\nb\n\n\nC\n");
        assert_eq!(s.blocks.len(), 2);
        assert_eq!(s.blocks[0].html, "<p>A<br>b</p>");
    }
}
