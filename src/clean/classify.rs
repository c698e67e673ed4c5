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

/// Blocks at least this long that ask for nothing are the article's core.
const CORE_WORDS: usize = 20;
const SHORT_WORDS: usize = 8;
/// Articles with at least this many blocks are classified on two threads.
const PARALLEL_BLOCKS: usize = 256;

/// Which categories may be hidden (config can keep some).
pub type Enabled<'a> = dyn Fn(Category) -> bool + Sync + 'a;

#[derive(Debug, Clone)]
struct Signals {
    words: usize,
    /// Hidden wherever it stands (formula, call to action, structure).
    precise: Option<(String, Category)>,
    /// The first ask rule that matched, if any.
    ask: Option<(String, Category)>,
    asks: usize,
    sentences: usize,
    ask_sentences: usize,
    /// Sentences in the publisher's voice ("we", "our", "us").
    we_sentences: usize,
    /// Some appeal flavour: topic words, an ask, or "we … you" voice.
    weak: bool,
    lead_in: bool,
}

impl Signals {
    /// Strong evidence of an appeal. At the top or bottom of an article (`edge`), a
    /// publisher's letter that asks twice counts; elsewhere most sentences must ask.
    fn strong(&self, edge: bool) -> Option<&(String, Category)> {
        if self.precise.is_some() {
            return self.precise.as_ref();
        }
        let asking = self.ask_sentences * 2 >= self.sentences;
        let letter = edge && self.asks >= 2 && self.we_sentences * 5 >= self.sentences * 2;
        if asking || letter {
            self.ask.as_ref()
        } else {
            None
        }
    }

    fn core(&self) -> bool {
        self.words >= CORE_WORDS && self.asks == 0 && self.precise.is_none()
    }
}

pub fn classify(blocks: &[Block], rules: &Rules, enabled: &Enabled<'_>) -> Vec<Verdict> {
    let class_ok = class_hints_usable(blocks, rules, enabled);
    let signals_of = |part: &[Block]| -> Vec<Signals> {
        part.iter()
            .map(|b| signals(b, rules, enabled, class_ok))
            .collect()
    };
    // Long articles are read on both cores: each block's signals stand alone.
    let signals: Vec<Signals> = if blocks.len() >= PARALLEL_BLOCKS {
        let (first, second) = blocks.split_at(blocks.len() / 2);
        std::thread::scope(|scope| {
            let head = scope.spawn(|| signals_of(first));
            let mut tail = signals_of(second);
            let mut all = head.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            all.append(&mut tail);
            all
        })
    } else {
        signals_of(blocks)
    };
    let n = blocks.len();
    let mut verdicts = vec![Verdict::Keep; n];
    let first_core = signals.iter().position(Signals::core).unwrap_or(n);
    let last_core = signals.iter().rposition(Signals::core);
    let edge = |k: usize| k < first_core || last_core.is_none_or(|l| k > l);
    let strong = |k: usize| signals[k].strong(edge(k));

    let mut i = 0;
    while i < n {
        let Some((rule, category)) = strong(i).cloned() else {
            i += 1;
            continue;
        };
        // Grow the run forward through strong blocks and appeal-flavoured ones.
        let mut end = i;
        let mut last_strong = i;
        while end + 1 < n && (strong(end + 1).is_some() || signals[end + 1].weak) {
            end += 1;
            if strong(end).is_some() {
                last_strong = end;
            }
        }
        let touches_end = end == n - 1;
        if !touches_end {
            end = last_strong;
        }
        // Short lead-ins just above ("Hi there,", "WE'LL BE BLUNT:") belong to the run; at
        // the top of an article so do the appeal-flavoured blocks and a signature line
        // between them.
        let mut start = i;
        let appeal = matches!(
            category,
            Category::Donation | Category::Paywall | Category::Subscribe | Category::Newsletter
        );
        while let Some(k) = start.checked_sub(1).filter(|_| appeal) {
            if verdicts[k] != Verdict::Keep {
                break;
            }
            let s = &signals[k];
            let head = k < first_core && first_core < n;
            let gap = head
                && s.words <= SHORT_WORDS
                && k > 0
                && signals[k - 1].weak
                && verdicts[k - 1] == Verdict::Keep;
            if s.lead_in || (head && s.weak) || gap {
                start = k;
            } else {
                break;
            }
        }
        let touches_start = start <= first_core;
        let strong_count = (i..=end).filter(|k| strong(*k).is_some()).count();
        let whole_run = touches_start || touches_end || strong_count >= 2;
        for (k, verdict) in verdicts.iter_mut().enumerate().take(end + 1).skip(start) {
            *verdict = match (strong(k), whole_run) {
                (Some((r, c)), true) => Verdict::Hide {
                    category: *c,
                    rule: r.clone(),
                },
                (Some((r, c)), false) if signals[k].precise.is_some() => Verdict::Hide {
                    category: *c,
                    rule: r.clone(),
                },
                (None, true) => Verdict::Hide {
                    category,
                    rule: format!("{rule} (part of the appeal)"),
                },
                _ => Verdict::Keep,
            };
        }
        i = end + 1;
    }
    verdicts
}

