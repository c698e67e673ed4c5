//! What the appeal scorer sees of a block: its words, its shape, who speaks in it, which
//! built-in rules it matches, its HTML structure, and where it sits in the article.
//!
//! Features are named (`w:donate`, `pos:after-core`, `rule:favor-to-ask`) so that a verdict
//! can be explained, but at run time only their 64-bit hashes are computed: no string is
//! built per word. The trainer asks for the names too ([`Features::named`]).

use super::blocks::Block;
use super::rules::Rules;

/// The sparse features of one block: hashed names with values, plus, for the trainer, the
/// names themselves.
#[derive(Debug, Clone, Default)]
pub struct Features {
    pub ids: Vec<(u64, f32)>,
    pub names: Option<Vec<String>>,
}

impl Features {
    pub fn named() -> Features {
        Features {
            ids: Vec::new(),
            names: Some(Vec::new()),
        }
    }

    fn push(&mut self, parts: &[&str], value: f32) {
        self.ids.push((feature_id(parts), value));
        if let Some(names) = &mut self.names {
            names.push(parts.concat());
        }
    }

    fn flag(&mut self, on: bool, name: &str) {
        if on {
            self.push(&[name], 1.0);
        }
    }
}

/// FNV-1a over the parts of a feature name; the same as hashing the concatenated name.
pub fn feature_id(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Word-level facts about a block, found in one pass.
#[derive(Debug, Clone, Default)]
pub struct Shape {
    pub words: usize,
    /// Distinct content words (five letters or more), hashed and sorted: what the block is
    /// about, to compare with the rest of the article.
    terms: Vec<u64>,
}

/// Blocks this long are the article's body, whatever they say.
const CORE_WORDS: usize = 25;

/// Document-level facts needed to place a block: where the article's body begins and ends.
#[derive(Debug, Clone)]
pub struct Layout {
    /// In how many blocks each content word occurs.
    term_blocks: std::collections::HashMap<u64, u32>,
    pub blocks: usize,
    pub first_core: Option<usize>,
    pub last_core: Option<usize>,
    /// Words in the blocks before each block, and in all of them (last entry).
    words_before: Vec<usize>,
}

impl Layout {
    pub fn of(shapes: &[Shape]) -> Layout {
        let mut term_blocks = std::collections::HashMap::new();
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

pub fn shape(block: &Block) -> Shape {
    let mut folded = String::new();
    let mut words_seen = 0;
    let mut terms = Vec::new();
    for w in words(&block.text) {
        words_seen += 1;
        if w.len() >= 5 {
            fold_word(w, &mut folded);
            terms.push(feature_id(&[&folded]));
        }
    }
    terms.sort_unstable();
    terms.dedup();
    Shape {
        words: words_seen,
        terms,
    }
}

/// Words of a text: runs of letters and digits.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// Lowercased, digits folded to `0`, at most 24 characters: the form a word is counted in.
fn fold_word(word: &str, out: &mut String) {
    out.clear();
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

const WE: &[&str] = &[
    "we", "our", "us", "ours", "nous", "notre", "nos", "wir", "uns", "unser", "unsere", "unseren",
    "unserer", "nosotros", "nuestro", "nuestra", "nuestros", "nuestras", "nós", "nosso", "nossa",
    "nossos", "noi", "nostro", "nostra", "nostri", "wij", "ons", "onze",
];
const YOU: &[&str] = &[
    "you", "your", "yours", "vous", "votre", "vos", "du", "dich", "dein", "deine", "euch", "ihnen",
    "usted", "ustedes", "tu", "tú", "tus", "você", "vocês", "voi", "vostro", "jij", "jou", "jouw",
    "uw",
];
const REPORTED: &[&str] = &[
    "said",
    "says",
    "told",
    "according",
    "added",
    "wrote",
    "dit",
    "déclaré",
    "sagte",
    "sagt",
    "dijo",
    "afirmó",
    "disse",
    "detto",
    "zei",
];
const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
];

/// Appends the features of block `index` of an article laid out as `layout`.
pub fn extract(
    block: &Block,
    shapes: &[Shape],
    index: usize,
    layout: &Layout,
    rules: &Rules,
    out: &mut Features,
) {
    let shape = &shapes[index];
    let text = block.text.as_str();
    lexical(text, out);
    let n = shape.words;
    out.push(&[length_bin(n)], 1.0);
    out.push(&["len:log"], ((n as f32) + 1.0).ln() / 5.0);
    form(text, out);
    position(index, layout, shape, out);
    topic(shapes, index, layout, out);
    structure(block, rules, out);
    for (name, kind) in rules.matching(text, n) {
        out.push(&["rule:", name], 1.0);
        out.push(&["kind:", kind], 1.0);
    }
}

/// Words and word pairs, each counted once, scaled so that a long paragraph weighs no more
/// than a short line in total.
fn lexical(text: &str, out: &mut Features) {
    let start = out.ids.len();
    let mut word = String::new();
    let mut previous = String::from("^");
    let mut voice = Voice::default();
    let mut sentence = Voice::default();
    let mut sentences = 0usize;
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
        let folded = word.as_str();
        sentence.we += WE.contains(&folded) as usize;
        sentence.you += YOU.contains(&folded) as usize;
        sentence.reported += REPORTED.contains(&folded) as usize;
        sentence.ask += APPEAL_STEMS.iter().any(|s| folded.starts_with(s)) as usize;
        known += vectors.add(folded, &mut meaning) as usize;
        out.push(&["w:", &word], 1.0);
        out.push(&["b:", &previous, " ", &word], 1.0);
        // A stem: "donat" is shared by donate, donation, donativo; "abonn" by abonnez,
        // abonnieren, abonnement.
        if let Some((cut, _)) = word
            .char_indices()
            .nth(5)
            .filter(|_| word.chars().count() >= 6)
        {
            out.push(&["s:", &word[..cut]], 1.0);
        }
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
        out.push(&["b:", &previous, " $"], 1.0);
    }
    dedup_from(out, start);
    let count = out.ids.len() - start;
    if count > 0 {
        let scale = 1.0 / (count as f32).sqrt();
        for (_, v) in &mut out.ids[start..] {
            *v = scale;
        }
    }
    // What the block is about, in any language: the mean of its words' vectors.
    for (d, v) in vectors.mean(&meaning, known).enumerate().take(DIMS.len()) {
        out.push(&["emb:", DIMS[d]], v * 8.0);
    }
    let share = |n: usize| n as f32 / sentences.max(1) as f32;
    out.flag(voice.we > 0, "voice:we");
    out.flag(voice.you > 0, "voice:you");
    out.flag(voice.both > 0, "voice:we+you");
    out.flag(voice.reported > 0, "voice:reported");
    out.push(&["voice:we-share"], share(voice.we));
    out.push(&["voice:you-share"], share(voice.you));
    out.push(&["voice:both-share"], share(voice.both));
    out.flag(voice.ask > 0, "appeal:any");
    out.push(&["appeal:share"], share(voice.ask));
    out.push(&["appeal:addressed-share"], share(voice.asked));
    out.flag(voice.asked >= 2, "appeal:addressed-twice");
}

/// Names of the vector dimensions, so that none is formatted per block.
const DIMS: [&str; 64] = [
    "00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15",
    "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31",
    "32", "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47",
    "48", "49", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61", "62", "63",
];

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

/// Word beginnings of what appeals are about — money, membership, access, an inbox, a
/// share — in the six languages of the corpora. Written from the languages, not from the
/// labelled documents.
const APPEAL_STEMS: &[&str] = &[
    "donat",
    "donar",
    "doar",
    "doaç",
    "spend",
    "contribu",
    "support",
    "soutien",
    "souten",
    "unterstütz",
    "apoy",
    "apoi",
    "sosten",
    "sostien",
    "steun",
    "chip",
    "fund",
    "financ",
    "pay",
    "paid",
    "member",
    "membre",
    "mitglied",
    "socio",
    "socia",
    "lidmaat",
    "abonn",
    "subscri",
    "suscri",
    "assin",
    "abbon",
    "newsletter",
    "inbox",
    "sign",
    "regist",
    "login",
    "patreon",
    "kofi",
    "paypal",
    "sponsor",
    "advert",
    "premium",
    "exclusive",
    "unlock",
    "access",
    "free",
    "gratuit",
    "kostenlos",
    "gratis",
    "grátis",
    "journalis",
    "periodis",
    "giornalis",
    "jornalis",
    "independ",
    "indépend",
    "unabhängig",
    "onafhankelijk",
    "share",
    "follow",
    "partag",
    "teilen",
    "compart",
    "condivid",
    "delen",
    "donner",
    "don",
    "dona",
    "give",
    "gift",
    "geef",
    "schenk",
];

/// Drops repeated features pushed since `start`, keeping the first of each.
fn dedup_from(out: &mut Features, start: usize) {
    let mut seen = std::collections::HashSet::with_capacity(out.ids.len() - start);
    let keep: Vec<bool> = out.ids[start..]
        .iter()
        .map(|(id, _)| seen.insert(*id))
        .collect();
    let mut mask = keep.iter();
    let tail: Vec<(u64, f32)> = out
        .ids
        .drain(start..)
        .filter(|_| *mask.next().unwrap_or(&true))
        .collect();
    out.ids.extend(tail);
    if let Some(names) = &mut out.names {
        let mut mask = keep.iter();
        let tail: Vec<String> = names
            .drain(start..)
            .filter(|_| *mask.next().unwrap_or(&true))
            .collect();
        names.extend(tail);
    }
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
fn form(text: &str, out: &mut Features) {
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

    let mut capitalised = 0;
    let mut all = 0;
    let mut month = false;
    let mut year = false;
    let mut folded = String::new();
    for w in words(t) {
        all += 1;
        if w.chars().next().is_some_and(char::is_uppercase) {
            capitalised += 1;
        }
        fold_word(w, &mut folded);
        month |= MONTHS.contains(&folded.as_str());
        year |= w.len() == 4
            && (w.starts_with("19") || w.starts_with("20"))
            && w.bytes().all(|b| b.is_ascii_digit());
    }
    let letters: Vec<char> = t.chars().filter(|c| c.is_alphabetic()).take(200).collect();
    out.flag(
        letters.len() >= 4 && letters.iter().all(|c| c.is_uppercase()),
        "form:shout",
    );
    out.flag(all >= 3 && capitalised * 10 >= all * 7, "form:title-case");
    out.flag(
        month && (year || t.bytes().any(|b| b.is_ascii_digit())),
        "form:date",
    );
    out.flag(year, "form:year");
    out.flag(t.contains("http") || t.contains("www."), "form:url");
    out.flag(t.contains('@'), "form:at");
    out.flag(t.contains('©') || t.contains("(c)"), "form:copyright");
    out.flag(
        t.chars()
            .any(|c| matches!(c, '$' | '€' | '£' | '¥' | '₹' | '₽' | '₩' | '฿')),
        "form:currency",
    );
    out.flag(
        t.contains(" | ") || t.contains(" · ") || t.contains(" • "),
        "form:separators",
    );
    out.flag(
        t.contains('"') || t.contains('“') || t.contains('«'),
        "form:quotes",
    );
    let sentences = t.matches(". ").count() + t.matches("? ").count() + t.matches("! ").count();
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
