//! Drawing: `draw(frame, &App)` reads the state and paints it. It never loads, parses or
//! renders HTML — article lines come ready from the app's cache — and it only builds the
//! rows that are visible.

use ratatui::layout::{Constraint, Flex, Layout as RLayout, Rect as RRect};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line as TLine, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;
use unicode_width::UnicodeWidthChar;

use crate::app::{App, Focus, Overlay, Rect, Source, SourceEntry};
use crate::clean::LineKind;
use crate::model::Timestamp;
use crate::text::sanitize_line;

fn rr(r: Rect) -> RRect {
    RRect::new(r.x, r.y, r.width, r.height)
}

/// Cuts `s` to at most `width` display columns, ending with `…` when it had to cut, and
/// pads with spaces to exactly `width`.
pub fn fit(s: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    let total = display_width(s);
    if total <= width {
        out.push_str(s);
        used = total;
    } else if width > 0 {
        for c in s.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > width - 1 {
                break;
            }
            out.push(c);
            used += w;
        }
        out.push('…');
        used += 1;
    }
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// A headline's date: `Nov 26` this year, the year alone for other years (six columns
/// hold no more), the full date and time with `with_time`.
pub fn format_date(
    ts: Option<Timestamp>,
    offset_secs: i32,
    this_year: Option<i32>,
    with_time: bool,
) -> String {
    let Some(ts) = ts else {
        return String::new();
    };
    let offset = chrono::FixedOffset::east_opt(offset_secs)
        .unwrap_or(chrono::FixedOffset::east_opt(0).unwrap());
    let Some(d) = chrono::DateTime::from_timestamp(ts, 0).map(|d| d.with_timezone(&offset)) else {
        return String::new();
    };
    if with_time {
        d.format("%Y-%m-%d %H:%M").to_string()
    } else if this_year.is_some_and(|y| y != chrono::Datelike::year(&d)) {
        d.format("%Y").to_string()
    } else {
        d.format("%b %d").to_string()
    }
}

fn border_style(app: &App, focused: bool) -> Style {
    if focused {
        app.theme.border_focused
    } else {
        app.theme.border
    }
}

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let layout = app.layout_for((area.width, area.height));
    if let Some(r) = layout.sidebar {
        draw_sidebar(frame, app, rr(r));
    }
    if let Some(r) = layout.list {
        draw_list(frame, app, rr(r));
    }
    if let (Some(pane), Some(text)) = (layout.article, layout.article_text()) {
        let geometry = layout.article_geometry(area.width);
        draw_article(frame, app, rr(pane), rr(text), geometry);
    }
    draw_status(frame, app, rr(layout.status));
    match &app.overlay {
        Some(Overlay::Help) => draw_help(frame, app),
        Some(Overlay::FeedPicker { selected }) => draw_picker(frame, app, *selected),
        Some(Overlay::Links { selected }) => draw_links(frame, app, *selected),
        Some(Overlay::Search { input }) => {
            let r = rr(layout.status);
            let text = format!("/{}", sanitize_line(input));
            frame.render_widget(Clear, r);
            frame.render_widget(
                Paragraph::new(TLine::from(vec![
                    Span::raw(fit(&text, (r.width as usize).saturating_sub(1))),
                    Span::raw(" "),
                ])),
                r,
            );
            let cursor_x = r.x + (display_width(&text) as u16).min(r.width.saturating_sub(1));
            frame.set_cursor_position((cursor_x, r.y));
        }
        None => {}
    }
}

fn list_title(app: &App) -> String {
    let unread = app.list.headlines.iter().filter(|h| !h.read).count();
    let mut title = format!(" {} shown, {} unread", app.list.headlines.len(), unread);
    match &app.sources.current {
        Source::All => {}
        Source::Feed(id) => title.push_str(&format!(
            " · {}",
            sanitize_line(app.sources.feed_title(*id))
        )),
        Source::Tag(t) => title.push_str(&format!(" · #{}", sanitize_line(t))),
        Source::Query(_) => {
            if let Some(q) = app.sources.current_query() {
                title.push_str(&format!(" · query: {}", sanitize_line(&q.name)));
            }
        }
    }
    if app.list.unread_only {
        title.push_str(" · unread only");
    }
    if let Some(q) = &app.list.search {
        title.push_str(&format!(" · search: {}", sanitize_line(q)));
    }
    title.push(' ');
    title
}

