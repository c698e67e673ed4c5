//! The word lists the features read: the publisher's "we", the reader's "you", reported
//! speech, months, and the stems of what appeals are about — written from the languages,
//! not from the labelled documents — as one table of hashed words.

use super::ids::{feature_id, IdMap};

pub(super) const WE: &[&str] = &[
    "we", "our", "us", "ours", "nous", "notre", "nos", "wir", "uns", "unser", "unsere", "unseren",
    "unserer", "nosotros", "nuestro", "nuestra", "nuestros", "nuestras", "nós", "nosso", "nossa",
    "nossos", "noi", "nostro", "nostra", "nostri", "wij", "ons", "onze",
];
pub(super) const YOU: &[&str] = &[
    "you", "your", "yours", "vous", "votre", "vos", "du", "dich", "dein", "deine", "euch", "ihnen",
    "usted", "ustedes", "tu", "tú", "tus", "você", "vocês", "voi", "vostro", "jij", "jou", "jouw",
    "uw",
];
pub(super) const REPORTED: &[&str] = &[
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
pub(super) const MONTHS: &[&str] = &[
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

/// Word beginnings of what appeals are about — money, membership, access, an inbox, a
/// share — in the six languages of the corpora. Written from the languages, not from the
/// labelled documents.
pub(super) const APPEAL_STEMS: &[&str] = &[
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

pub(super) const WE_WORD: u8 = 1;
pub(super) const YOU_WORD: u8 = 2;
pub(super) const REPORTED_WORD: u8 = 4;
pub(super) const APPEAL_WORD: u8 = 8;
pub(super) const MONTH_WORD: u8 = 16;

/// The word lists above as one table of hashed words (and, for appeal stems, prefixes).
pub(super) static WORD_CLASSES: std::sync::LazyLock<IdMap<u8>> = std::sync::LazyLock::new(|| {
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
