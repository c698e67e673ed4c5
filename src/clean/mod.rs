//! The article cleaner: article HTML or text → blocks → keep/hide verdicts (with category
//! and rule) → text lines at a width. Pure: no I/O, no terminal types.

mod blocks;
mod features;
mod forest;
pub mod guard;
pub mod learn;
mod rules;
pub mod scorer;
mod tokens;
mod vectors;

use serde::Deserialize;

pub use blocks::{is_html, Block, Body};
pub use rules::{RuleError, RuleSpec, Rules};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Donation,
    Paywall,
    Subscribe,
    Newsletter,
    Promo,
    Nav,
    Footer,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Donation => "donation",
            Category::Paywall => "paywall",
            Category::Subscribe => "subscribe",
            Category::Newsletter => "newsletter",
            Category::Promo => "promo",
            Category::Nav => "nav",
            Category::Footer => "footer",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Keep,
    Hide { category: Category, rule: String },
}

/// `[filter]` in the config.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FilterConfig {
    /// Hide appeals at all (per feed: `filter = false` in its `[[feeds]]` table).
    pub enabled: bool,
    /// Categories never hidden, e.g. `["nav", "footer"]`.
    pub keep_categories: Vec<Category>,
    /// Extra rules, same shape as `assets/rules.toml`.
    pub rules: Vec<RuleSpec>,
}

impl Default for FilterConfig {
    fn default() -> Self {
        FilterConfig {
            enabled: true,
            keep_categories: Vec::new(),
            rules: Vec::new(),
        }
    }
}

impl FilterConfig {
    /// Checks the user's rules compile; the error names the key to fix.
    pub fn validate(&self) -> Result<(), (String, String)> {
        for rule in &self.rules {
            rules::check(rule).map_err(|e| ("pattern".to_string(), e.to_string()))?;
        }
        Ok(())
    }
}

/// The scorer, compiled rules and settings; build once, clean many articles.
#[derive(Debug, Clone)]
pub struct Cleaner {
    /// The built-in rules: signals the scorer weighs.
    signals: Rules,
    /// The user's rules: a block one of them matches is hidden, whatever the scorer says.
    user: Option<Rules>,
    model: &'static scorer::Model,
    keep: Vec<Category>,
}

/// An article split into blocks with verdicts.
#[derive(Debug, Clone, PartialEq)]
pub struct Cleaned {
    pub blocks: Vec<Block>,
    pub verdicts: Vec<Verdict>,
    /// The scorer's hide probability per block (empty with the filter off).
    pub scores: Vec<f32>,
    pub links: Vec<String>,
}

fn split(input: &str) -> blocks::Split {
    if blocks::is_html(input) {
        blocks::split_html(input)
    } else {
        blocks::split_text(input)
    }
}

impl Cleaned {
    /// Every block kept, without a cleaner: what the reader shows when the cleaner could
    /// not be built.
    pub fn unfiltered(input: &str) -> Cleaned {
        Cleaned::kept(split(input))
    }

    fn kept(split: blocks::Split) -> Cleaned {
        Cleaned {
            verdicts: vec![Verdict::Keep; split.blocks.len()],
            blocks: split.blocks,
            scores: Vec::new(),
            links: split.links,
        }
    }
}

/// One rendered line of an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub kind: LineKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind {
    Body,
    /// The label above a revealed hidden block.
    HiddenLabel,
    /// A line of a revealed hidden block.
    Hidden,
    /// The numbered links at the end.
    Link,
}

impl Cleaner {
    pub fn new(config: &FilterConfig) -> Result<Cleaner, RuleError> {
        // Read the word vectors now (the reader builds its cleaner on a thread of its own),
        // not when the first article is opened.
        vectors::builtin();
        Ok(Cleaner {
            signals: Rules::builtin()?,
            user: (!config.rules.is_empty())
                .then(|| Rules::new(&config.rules))
                .transpose()?,
            model: scorer::builtin(),
            keep: config.keep_categories.clone(),
        })
    }

    /// Splits and classifies. With `filter` false every block is kept.
    pub fn clean(&self, input: &str, filter: bool) -> Cleaned {
        self.judge(split(input), filter, &[])
    }

