//! Panic isolation for third-party code that reads hostile input (the feed parser, the
//! full-text extractor, the HTML renderer): a panic there becomes an error for that one
//! input, and the reader's panic hook stays quiet about it instead of restoring the
//! terminal mid-session.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

thread_local! {
    static ISOLATED: Cell<bool> = const { Cell::new(false) };
}

/// True while this thread runs code under [`isolated`]; a panic hook uses it to stay quiet.
pub fn in_isolated() -> bool {
    ISOLATED.with(Cell::get)
}

/// Runs `f`; `None` when it panicked.
pub fn isolated<T>(f: impl FnOnce() -> T) -> Option<T> {
    let outer = ISOLATED.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    ISOLATED.with(|c| c.set(outer));
    result.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_is_none_and_the_flag_is_only_set_inside() {
        assert!(!in_isolated());
        assert_eq!(isolated(in_isolated), Some(true));
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let r: Option<()> = isolated(|| panic!("boom"));
        std::panic::set_hook(previous);
        assert!(r.is_none());
        assert!(!in_isolated());
    }
}
