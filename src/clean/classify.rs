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
    // Each block's signals stand alone, so a long article is read on both cores.
    let signals = super::map_in_halves(blocks, |b| signals(b, rules, enabled, class_ok));
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
    // Block text is collapsed: words are separated by exactly one space.
    let words = if text.is_empty() {
        0
    } else {
        1 + text.bytes().filter(|b| *b == b' ').count()
    };
    let found = rules.scan(text, enabled);
    let mut precise = found.formula.map(|(r, c)| (r.to_string(), c));
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
    let asks = found.asks;
    // Sentences only matter to a block that asks for something (see `Signals::strong`).
    let sentences = if asks > 0 {
        sentences_of(text)
    } else {
        Vec::new()
    };
    let ask_sentences = sentences
        .iter()
        .filter(|s| {
            !s.reported
                && rules
                    .ask
                    .first(&unquoted(&text[s.range.clone()]), enabled)
                    .is_some()
        })
        .count();
    let topical = asks > 0 || found.topic || we_to_you(text);
    Signals {
        words,
        precise,
        ask: found.ask.map(|(r, c)| (r.to_string(), c)),
        asks,
        sentences: sentences.len().max(1),
        ask_sentences,
        // A "we" in reported speech is somebody else's voice, not the publisher's.
        we_sentences: sentences.iter().filter(|s| s.we && !s.reported).count(),
        weak: topical,
        lead_in: words <= SHORT_WORDS && !b.heading && is_lead_in(text, topical),
    }
}

/// "We" speaking to "you": the voice of a publisher addressing its readers.
fn we_to_you(text: &str) -> bool {
    use std::sync::LazyLock;
    // Literal alternations: these run on SIMD prefilters, far faster than walking words.
    static YOU: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"(?i-u)\byour?\b").expect("valid pattern"));
    static WE: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"(?i-u)\b(we|our|us|ours)\b").expect("valid pattern"));
    YOU.is_match(text) && WE.is_match(text)
}

struct Sentence {
    range: std::ops::Range<usize>,
    /// In the publisher's voice ("we", "our", "us").
    we: bool,
    /// Reported speech ("… said", "according to"): a story, not an appeal to the reader.
    reported: bool,
}

#[derive(PartialEq)]
enum Word {
    We,
    Reported,
    Other,
}

fn word_kind(word: &str) -> Word {
    if word.len() > 9 {
        return Word::Other;
    }
    let mut buf = [0u8; 9];
    let lower = &mut buf[..word.len()];
    lower.copy_from_slice(word.as_bytes());
    lower.make_ascii_lowercase();
    match &*lower {
        b"we" | b"our" | b"us" | b"we're" | b"we\xe2\x80\x99re" | b"we've"
        | b"we\xe2\x80\x99ve" | b"ours" => Word::We,
        b"said" | b"says" | b"told" | b"wrote" | b"writes" | b"announced" | b"according"
        | b"asked" | b"added" => Word::Reported,
        _ => Word::Other,
    }
}

/// Who speaks in each sentence of a block, from one pass over its words. Sentences end
/// after `.`, `!` or `?` followed by a space; words are letters, digits and apostrophes.
fn sentences_of(text: &str) -> Vec<Sentence> {
    let bytes = text.as_bytes();
    let mut sentences = Vec::new();
    let mut current = Sentence {
        range: 0..0,
        we: false,
        reported: false,
    };
    let mut word_start: Option<usize> = None;
    let mut i = 0;
    while i <= bytes.len() {
        let (is_word, len) = match bytes.get(i) {
            None => (false, 1),
            Some(b) if b.is_ascii() => (b.is_ascii_alphanumeric() || *b == b'\'', 1),
            Some(_) => text[i..]
                .chars()
                .next()
                .map_or((false, 1), |c| (!is_punctuation(c), c.len_utf8())),
        };
        if is_word {
            word_start.get_or_insert(i);
        } else if let Some(start) = word_start.take() {
            match word_kind(&text[start..i]) {
                Word::We => current.we = true,
                Word::Reported => current.reported = true,
                Word::Other => {}
            }
        }
        let end = i == bytes.len()
            || (matches!(bytes[i], b'.' | b'!' | b'?')
                && bytes.get(i + 1).is_some_and(|n| n.is_ascii_whitespace()));
        if end {
            let stop = (i + 1).min(bytes.len());
            current.range.end = stop;
            if !text[current.range.clone()].trim().is_empty() {
                sentences.push(std::mem::replace(
                    &mut current,
                    Sentence {
                        range: stop..stop,
                        we: false,
                        reported: false,
                    },
                ));
            } else {
                current.range.start = stop;
            }
        }
        i += len;
    }
    sentences
}

/// Non-ASCII characters that separate words: Latin-1 symbols, general and CJK punctuation.
/// Everything else outside ASCII counts as a letter (a range check, not a table lookup: the
/// words looked for are ASCII, so only their edges matter), and so does the apostrophe ’.
fn is_punctuation(c: char) -> bool {
    c != '’'
        && (matches!(c, '\u{80}'..='\u{bf}' | '×' | '÷')
            || matches!(c, '\u{2000}'..='\u{206f}' | '\u{3000}'..='\u{303f}' | '\u{fe30}'..='\u{fe4f}' | '\u{ff00}'..='\u{ff0f}'))
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
