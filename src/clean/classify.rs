//! Keep/hide verdicts for the blocks of one article.
//!
//! Signals are weighed, never trusted alone:
//! * wording — formulas (boilerplate no article uses), asks (requests addressed to the reader),
//!   topic words, and short calls to action;
//! * structure — class/id names around the block, forms and buttons;
//! * position — appeals sit at the top and bottom; once an appeal starts at the bottom, the
//!   short lines and appeal-flavoured paragraphs after it belong to it.
//!
//! A block that only *mentions* money or subscriptions is never hidden in the middle of an
//! article, so stories about fundraisers, paywalls or newsletters stay whole.

use super::blocks::Block;
use super::rules::Rules;
use super::{Category, Verdict};

/// Longer blocks need two asks before they count as an appeal: a story paragraph that ends
/// with one request is still a story paragraph.
const LONG_BLOCK_WORDS: usize = 60;
/// Blocks at least this long, without strong signals, are the article's core.
const CORE_WORDS: usize = 20;
const SHORT_WORDS: usize = 8;

#[derive(Debug, Clone)]
struct Signals {
    words: usize,
    /// Hidden wherever it stands (formula, call to action, structure).
    precise: Option<(String, Category)>,
    /// Mostly asking the reader for something.
    appeal: Option<(String, Category)>,
    /// Some appeal flavour: topic words, an ask, or "we … you" voice.
    weak: bool,
    lead_in: bool,
}

impl Signals {
    fn strong(&self) -> Option<&(String, Category)> {
        self.precise.as_ref().or(self.appeal.as_ref())
    }
}

pub fn classify(
    blocks: &[Block],
    rules: &Rules,
    enabled: &dyn Fn(Category) -> bool,
) -> Vec<Verdict> {
    let class_ok = class_hints_usable(blocks, rules, enabled);
    let signals: Vec<Signals> = blocks
        .iter()
        .map(|b| signals(b, rules, enabled, class_ok))
        .collect();
    let n = blocks.len();
    let mut verdicts = vec![Verdict::Keep; n];
    let core_first = signals
        .iter()
        .position(|s| s.words >= CORE_WORDS && s.strong().is_none())
        .unwrap_or(n);

    let mut i = 0;
    while i < n {
        let Some((rule, category)) = signals[i].strong().cloned() else {
            i += 1;
            continue;
        };
        // Grow the run forward through strong blocks, weak or short joiners, and single
        // clean gaps that lead to another strong block.
        let mut end = i;
        let mut last_strong = i;
        let mut j = i + 1;
        while j < n {
            let s = &signals[j];
            if s.strong().is_some() {
                last_strong = j;
                end = j;
            } else if s.weak || s.words <= SHORT_WORDS {
                end = j;
            } else if j + 1 < n && signals[j + 1].strong().is_some() {
                end = j;
            } else {
                break;
            }
            j += 1;
        }
        let touches_end = end == n - 1;
        if !touches_end {
            end = last_strong;
        }
        // Short lead-ins just above ("Hi there,", "WE'LL BE BLUNT:") belong to the run.
        let mut start = i;
        while start > 0
            && i - start < 2
            && signals[start - 1].lead_in
            && verdicts[start - 1] == Verdict::Keep
        {
            start -= 1;
        }
        let touches_start = start <= core_first;
        let strong_count = (i..=end).filter(|k| signals[*k].strong().is_some()).count();
        let whole_run = touches_start || touches_end || strong_count >= 2;
        for k in start..=end {
            let s = &signals[k];
            let own = s.strong().cloned();
            let verdict = match (&own, whole_run) {
                (Some((r, c)), _) if whole_run || s.precise.is_some() => Verdict::Hide {
                    category: *c,
                    rule: r.clone(),
                },
                (None, true) => Verdict::Hide {
                    category,
                    rule: format!("{rule} (part of the appeal)"),
                },
                _ => Verdict::Keep,
            };
            verdicts[k] = verdict;
        }
        i = end + 1;
    }
    verdicts
}

/// Class names are used unless one of them would hide most of the article: then it is a
/// wrapper around everything (a site's `membership-content` body), not an appeal box.
fn class_hints_usable(blocks: &[Block], rules: &Rules, enabled: &dyn Fn(Category) -> bool) -> bool {
    let total: usize = blocks.iter().map(|b| b.text.len()).sum();
    let flagged: usize = blocks
        .iter()
        .filter(|b| {
            b.classes
                .iter()
                .any(|c| rules.class.first(c, enabled).is_some())
        })
        .map(|b| b.text.len())
        .sum();
    flagged * 2 <= total
}

fn signals(
    b: &Block,
    rules: &Rules,
    enabled: &dyn Fn(Category) -> bool,
    class_ok: bool,
) -> Signals {
    let text = b.text.as_str();
    let words = text.split_whitespace().count();
    let mut precise = rules
        .formula
        .first(text, enabled)
        .map(|(r, c)| (r.to_string(), c));
    if precise.is_none() && words <= SHORT_WORDS {
        precise = rules
            .cta
            .first(text.trim(), enabled)
            .map(|(r, c)| (r.to_string(), c));
    }
    if precise.is_none() && class_ok {
        precise = b
            .classes
            .iter()
            .find_map(|c| rules.class.first(c, enabled))
            .map(|(r, c)| (r.to_string(), c));
    }
    if precise.is_none() && b.interactive && enabled(Category::Newsletter) {
        precise = Some(("form".to_string(), Category::Newsletter));
    }
    let (asks, ask_rule) = rules.ask.count(text, enabled);
    let (topics, _) = rules.topic.count(text, enabled);
    let voice = has_voice(text);
    let sentences = sentence_count(text);
    let density = (2 * asks + topics + usize::from(voice)) as f32 / sentences as f32;
    let appeal = (asks >= 1 && density >= 1.5 && (words < LONG_BLOCK_WORDS || asks >= 2))
        .then(|| ask_rule.map(|(r, c)| (r.to_string(), c)))
        .flatten();
    Signals {
        words,
        precise,
        appeal,
        weak: asks > 0 || topics > 0 || voice,
        lead_in: words <= SHORT_WORDS && !b.heading && is_lead_in(text, topics > 0),
    }
}

/// "We" speaking to "you": the voice of a publisher addressing its readers.
fn has_voice(text: &str) -> bool {
    let mut we = false;
    let mut you = false;
    for w in text.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’') {
        match w.to_ascii_lowercase().as_str() {
            "we" | "our" | "us" | "we're" | "we’re" | "we've" | "we’ve" => we = true,
            "you" | "your" | "you're" | "you’re" => you = true,
            _ => {}
        }
    }
    we && you
}

fn sentence_count(text: &str) -> usize {
    let mut n = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if matches!(c, '.' | '!' | '?') && chars.peek().is_none_or(|n| n.is_whitespace()) {
            n += 1;
        }
    }
    n.max(1)
}

/// A short line that introduces what follows: a greeting, a shout, or a colon or
/// exclamation at its end.
fn is_lead_in(text: &str, topical: bool) -> bool {
    let t = text.trim();
    let lower = t.to_lowercase();
    let letters: Vec<char> = t.chars().filter(|c| c.is_alphabetic()).collect();
    let shouting = letters.len() >= 4 && letters.iter().all(|c| c.is_uppercase());
    topical
        || shouting
        || t.ends_with(':')
        || t.ends_with(',')
        || t.ends_with('!')
        || t.ends_with('…')
        || ["hi ", "hi,", "hello", "dear "]
            .iter()
            .any(|g| lower.starts_with(g))
}