    /// Like `clean`, for an item of a feed whose other items' content is `siblings`: a
    /// block the scorer leans towards hiding (without reaching its threshold) is hidden
    /// when the feed repeats it in other items, as feeds repeat their appeals and footers.
    pub fn clean_in_feed(&self, input: &str, filter: bool, siblings: &[String]) -> Cleaned {
        let split = split(input);
        let repeats = if filter && !siblings.is_empty() {
            repeats(&split.blocks, siblings)
        } else {
            Vec::new()
        };
        self.judge(split, filter, &repeats)
    }

    /// Plain text, even where it quotes tags; with `html`, the HTML it was made from (see
    /// [`text_blocks`]).
    pub fn clean_text(&self, text: &str, html: Option<&str>, filter: bool) -> Cleaned {
        let split = blocks::Split {
            blocks: text_blocks(text, html),
            links: Vec::new(),
        };
        let mut cleaned = self.judge(split, filter, &[]);
        // The HTML's structure informed the verdicts; the text renders as the text it is.
        for block in &mut cleaned.blocks {
            block.list_item = false;
        }
        cleaned
    }

    fn judge(&self, split: blocks::Split, filter: bool, repeats: &[usize]) -> Cleaned {
        if !filter {
            return Cleaned::kept(split);
        }
        let (verdicts, scores) = self.verdicts(&split.blocks, repeats);
        Cleaned {
            blocks: split.blocks,
            verdicts,
            scores,
            links: split.links,
        }
    }

    fn verdicts(&self, blocks: &[Block], repeats: &[usize]) -> (Vec<Verdict>, Vec<f32>) {
        let enabled = |c: Category| !self.keep.contains(&c);
        let scores = self.model.score(blocks, &self.signals);
        let verdicts = blocks
            .iter()
            .zip(&scores.probabilities)
            .enumerate()
            .map(|(i, (block, &probability))| {
                let words = block.text.split(' ').filter(|w| !w.is_empty()).count();
                if let Some((name, category)) = self
                    .user
                    .as_ref()
                    .and_then(|u| u.first_match(&block.text, words, &block.classes, enabled))
                {
                    return Verdict::Hide {
                        category,
                        rule: format!("your rule {name}"),
                    };
                }
                // A form's text (a button, a field's label) is never the article's.
                if block.interactive && enabled(Category::Newsletter) {
                    return Verdict::Hide {
                        category: Category::Newsletter,
                        rule: "form".to_string(),
                    };
                }
                let repeated = repeats.get(i).copied().unwrap_or(0);
                let by_feed = repeated >= REPEATS && probability >= REPEATED_FLOOR;
                if probability < self.model.threshold && !by_feed {
                    return Verdict::Keep;
                }
                // Named and explained only here: most blocks are kept, and naming one costs
                // seven more weighings of its features.
                let (named, reasons) = self.model.explain(&scores, i);
                // A built-in rule that matched names the category best; else the model does.
                let category = self
                    .signals
                    .first_match(&block.text, words, &block.classes, |_| true)
                    .map_or(named, |(_, c)| c);
                if enabled(category) {
                    // The feed's repetition first: it is what tipped an unsure score.
                    let rule = if repeated >= REPEATS {
                        format!(
                            "repeated in {repeated} other items of this feed; {}",
                            explain(probability, &reasons)
                        )
                    } else {
                        explain(probability, &reasons)
                    };
                    Verdict::Hide { category, rule }
                } else {
                    Verdict::Keep
                }
            })
            .collect();
        (verdicts, scores.probabilities)
    }
}

/// Other items of the feed that must hold a block for it to count as the feed's own.
const REPEATS: usize = 2;
/// The least hide probability at which a repeated block is hidden: a feed also repeats its
/// article furniture (photo credits, a recurring subheading, an author's bio), which the
/// scorer rates far below this.
const REPEATED_FLOOR: f32 = 0.3;