/// Class names are used unless one of them would hide most of the article: then it is a
/// wrapper around everything (a site's `membership-content` body), not an appeal box.
fn class_hints_usable(blocks: &[Block], rules: &Rules, enabled: &Enabled<'_>) -> bool {
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

fn signals(b: &Block, rules: &Rules, enabled: &Enabled<'_>, class_ok: bool) -> Signals {
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
    let (asks, ask) = rules.ask.count(text, enabled);
    let (topics, _) = rules.topic.count(text, enabled);
    let voice = has_voice(text);
    let (mut sentences, mut ask_sentences, mut we_sentences) = (0, 0, 0);
    for sentence in sentences_of(text) {
        sentences += 1;
        if asks > 0
            && addresses_reader(sentence)
            && rules.ask.first(&unquoted(sentence), enabled).is_some()
        {
            ask_sentences += 1;
        }
        if has_we(sentence) {
            we_sentences += 1;
        }
    }
    Signals {
        words,
        precise,
        ask: ask.map(|(r, c)| (r.to_string(), c)),
        asks,
        sentences: sentences.max(1),
        ask_sentences,
        we_sentences,
        weak: asks > 0 || topics > 0 || voice,
        lead_in: words <= SHORT_WORDS
            && !b.heading
            && is_lead_in(text, topics > 0 || voice || asks > 0),
    }
}

/// Appeals speak to the reader; reported speech ("… said", "according to") is a story.
fn addresses_reader(sentence: &str) -> bool {
    !has_word(
        sentence,
        &[
            "said",
            "says",
            "told",
            "wrote",
            "writes",
            "announced",
            "according",
            "asked",
            "added",
        ],
    )
}

/// The sentence without what it quotes: a quoted plea is reported, not addressed to us.
fn unquoted(sentence: &str) -> String {
    let mut out = String::with_capacity(sentence.len());
    let mut depth = 0usize;
    let mut straight_open = false;
    for c in sentence.chars() {
        match c {
            '“' | '«' => depth += 1,
            '”' | '»' => depth = depth.saturating_sub(1),
            '"' => {
                straight_open = !straight_open;
                continue;
            }
            _ if depth == 0 && !straight_open => out.push(c),
            _ => {}
        }
    }
    out
}

/// Words of `text` (letters, digits and apostrophes), without allocating.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .filter(|w| !w.is_empty())
}

/// True when `text` has one of `list` as a word, ignoring ASCII case.
fn has_word(text: &str, list: &[&str]) -> bool {
    words(text).any(|w| list.iter().any(|l| w.eq_ignore_ascii_case(l)))
}

fn has_we(text: &str) -> bool {
    has_word(
        text,
        &[
            "we", "our", "us", "we're", "we’re", "we've", "we’ve", "ours",
        ],
    )
}

/// "We" speaking to "you": the voice of a publisher addressing its readers.
fn has_voice(text: &str) -> bool {
    has_we(text) && has_word(text, &["you", "your", "you're", "you’re"])
}

/// Sentences: split after `.`, `!` or `?` followed by a space.
fn sentences_of(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.trim().is_empty() {
            return None;
        }
        let bytes = rest.as_bytes();
        let mut cut = rest.len();
        for (i, b) in bytes.iter().enumerate() {
            if matches!(b, b'.' | b'!' | b'?')
                && bytes.get(i + 1).is_some_and(|n| n.is_ascii_whitespace())
            {
                cut = i + 1;
                break;
            }
        }
        let (sentence, tail) = rest.split_at(cut);
        rest = tail;
        Some(sentence)
    })
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
        || t.starts_with('…')
        || t.starts_with("...")
        || ["hi ", "hi,", "hello", "dear "]
            .iter()
            .any(|g| lower.starts_with(g))
}
