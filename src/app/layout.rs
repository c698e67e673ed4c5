//! Where everything sits on screen, computed once for `update` (page sizes, the width an
//! article is rendered at, what a click hits) and `draw` (what to paint where), so the two
//! can never disagree.

use super::Focus;

/// A screen area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rect {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub height: u16,
}

impl Rect {
    pub fn contains(&self, column: u16, row: u16) -> bool {
        column >= self.x
            && column < self.x + self.width
            && row >= self.y
            && row < self.y + self.height
    }

    /// Inside the one-cell border every pane has.
    pub fn inner(&self) -> Rect {
        Rect {
            x: self.x + 1.min(self.width),
            y: self.y + 1.min(self.height),
            width: self.width.saturating_sub(2),
            height: self.height.saturating_sub(2),
        }
    }
}

/// The panes of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Layout {
    pub sidebar: Option<Rect>,
    pub list: Option<Rect>,
    pub article: Option<Rect>,
    pub status: Rect,
}

/// Widths at which the list and article sit side by side, and at which a narrow terminal
/// shows the article full screen instead of below the list.
pub const SIDE_BY_SIDE_WIDTH: u16 = 120;
const STACKED_MIN_HEIGHT: u16 = 24;
const SIDEBAR_WIDTH: u16 = 26;
/// Rows of the article header above the body: title, feed/author/date, link, hidden count
/// and a blank line.
pub const HEADER_ROWS: u16 = 5;
/// Columns left blank on either side of the article text, inside its border.
const ARTICLE_PADDING: u16 = 1;

/// What the layout depends on besides the frame's size.
#[derive(Debug, Clone, Copy)]
pub struct Panes {
    pub sidebar: bool,
    pub article: bool,
    pub focus: Focus,
}

/// The layout of a frame of `(w, h)`.
pub fn layout((w, h): (u16, u16), panes: Panes) -> Layout {
    let status = Rect {
        x: 0,
        y: h.saturating_sub(1),
        width: w,
        height: 1.min(h),
    };
    let body_h = h.saturating_sub(1);
    let mut x = 0;
    let mut sidebar = None;
    if panes.sidebar && w >= 60 {
        sidebar = Some(Rect {
            x: 0,
            y: 0,
            width: SIDEBAR_WIDTH,
            height: body_h,
        });
        x = SIDEBAR_WIDTH;
    }
    let rest_w = w - x;
    let whole = Rect {
        x,
        y: 0,
        width: rest_w,
        height: body_h,
    };
    let (list, article) = if !panes.article {
        (Some(whole), None)
    } else if w >= SIDE_BY_SIDE_WIDTH {
        let list_w = (rest_w * 2 / 5).max(30);
        (
            Some(Rect {
                width: list_w,
                ..whole
            }),
            Some(Rect {
                x: x + list_w,
                width: rest_w - list_w,
                ..whole
            }),
        )
    } else if h >= STACKED_MIN_HEIGHT {
        let list_h = body_h / 3;
        (
            Some(Rect {
                height: list_h,
                ..whole
            }),
            Some(Rect {
                y: list_h,
                height: body_h - list_h,
                ..whole
            }),
        )
    } else if panes.focus == Focus::Article {
        (None, Some(whole))
    } else {
        (Some(whole), None)
    };
    Layout {
        sidebar,
        list,
        article,
        status,
    }
}

impl Layout {
    /// Rows of headlines visible in the list (its height minus its border and title).
    pub fn list_rows(&self) -> usize {
        self.list.map(|r| r.inner().height as usize).unwrap_or(0)
    }

    /// Where the article's text goes: inside the border, with padding on either side.
    pub fn article_text(&self) -> Option<Rect> {
        self.article.map(|r| {
            let inner = r.inner();
            Rect {
                x: inner.x + ARTICLE_PADDING.min(inner.width),
                width: inner.width.saturating_sub(2 * ARTICLE_PADDING),
                ..inner
            }
        })
    }

    /// The width the article body is rendered at, and the rows of body visible. Without
    /// an article pane (a narrow terminal showing the list) it is rendered at the width
    /// it would have full screen.
    pub fn article_geometry(&self, frame_width: u16) -> (usize, usize) {
        match self.article_text() {
            Some(r) => (
                r.width.max(10) as usize,
                r.height.saturating_sub(HEADER_ROWS) as usize,
            ),
            None => (frame_width.saturating_sub(4).max(10) as usize, 1),
        }
    }
}