/// For each block, in how many of `siblings` a block with the same words occurs (case,
/// digits and punctuation aside).
fn repeats(blocks: &[Block], siblings: &[String]) -> Vec<usize> {
    let key = |text: &str| -> String {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| {
                w.chars()
                    .map(|c| if c.is_numeric() { '0' } else { c })
                    .flat_map(char::to_lowercase)
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for sibling in siblings {
        let keys: std::collections::HashSet<String> =
            split(sibling).blocks.iter().map(|b| key(&b.text)).collect();
        for k in keys.into_iter().filter(|k| !k.is_empty()) {
            *seen.entry(k).or_insert(0) += 1;
        }
    }
    blocks
        .iter()
        .map(|b| seen.get(&key(&b.text)).copied().unwrap_or(0))
        .collect()
}

/// The blocks of plain text. With the HTML the text was made from, the text is still what
/// is judged and shown, and each block the HTML also has gets its structure (headings,
/// lists, forms, class names).
pub fn text_blocks(text: &str, html: Option<&str>) -> Vec<Block> {
    let mut blocks = blocks::split_text(text).blocks;
    if let Some(html) = html {
        blocks::borrow_structure(&mut blocks, &blocks::split_html(html).blocks);
    }
    blocks
}

/// "scored 0.97: asks the reader, a price, after the article": the probability and the
/// signals that weighed most, in words.
fn explain(probability: f32, signals: &[String]) -> String {
    let mut reasons: Vec<String> = Vec::new();
    for r in signals {
        let said = if let Some(w) = r.strip_prefix("w:").or_else(|| r.strip_prefix("b:")) {
            format!("'{}'", w.trim_start_matches("^ ").trim_end_matches(" $"))
        } else if let Some(stem) = r.strip_prefix("s:") {
            format!("'{stem}…'")
        } else if let Some(rule) = r.strip_prefix("rule:") {
            format!("rule {rule}")
        } else if let Some(class) = r.strip_prefix("class:") {
            format!("class {class}")
        } else if r.starts_with("emb:") {
            "its meaning".to_string()
        } else {
            match r.as_str() {
                "kind:formula" => "boilerplate wording",
                "kind:ask" => "asks the reader",
                "kind:cta" => "a call to action",
                "kind:topic" => "appeal vocabulary",
                "form:currency" => "a price",
                "voice:you" | "voice:you-share" => "addresses the reader",
                "voice:we" | "voice:we-share" => "the publisher speaking",
                "voice:we+you" | "voice:both-share" => "we to you",
                "appeal:any" | "appeal:share" | "appeal:addressed-share" => "what it asks for",
                "topic:alien" | "topic:elsewhere" => "off the article's topic",
                "sense:core" | "sense:title" | "sense:neighbours" => "off the article's meaning",
                "pos:before-core" => "before the article",
                "pos:after-core" | "pos:text-before" => "after the article",
                "pos:first" | "pos:second" => "at the top",
                "pos:last" | "pos:second-last" => "at the end",
                other if other.starts_with("len:") => "short",
                other => other,
            }
            .to_string()
        };
        if !reasons.contains(&said) {
            reasons.push(said);
        }
    }
    format!("scored {probability:.2}: {}", reasons.join(", "))
}

impl Cleaned {
    pub fn hidden_count(&self) -> usize {
        self.verdicts
            .iter()
            .filter(|v| **v != Verdict::Keep)
            .count()
    }

    /// Renders at `width` columns. Hidden blocks are left out, or with `reveal` shown in
    /// place under a label with their category and rule. Links are numbered in reading
    /// order and listed at the end.
    /// The links of the blocks shown, numbered as `render` numbers them (`[1]` first).
    pub fn shown_links(&self, reveal: bool) -> Vec<String> {
        let mut numbers: Vec<Option<usize>> = vec![None; self.links.len()];
        let mut listed = Vec::new();
        for (block, verdict) in self.blocks.iter().zip(&self.verdicts) {
            if reveal || *verdict == Verdict::Keep {
                let (Body::Plain(text) | Body::Html(text)) = &block.body;
                if text.contains(blocks::LINK_OPEN) {
                    number_links(text.clone(), &mut numbers, &mut listed, &self.links);
                }
            }
        }
        listed
    }

    pub fn render(&self, width: usize, reveal: bool) -> Vec<Line> {
        let width = width.max(10);
        let shown: Vec<usize> = (0..self.blocks.len())
            .filter(|i| reveal || self.verdicts[*i] == Verdict::Keep)
            .collect();
        let shown_blocks: Vec<&Block> = shown.iter().map(|i| &self.blocks[*i]).collect();
        let rendered = render_blocks(&shown_blocks, width);
        let mut numbers: Vec<Option<usize>> = vec![None; self.links.len()];
        let mut listed = Vec::new();
        let mut out = Vec::with_capacity(self.blocks.len() * 4);
        let mut previous: Option<usize> = None;
        for (block_lines, &i) in rendered.into_iter().zip(&shown) {
            // Items of one list stay together; other blocks are separated by a blank line.
            let same_list = previous.is_some_and(|p| {
                p + 1 == i
                    && self.blocks[p].list_item
                    && self.blocks[i].list_item
                    && self.verdicts[p] == self.verdicts[i]
            });
            previous = Some(i);
            if !out.is_empty() && !same_list {
                out.push(Line {
                    text: String::new(),
                    kind: LineKind::Body,
                });
            }
            let kind = match &self.verdicts[i] {
                Verdict::Keep => LineKind::Body,
                Verdict::Hide { category, rule } => {
                    out.push(Line {
                        text: format!("── hidden: {} ({rule}) ──", category.as_str()),
                        kind: LineKind::HiddenLabel,
                    });
                    LineKind::Hidden
                }
            };
            for line in block_lines {
                let text = number_links(line, &mut numbers, &mut listed, &self.links);
                out.push(Line {
                    text,
                    kind: kind.clone(),
                });
            }
        }
        if !listed.is_empty() {
            out.push(Line {
                text: String::new(),
                kind: LineKind::Body,
            });
            for (n, link) in listed.iter().enumerate() {
                out.push(Line {
                    text: format!("[{}] {}", n + 1, crate::text::sanitize_line(link)),
                    kind: LineKind::Link,
                });
            }
        }
        out
    }
}

/// Articles with at least this many blocks are read and wrapped on two threads.
const PARALLEL_BLOCKS: usize = 256;

/// `f` over `items`, in order; long inputs in two halves on rayon's pool (the work per item
/// stands alone). Its threads live on, and with them the regex caches they have warmed: a
/// thread spawned per call would start cold every time.
fn map_in_halves<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if items.len() < PARALLEL_BLOCKS {
        return items.iter().map(&f).collect();
    }
    let (first, second) = items.split_at(items.len() / 2);
    let (mut head, mut tail): (Vec<R>, Vec<R>) = rayon::join(
        || first.iter().map(&f).collect(),
        || second.iter().map(&f).collect(),
    );
    head.append(&mut tail);
    head
}

/// Renders blocks to lines. Plain blocks (text and line breaks only — most of any article)
/// are wrapped here directly, as html2text would; the rest go through html2text in one pass
/// (parsing once is what keeps a long article fast), separated by marker paragraphs and
/// split back.
fn render_blocks(blocks: &[&Block], width: usize) -> Vec<Vec<String>> {
    const SEP: &str = "\u{e003}";
    let out = map_in_halves(blocks, |block| match &block.body {
        Body::Plain(text) if block.list_item => {
            let lines = wrap_paragraph(text, width.saturating_sub(2).max(1));
            Some(
                lines
                    .into_iter()
                    .enumerate()
                    .map(|(i, l)| format!("{}{l}", if i == 0 { "* " } else { "  " }))
                    .collect(),
            )
        }
        Body::Plain(text) => Some(wrap_paragraph(text, width)),
        Body::Html(_) => None,
    });
    let mut doc = String::new();
    for block in blocks {
        if let Body::Html(html) = &block.body {
            doc.push_str("<p>");
            doc.push_str(SEP);
            doc.push_str("</p>");
            doc.push_str(html);
        }
    }
    let mut rendered: Vec<Vec<String>> = Vec::new();
    if !doc.is_empty() {
        // html2text has panicked on hostile markup (an emoji sequence in a list in a quote
        // at a narrow width): then those blocks are wrapped as plain text instead.
        let text = guard::isolated(|| {
            html2text::config::plain()
                .no_table_borders()
                .string_from_read(doc.as_bytes(), width.min(10_000))
                .unwrap_or_default()
        })
        .unwrap_or_else(|| {
            blocks
                .iter()
                .filter(|b| matches!(b.body, Body::Html(_)))
                .flat_map(|b| {
                    std::iter::once(SEP.to_string()).chain(wrap_paragraph(&b.text, width))
                })
                .collect::<Vec<_>>()
                .join("\n")
        });
        for line in text.lines() {
            if line.trim() == SEP {
                rendered.push(Vec::new());
            } else if let Some(b) = rendered.last_mut() {
                b.push(line.trim_end().to_string());
            }
        }
        for b in &mut rendered {
            while b.last().is_some_and(|l| l.is_empty()) {
                b.pop();
            }
            while b.first().is_some_and(|l| l.is_empty()) {
                b.remove(0);
            }
        }
    }
    let mut rendered = rendered.into_iter();
    out.into_iter()
        .map(|b| b.unwrap_or_else(|| rendered.next().unwrap_or_default()))
        .collect()
}

/// Greedy word wrap by display width; [`blocks::BREAK`] breaks lines, runs of spaces
/// collapse as in HTML (but not non-breaking spaces), and a word wider than the line is cut.
fn wrap_paragraph(text: &str, width: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthChar;
    let mut lines = Vec::new();
    for source in text.split(blocks::BREAK) {
        // The line being filled: a byte range of `source`, its display width, and whether
        // its words are one space apart (then it is copied as it stands).
        let mut line = 0..0;
        let mut used = 0;
        let mut single_spaced = true;
        let mut flush = |line: &std::ops::Range<usize>, single_spaced: bool| {
            let text = &source[line.clone()];
            lines.push(if single_spaced {
                text.to_string()
            } else {
                wrap_separated(text).collect::<Vec<_>>().join(" ")
            });
        };
        for_each_word(source, |start, end| {
            let word = &source[start..end];
            let w: usize = if word.is_ascii() {
                word.len()
            } else {
                word.chars().map(|c| c.width().unwrap_or(0)).sum()
            };
            if used > 0 && used + 1 + w <= width {
                single_spaced &= start == line.end + 1 && source.as_bytes()[line.end] == b' ';
                line.end = end;
                used += 1 + w;
                return;
            }
            if used > 0 {
                flush(&line, single_spaced);
            }
            single_spaced = true;
            line = start..end;
            used = w;
            if w <= width {
                return;
            }
            // Too wide for any line: cut it, character by character.
            used = 0;
            for (i, c) in word.char_indices() {
                let cw = c.width().unwrap_or(0);
                if used + cw > width && used > 0 {
                    flush(&(line.start..start + i), true);
                    line.start = start + i;
                    used = 0;
                }
                used += cw;
            }
        });
        if used > 0 || !line.is_empty() {
            flush(&line, single_spaced);
        }
    }
    // Non-breaking spaces did their job; print them as spaces.
    for line in &mut lines {
        if line.contains('\u{a0}') {
            *line = line.replace('\u{a0}', " ");
        }
    }
    lines
}

/// Whitespace that separates words when wrapping: any but the no-break space.
fn wrap_separated(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| c.is_whitespace() && c != '\u{a0}')
        .filter(|w| !w.is_empty())
}

