//! Feature ids: FNV-1a hashes of feature names, computed in one pass over each word.

use super::lexicon::{APPEAL_STEMS, APPEAL_WORD, WORD_CLASSES};

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

pub(super) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
pub(super) const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// FNV-1a continued from state `h` over `bytes`.
pub(super) fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h = (h ^ u64::from(*b)).wrapping_mul(FNV_PRIME);
    }
    h
}

/// The ids one folded word contributes, from one pass over its bytes: several FNV states
/// advance side by side (what `feature_id` of each name would give, at a fraction of the
/// cost — this loop is most of the scorer's time on a long article).
pub(super) struct WordIds {
    /// The word alone: word vectors and topic terms are keyed by it.
    pub(super) plain: u64,
    /// `w:WORD`
    pub(super) word: u64,
    /// `b:PREVIOUS WORD`
    pub(super) bigram: u64,
    /// `b:WORD ` — the start of the next word's bigram.
    pub(super) next_bigram: u64,
    /// `s:STEM` and the stem's length in bytes, for words of six characters or more.
    pub(super) stem: Option<(u64, usize)>,
    pub(super) class: u8,
}

impl WordIds {
    pub(super) fn of(folded: &str, bigram_prefix: u64) -> WordIds {
        const STEM_BYTES: std::ops::RangeInclusive<usize> = 3..=14;
        static STARTS: std::sync::LazyLock<[u64; 3]> = std::sync::LazyLock::new(|| {
            [
                feature_id(&["w:"]),
                feature_id(&["b:"]),
                feature_id(&["s:"]),
            ]
        });
        // A stem can only be a prefix of a word that starts with the stem's first two
        // bytes: one bit tested instead of a lookup per prefix length for every word.
        static STEM_STARTS: std::sync::LazyLock<Box<[u64; 1024]>> =
            std::sync::LazyLock::new(|| {
                let mut bits = Box::new([0u64; 1024]);
                for stem in APPEAL_STEMS {
                    if let Some(&[a, b]) = stem.as_bytes().first_chunk::<2>() {
                        let i = usize::from(u16::from_le_bytes([a, b]));
                        bits[i / 64] |= 1 << (i % 64);
                    }
                }
                bits
            });
        let table = &*WORD_CLASSES;
        let may_have_stem = folded.as_bytes().first_chunk::<2>().is_some_and(|&[a, b]| {
            let i = usize::from(u16::from_le_bytes([a, b]));
            STEM_STARTS[i / 64] & (1 << (i % 64)) != 0
        });
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
            if may_have_stem && STEM_BYTES.contains(&len) && folded.is_char_boundary(len) {
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

pub(super) static EMB_IDS: std::sync::LazyLock<[u64; 64]> =
    std::sync::LazyLock::new(|| std::array::from_fn(|d| feature_id(&["emb:", DIMS[d]])));

/// Names of the vector dimensions, so that none is formatted per block.
pub(super) const DIMS: [&str; 64] = [
    "00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15",
    "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31",
    "32", "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47",
    "48", "49", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61", "62", "63",
];
