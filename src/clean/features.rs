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

/// Maps keyed by feature ids, which are hashes already: hashing them again is wasted work.
pub type IdMap<V> = std::collections::HashMap<u64, V, std::hash::BuildHasherDefault<IdHasher>>;
pub type IdSet = std::collections::HashSet<u64, std::hash::BuildHasherDefault<IdHasher>>;

#[derive(Debug, Default, Clone, Copy)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        // FNV's high bits are its best mixed; fold them into the low ones tables index by.
        self.0 ^ (self.0 >> 29)
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv(self.0, bytes);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// FNV-1a over the parts of a feature name; the same as hashing the concatenated name.
pub fn feature_id(parts: &[&str]) -> u64 {
    parts.iter().fold(FNV_OFFSET, |h, p| fnv(h, p.as_bytes()))
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

/// The features a block has on its own: words, meaning, voice, shape, structure, rules.
pub fn read(block: &Block, rules: &Rules, named: bool) -> Read {
    let mut out = if named {
        Features::named()
    } else {
        Features::default()
    };
    let text = block.text.as_str();
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
    for (i, r) in reads.iter_mut().enumerate() {
        position(i, &layout, &shapes[i], &mut r.features);
        topic(&shapes, i, &layout, &mut r.features);
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
        shape.month |= class & MONTH_WORD != 0;
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
    for (d, v) in vectors.mean(&meaning, known).enumerate().take(DIMS.len()) {
        out.ids.push((EMB_IDS[d], v * 8.0));
        if let Some(names) = &mut out.names {
            names.push(format!("emb:{}", DIMS[d]));
        }
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
    shape.terms.sort_unstable();
    shape.terms.dedup();
    shape
}

const WE_WORD: u8 = 1;
const YOU_WORD: u8 = 2;
const REPORTED_WORD: u8 = 4;
const APPEAL_WORD: u8 = 8;
const MONTH_WORD: u8 = 16;

/// The word lists above as one table of hashed words (and, for appeal stems, prefixes).
static WORD_CLASSES: std::sync::LazyLock<IdMap<u8>> = std::sync::LazyLock::new(|| {
    let mut table = IdMap::default();
    let lists: [(&[&str], u8); 5] = [
        (WE, WE_WORD),
        (YOU, YOU_WORD),
        (REPORTED, REPORTED_WORD),
        (APPEAL_STEMS, APPEAL_WORD),
        (MONTHS, MONTH_WORD),
    ];
    for (words, class) in lists {
        for w in words {
            *table.entry(feature_id(&[w])).or_insert(0) |= class;
        }
    }
    table
});

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// FNV-1a continued from state `h` over `bytes`.
fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h = (h ^ u64::from(*b)).wrapping_mul(FNV_PRIME);
    }
    h
}

/// The ids one folded word contributes, from one pass over its bytes: several FNV states
/// advance side by side (what `feature_id` of each name would give, at a fraction of the
/// cost — this loop is most of the scorer's time on a long article).
struct WordIds {
    /// The word alone: word vectors and topic terms are keyed by it.
    plain: u64,
    /// `w:WORD`
    word: u64,
    /// `b:PREVIOUS WORD`
    bigram: u64,
    /// `b:WORD ` — the start of the next word's bigram.
    next_bigram: u64,
    /// `s:STEM` and the stem's length in bytes, for words of six characters or more.
    stem: Option<(u64, usize)>,
    class: u8,
}

impl WordIds {
    fn of(folded: &str, bigram_prefix: u64) -> WordIds {
        const STEM_BYTES: std::ops::RangeInclusive<usize> = 3..=14;
        static STARTS: std::sync::LazyLock<[u64; 3]> = std::sync::LazyLock::new(|| {
            [
                feature_id(&["w:"]),
                feature_id(&["b:"]),
                feature_id(&["s:"]),
            ]
        });
        let table = &*WORD_CLASSES;
        let [mut word, mut next, mut stem] = *STARTS;
        let cut = folded.char_indices().nth(5).map_or(0, |(i, _)| i);
        let (mut plain, mut bigram) = (FNV_OFFSET, bigram_prefix);
        let mut class = 0;
        for (i, b) in folded.bytes().enumerate() {
            let b = u64::from(b);
            plain = (plain ^ b).wrapping_mul(FNV_PRIME);
            word = (word ^ b).wrapping_mul(FNV_PRIME);
            bigram = (bigram ^ b).wrapping_mul(FNV_PRIME);
            next = (next ^ b).wrapping_mul(FNV_PRIME);
            if i < cut {
                stem = (stem ^ b).wrapping_mul(FNV_PRIME);
            }
            let len = i + 1;
            if STEM_BYTES.contains(&len) && folded.is_char_boundary(len) {
                if let Some(c) = table.get(&plain) {
                    class |= c & APPEAL_WORD;
                }
            }
        }
        WordIds {
            plain,
            word,
            bigram,
            next_bigram: fnv(next, b" "),
            stem: (cut > 0).then_some((stem, cut)),
            class: class | table.get(&plain).map_or(0, |c| c & !APPEAL_WORD),
        }
    }
}

static EMB_IDS: std::sync::LazyLock<[u64; 64]> =
    std::sync::LazyLock::new(|| std::array::from_fn(|d| feature_id(&["emb:", DIMS[d]])));

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
    if out.names.is_none() {
        // Values are equal within a group, so order does not matter: sort and drop repeats.
        out.ids[start..].sort_unstable_by_key(|(id, _)| *id);
        let mut tail = out.ids.split_off(start);
        tail.dedup_by_key(|(id, _)| *id);
        out.ids.append(&mut tail);
        return;
    }
    let mut seen = IdSet::with_capacity_and_hasher(out.ids.len() - start, Default::default());
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read_named(text: &str) -> Read {
        let block = Block {
            text: text.to_string(),
            ..Block::default()
        };
        read(&block, &Rules::builtin().unwrap(), true)
    }

    #[test]
    fn every_feature_id_is_the_hash_of_its_name() {
        // The trainer writes names; the reader computes ids without them. They must agree.
        let r = read_named(
            "Unterstützen Sie uns! We rely on readers like you: donate €5 at https://x.example \
             (c) 2024 — «Spenden» 12 May.",
        );
        let names = r.features.names.as_ref().unwrap();
        assert_eq!(names.len(), r.features.ids.len());
        for ((id, _), name) in r.features.ids.iter().zip(names) {
            assert_eq!(*id, feature_id(&[name]), "{name}");
        }
        for name in [
            "w:unterstützen",
            "b:^ unterstützen",
            "s:unter",
            "b:0 may",
            "b:may $",
        ] {
            assert!(
                names.iter().any(|n| n == name),
                "{name} missing from {names:?}"
            );
        }
    }

    #[test]
    fn voice_appeal_words_and_marks_are_seen() {
        let r = read_named("We need you. Please donate today for just $5 — https://give.example");
        let names = r.features.names.unwrap();
        for name in [
            "voice:we+you",
            "appeal:any",
            "form:currency",
            "form:url",
            "end:word",
        ] {
            assert!(
                names.iter().any(|n| n == name),
                "{name} missing from {names:?}"
            );
        }
        assert_eq!(r.shape.words, 12);
    }
}