/// Calls `f` with the byte range of each word to wrap: split at whitespace, except
/// no-break spaces.
fn for_each_word(s: &str, mut f: impl FnMut(usize, usize)) {
    if crate::text::only_ascii_spaces(s, false) {
        // The usual case: words are whatever lies between spaces.
        let mut start = 0;
        for i in memchr::memchr_iter(b' ', s.as_bytes()) {
            if i > start {
                f(start, i);
            }
            start = i + 1;
        }
        if s.len() > start {
            f(start, s.len());
        }
        return;
    }
    let base = s.as_ptr() as usize;
    for word in wrap_separated(s) {
        let start = word.as_ptr() as usize - base;
        f(start, start + word.len());
    }
}

fn number_links(
    line: String,
    numbers: &mut [Option<usize>],
    listed: &mut Vec<String>,
    links: &[String],
) -> String {
    if !line.contains(blocks::LINK_OPEN) {
        return line;
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line.as_str();
    while let Some(at) = rest.find(blocks::LINK_OPEN) {
        out.push_str(&rest[..at]);
        let after = &rest[at + blocks::LINK_OPEN.len_utf8()..];
        let Some(end) = after.find(blocks::LINK_CLOSE) else {
            rest = after;
            continue;
        };
        if let Ok(index) = after[..end].parse::<usize>() {
            if index < numbers.len() {
                let n = *numbers[index].get_or_insert_with(|| {
                    listed.push(links[index].clone());
                    listed.len()
                });
                out.push_str(&format!("[{n}]"));
            }
        }
        rest = &after[end + blocks::LINK_CLOSE.len_utf8()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
