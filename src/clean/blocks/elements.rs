//! What HTML elements are, as the splitter needs to know: blocks, containers, void and
//! interactive elements, what closes a paragraph, what is never article text; and the
//! class, id and link targets of a tag.

use super::super::tokens::Tag;
use super::{LINK_CLOSE, LINK_OPEN};

/// Elements that stop the search for an open list item (HTML's "special" category, less
/// `address`, `div` and `p`).
pub(super) fn is_special(name: &str) -> bool {
    (is_container(name) || is_leaf_block(name)) && !matches!(name, "div" | "p" | "address")
}

/// Start tags that close an open `<p>`.
pub(super) fn closes_p(name: &str) -> bool {
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

pub(super) fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

pub(super) fn is_void(name: &str) -> bool {
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

pub(super) fn is_leaf_block(name: &str) -> bool {
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

pub(super) fn is_container(name: &str) -> bool {
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
pub(super) fn is_skipped(name: &str) -> bool {
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

pub(super) fn is_interactive(name: &str) -> bool {
    matches!(name, "form" | "input" | "button" | "select" | "textarea")
}

pub(super) fn names_of(tag: &Tag<'_>) -> Vec<String> {
    let classes = tag.class.as_deref().unwrap_or("").split_ascii_whitespace();
    classes
        .chain(tag.id.as_deref().map(str::trim).filter(|i| !i.is_empty()))
        .map(str::to_ascii_lowercase)
        .collect()
}

pub(super) fn link_target(tag: &Tag<'_>) -> Option<String> {
    let href = tag.href.as_deref()?.trim();
    (!href.is_empty() && !href.starts_with('#')).then(|| crate::text::sanitize_line(href))
}

pub(super) fn link_index(links: &mut Vec<String>, href: String) -> usize {
    links.iter().position(|l| *l == href).unwrap_or_else(|| {
        links.push(href);
        links.len() - 1
    })
}

pub(super) fn push_link(text: &mut String, index: usize) {
    text.push(LINK_OPEN);
    text.push_str(&index.to_string());
    text.push(LINK_CLOSE);
}

pub(super) fn keeps_tag(name: &str) -> bool {
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
