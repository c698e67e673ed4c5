//! Static word vectors (`assets/word-vectors.bin`, distilled by
//! `assets/distill_embeddings.py` from a multilingual sentence model): what a block is about
//! in any of seven languages, as the mean of its words' vectors. No model runs in the reader.

use std::sync::LazyLock;

use super::features::{feature_id, IdMap};

const BUILTIN: &[u8] = include_bytes!("../../assets/word-vectors.bin");

#[derive(Debug, Default)]
pub struct WordVectors {
    pub dims: usize,
    scale: Vec<f32>,
    /// Hashed folded word → row.
    index: IdMap<u32>,
    data: Vec<i8>,
}

pub fn builtin() -> &'static WordVectors {
    static VECTORS: LazyLock<WordVectors> = LazyLock::new(|| {
        WordVectors::parse(BUILTIN).expect("assets/word-vectors.bin is checked by a unit test")
    });
    &VECTORS
}

impl WordVectors {
    pub fn parse(bytes: &[u8]) -> Result<WordVectors, String> {
        let mut at = 0usize;
        let mut take = |n: usize| -> Result<&[u8], String> {
            let s = bytes
                .get(at..at + n)
                .ok_or_else(|| format!("word vectors cut short at byte {at}"))?;
            at += n;
            Ok(s)
        };
        if take(4)? != b"TWV1" {
            return Err("word vectors: not a TWV1 file".to_string());
        }
        let u32_at = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
        let words = u32_at(take(4)?);
        let dims = u32_at(take(4)?);
        let scale = (0..dims)
            .map(|_| take(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
            .collect::<Result<Vec<f32>, String>>()?;
        let mut index = IdMap::with_capacity_and_hasher(words, Default::default());
        let mut data = Vec::with_capacity(words * dims);
        for row in 0..words {
            let len = take(1)?[0] as usize;
            let word = std::str::from_utf8(take(len)?)
                .map_err(|_| format!("word vectors: word {row} is not UTF-8"))?;
            index.insert(feature_id(&[word]), row as u32);
            data.extend(take(dims)?.iter().map(|b| *b as i8));
        }
        Ok(WordVectors {
            dims,
            scale,
            index,
            data,
        })
    }

    /// Adds the vector of a folded word, hashed with `feature_id`, to `sum`; false when
    /// the word is not in the table.
    pub fn add_id(&self, id: u64, sum: &mut [i32]) -> bool {
        let Some(row) = self.index.get(&id) else {
            return false;
        };
        let start = *row as usize * self.dims;
        let row = &self.data[start..start + self.dims];
        #[inline(always)]
        fn add(sum: &mut [i32], row: &[i8]) {
            for (s, v) in sum.iter_mut().zip(row) {
                *s += i32::from(*v);
            }
        }
        // The shipped table's width, known to the compiler, lets it add in vector registers.
        match (
            <&mut [i32; 64]>::try_from(&mut *sum),
            <&[i8; 64]>::try_from(row),
        ) {
            (Ok(sum), Ok(row)) => add(sum, row),
            _ => add(sum, row),
        }
        true
    }

    /// The mean vector of `count` words summed into `sum`.
    pub fn mean<'a>(&'a self, sum: &'a [i32], count: usize) -> impl Iterator<Item = f32> + 'a {
        let n = count.max(1) as f32;
        sum.iter()
            .zip(&self.scale)
            .map(move |(s, k)| *s as f32 * k / n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(words: &[&str]) -> Vec<f32> {
        let v = builtin();
        let mut sum = vec![0; v.dims];
        let found = words
            .iter()
            .filter(|w| v.add_id(feature_id(&[w]), &mut sum))
            .count();
        assert_eq!(found, words.len(), "{words:?} not all in the table");
        let m: Vec<f32> = v.mean(&sum, found).collect();
        let norm = m.iter().map(|x| x * x).sum::<f32>().sqrt();
        m.iter().map(|x| x / norm).collect()
    }

    fn cosine(a: &[&str], b: &[&str]) -> f32 {
        vector(a).iter().zip(vector(b)).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn the_shipped_table_reads_and_puts_like_words_together_across_languages() {
        assert!(builtin().dims >= 32);
        let near = cosine(&["donate"], &["spenden"]);
        let far = cosine(&["donate"], &["volcano"]);
        assert!(near > far, "donate~spenden {near} <= donate~volcano {far}");
    }

    #[test]
    fn a_cut_table_is_an_error_not_a_panic() {
        assert!(WordVectors::parse(&BUILTIN[..BUILTIN.len() / 2]).is_err());
        assert!(WordVectors::parse(b"XXXX").is_err());
    }
}