fn draw_list(frame: &mut Frame, app: &App, area: RRect) {
    let focused = app.focus == Focus::List;
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(border_style(app, focused))
        .title(
            fit(&list_title(app), area.width.saturating_sub(2) as usize)
                .trim_end()
                .to_string(),
        );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if app.list.headlines.is_empty() {
        let msg = if app.list.search.is_some() {
            "No matches. Esc clears the search."
        } else if app.list.unread_only {
            "No unread items. u shows all."
        } else {
            "No items yet. R refreshes, ? shows keys."
        };
        frame.render_widget(Paragraph::new(msg).dark_gray(), inner);
        return;
    }
    let width = inner.width as usize;
    let feed_w = if width >= 70 {
        16
    } else if width >= 50 {
        10
    } else {
        0
    };
    let date_w = 6;
    let rows = inner.height as usize;
    let lines: Vec<TLine> = app
        .list
        .headlines
        .iter()
        .enumerate()
        .skip(app.list.scroll)
        .take(rows)
        .map(|(i, h)| {
            let mark = match (h.starred, h.read) {
                (true, _) => "★",
                (false, false) => "●",
                (false, true) => " ",
            };
            let mut text = format!(
                "{mark} {} ",
                fit(
                    &format_date(h.published, app.utc_offset, app.this_year, false),
                    date_w
                )
            );
            if feed_w > 0 {
                text.push_str(&fit(
                    &sanitize_line(app.sources.feed_title(h.feed_id)),
                    feed_w,
                ));
                text.push(' ');
            }
            let used = 2 + date_w + 1 + if feed_w > 0 { feed_w + 1 } else { 0 };
            text.push_str(&fit(&sanitize_line(&h.title), width.saturating_sub(used)));
            let mut style = if h.read {
                app.theme.read
            } else {
                app.theme.unread
            };
            if i == app.list.selected {
                style = style.patch(if focused {
                    app.theme.selected
                } else {
                    app.theme.selected_unfocused
                });
            }
            TLine::from(Span::styled(text, style))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The article in its pane (`area`, with the border), its text inside `inner`, rendered at
/// `(width, rows)` — all from the frame's layout.
fn draw_article(
    frame: &mut Frame,
    app: &App,
    area: RRect,
    inner: RRect,
    (width, rows): (usize, usize),
) {
    let Some(open) = &app.article.open else {
        return;
    };
    let focused = app.focus == Focus::Article;
    let lines = open.lines(width, app.article.reveal);
    let end = (open.scroll + rows).min(lines.len());
    let position = if lines.len() <= rows {
        "all".to_string()
    } else {
        format!("{}%", end * 100 / lines.len().max(1))
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(border_style(app, focused))
        .title(format!(
            " {}-{}/{} {} ",
            (open.scroll + 1).min(lines.len()),
            end,
            lines.len(),
            position
        ));
    frame.render_widget(block, area);
    let a = &open.article;
    let w = inner.width as usize;
    let mut meta = sanitize_line(&a.feed_title);
    if let Some(author) = a
        .author
        .as_deref()
        .map(sanitize_line)
        .filter(|s| !s.is_empty())
    {
        meta.push_str(" · ");
        meta.push_str(&author);
    }
    let date = format_date(a.published, app.utc_offset, app.this_year, true);
    if !date.is_empty() {
        meta.push_str(" · ");
        meta.push_str(&date);
    }
    let hidden = open.cleaned.hidden_count();
    let filter_note = match (hidden, app.article.reveal) {
        (0, _) => String::new(),
        (n, false) => format!(
            "{n} appeal block{} hidden — H reveals",
            if n == 1 { "" } else { "s" }
        ),
        (n, true) => format!(
            "{n} hidden block{} shown dimmed — H hides",
            if n == 1 { "" } else { "s" }
        ),
    };
    let media = crate::app::article::media_note(&a.media, app.article.media_to_play());
    let filter_note = match &a.full_text {
        crate::model::FullText::Feed => filter_note,
        crate::model::FullText::Page => join_note("full article", filter_note),
        crate::model::FullText::Failed(e) => join_note(
            &format!("feed summary (full article failed: {})", sanitize_line(e)),
            filter_note,
        ),
    };
    // The file's type is the feed's text.
    let filter_note = if media.is_empty() {
        filter_note
    } else {
        join_note(&sanitize_line(&media), filter_note)
    };
    let mut header = vec![
        TLine::from(Span::styled(
            fit(&sanitize_line(&a.title), w),
            app.theme.title,
        )),
        TLine::from(Span::styled(fit(&meta, w), app.theme.meta)),
        TLine::from(Span::styled(
            fit(&a.link.as_deref().map(sanitize_line).unwrap_or_default(), w),
            app.theme.link,
        )),
        TLine::from(Span::styled(fit(&filter_note, w), app.theme.note)),
        TLine::from(""),
    ];
    header.truncate(crate::app::HEADER_ROWS as usize);
    let body: Vec<TLine> = lines[open.scroll.min(lines.len())..end]
        .iter()
        .map(|l| {
            let style = match l.kind {
                LineKind::Body => Style::new(),
                LineKind::Hidden => app.theme.hidden,
                LineKind::HiddenLabel => app.theme.hidden_label,
                LineKind::Link => app.theme.link,
            };
            TLine::from(Span::styled(fit(&l.text, w).trim_end().to_string(), style))
        })
        .collect();
    header.extend(body);
    frame.render_widget(Paragraph::new(header), inner);
}

fn join_note(first: &str, second: String) -> String {
    if second.is_empty() {
        first.to_string()
    } else {
        format!("{first} · {second}")
    }
}

fn draw_sidebar(frame: &mut Frame, app: &App, area: RRect) {
    let focused = app.focus == Focus::Sidebar;
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(border_style(app, focused))
        .title(" Feeds ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    let rows = inner.height as usize;
    let sources = app.sources.entries();
    let skip = app.sources.selected.saturating_sub(rows.saturating_sub(1));
    let lines: Vec<TLine> = sources
        .iter()
        .enumerate()
        .skip(skip)
        .take(rows)
        .map(|(i, entry)| {
            let SourceEntry {
                source,
                label: name,
                unread,
                failing: failed,
            } = entry;
            let count = if *unread > 0 {
                format!(" {unread}")
            } else {
                String::new()
            };
            let mark = if *failed { "!" } else { " " };
            let name_w = w.saturating_sub(count.len() + 1);
            let text = format!("{mark}{}{count}", fit(&sanitize_line(name), name_w));
            let mut style = if *failed {
                app.theme.failing
            } else {
                Style::new()
            };
            if *source == app.sources.current {
                style = style.patch(app.theme.current);
            }
            if i == app.sources.selected && focused {
                style = style.patch(app.theme.selected);
            }
            TLine::from(Span::styled(text, style))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_status(frame: &mut Frame, app: &App, area: RRect) {
    let mut parts = vec![format!("{} unread", app.sources.unread_count())];
    if let Some(sync) = &app.status.sync {
        let when = match &sync.synced_at {
            Some(t) => format!("synced {t}"),
            None => "not synced yet".to_string(),
        };
        parts.push(match sync.waiting {
            0 => when,
            n => format!("{when}, {n} to send"),
        });
    }
    if let Some((done, total)) = app.status.refresh {
        parts.push(format!("refreshing {done}/{total}"));
    }
    if let Some(m) = &app.status.message {
        parts.push(sanitize_line(m));
    }
    let left = parts.join(" · ");
    let error = app
        .status
        .errors
        .last()
        .map(|(feed, msg)| {
            let feed = app.sources.feed_title(*feed);
            let more = if app.status.errors.len() > 1 {
                format!(" (+{} more)", app.status.errors.len() - 1)
            } else {
                String::new()
            };
            format!(" · ! {}: {}{more}", sanitize_line(feed), sanitize_line(msg))
        })
        .unwrap_or_default();
    let hint = format!(" {} ", app.keys_hint);
    let w = area.width as usize;
    let hint_w = hint.chars().count().min(w / 2);
    let left_w = w.saturating_sub(hint_w);
    let left_text = fit(&format!("{left}{error}"), left_w);
    let (ok_part, err_part) = match left_text.find(" · ! ") {
        Some(i) if !error.is_empty() => left_text.split_at(i),
        _ => (left_text.as_str(), ""),
    };
    let line = TLine::from(vec![
        Span::raw(ok_part.to_string()),
        Span::styled(err_part.to_string(), app.theme.failing),
        Span::styled(fit(&hint, hint_w), app.theme.meta),
    ]);
    frame.render_widget(Paragraph::new(line).style(app.theme.status), area);
}

fn centered(frame: &Frame, width: u16, height: u16) -> RRect {
    let area = frame.area();
    let [v] = RLayout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = RLayout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

fn draw_help(frame: &mut Frame, app: &App) {
    let key_w = app
        .help
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(4)
        .min(24);
    let lines: Vec<TLine> = app
        .help
        .iter()
        .map(|(keys, what)| {
            TLine::from(vec![
                Span::styled(fit(keys, key_w), app.theme.key),
                Span::raw("  "),
                Span::raw(what.clone()),
            ])
        })
        .collect();
    let area = centered(frame, 64, lines.len() as u16 + 2);
    frame.render_widget(Clear, area);
    let block = Block::new()
        .borders(Borders::ALL)
        .title(" Keys — Esc or q closes ");
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn draw_picker(frame: &mut Frame, app: &App, selected: usize) {
    let entries = app.sources.entries();
    draw_overlay_list(
        frame,
        app,
        (" Feed or tag — Enter chooses ", 50),
        (entries.len(), selected),
        |i, w| {
            let entry = &entries[i];
            let mark = if entry.failing { "!" } else { " " };
            let count = format!(" {}", entry.unread);
            format!(
                "{mark}{}{count}",
                fit(
                    &sanitize_line(&entry.label),
                    w.saturating_sub(count.len() + 1)
                )
            )
        },
    );
}

/// The open article's links: label and address; the highlighted one opens with Enter.
fn draw_links(frame: &mut Frame, app: &App, selected: usize) {
    let links = app.article.links();
    let labels: Vec<String> = links.iter().map(|(l, _)| sanitize_line(l)).collect();
    let label_w = labels.iter().map(|l| display_width(l)).max().unwrap_or(0);
    draw_overlay_list(
        frame,
        app,
        (" Links — Enter opens, y copies ", 90),
        (links.len(), selected),
        |i, w| {
            let label_w = label_w.min(w / 3);
            format!(
                "{} {}",
                fit(&labels[i], label_w),
                fit(&sanitize_line(&links[i].1), w.saturating_sub(label_w + 1))
            )
        },
    );
}

/// A list over the panes (`title`, at most `width` columns): `count` rows made by `row(i,
/// columns)`, the `selected` one highlighted and kept in view.
fn draw_overlay_list(
    frame: &mut Frame,
    app: &App,
    (title, width): (&str, u16),
    (count, selected): (usize, usize),
    row: impl Fn(usize, usize) -> String,
) {
    // At most 18 rows: an article may hold more links than a u16 counts.
    let area = centered(frame, width, count.min(18) as u16 + 2);
    let height = area.height.saturating_sub(2) as usize;
    let skip = selected.saturating_sub(height.saturating_sub(1));
    let w = area.width.saturating_sub(2) as usize;
    let lines: Vec<TLine> = (skip..count.min(skip + height))
        .map(|i| {
            let style = if i == selected {
                app.theme.selected
            } else {
                Style::new()
            };
            TLine::from(Span::styled(row(i, w), style))
        })
        .collect();
    frame.render_widget(Clear, area);
    let block = Block::new().borders(Borders::ALL).title(title);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn display_width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_overlay_of_more_rows_than_a_u16_counts_draws_its_last_rows() {
        let app = App::new(
            crate::clean::Cleaner::new(&Default::default()).unwrap(),
            (60, 24),
        );
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(60, 24)).unwrap();
        let count = 65_534;
        terminal
            .draw(|f| {
                draw_overlay_list(f, &app, (" many ", 40), (count, count - 1), |i, w| {
                    fit(&format!("row {i}"), w)
                })
            })
            .unwrap();
        let shown: String = terminal
            .backend()
            .buffer()
            .content()
            .iter()
            .map(|c| c.symbol())
            .collect();
        assert!(shown.contains("row 65533"), "{shown}");
    }

    #[test]
    fn fit_cuts_at_display_width_with_an_ellipsis() {
        assert_eq!(fit("hello", 8), "hello   ");
        assert_eq!(fit("hello world", 8), "hello w…");
        // Each of these takes two columns.
        assert_eq!(fit("日本語のニュース", 7), "日本語…");
        assert_eq!(fit("日本語のニュース", 8), "日本語… ");
        assert_eq!(fit("ab", 0), "");
    }
}
