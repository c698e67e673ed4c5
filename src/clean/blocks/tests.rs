use super::*;

#[test]
fn paragraphs_headings_and_items_are_blocks() {
    let s = split_html("<h2>Title</h2><p>One <a href=\"http://a\">link</a>.</p><ul><li>x</li><li>y</li></ul><div>loose <b>text</b></div>");
    let texts: Vec<_> = s.blocks.iter().map(|b| b.text.as_str()).collect();
    assert_eq!(texts, ["Title", "One link.", "x", "y", "loose text"]);
    assert!(s.blocks[0].heading);
    assert_eq!(s.links, ["http://a"]);
    assert_eq!(
        s.blocks[1].body,
        Body::Plain("One link\u{e000}0\u{e001}.".into())
    );
}

#[test]
fn classes_of_ancestors_and_forms_are_recorded() {
    let s = split_html("<div class=\"Newsletter-Box\"><form><p>Get it</p><input type=email></form></div><p>Body</p>");
    assert!(s.blocks[0].classes.contains(&"newsletter-box".to_string()));
    assert!(s.blocks[0].interactive);
    assert!(!s.blocks[1].interactive && s.blocks[1].classes.is_empty());
}

#[test]
fn scripts_are_dropped_and_escapes_stripped() {
    let s = split_html("<p>a<script>alert(1)</script>b\u{1b}[2Jc</p>");
    assert_eq!(s.blocks[0].text, "abc");
}

#[test]
fn deep_nesting_does_not_overflow() {
    let deep = "<div>".repeat(10_000) + "deep text" + &"</div>".repeat(10_000);
    let s = split_html(&deep);
    assert_eq!(s.blocks.len(), 1);
    let p = format!("<p>{}x{}</p>", "<b>".repeat(10_000), "</b>".repeat(10_000));
    assert_eq!(split_html(&p).blocks[0].text, "x");
}

fn texts(html: &str) -> Vec<String> {
    split_html(html)
        .blocks
        .into_iter()
        .map(|b| b.text)
        .collect()
}

#[test]
fn tags_a_browser_closes_implicitly_end_blocks() {
    assert_eq!(
        texts("<p>one<p>two<div>three</div>"),
        ["one", "two", "three"]
    );
    assert_eq!(
        texts("<ul><li>a<li>b</ul><dl><dt>t<dd>d</dl>"),
        ["a", "b", "t", "d"]
    );
    assert_eq!(texts("<h2>Head<h3>Sub</h3>"), ["Head", "Sub"]);
    // Closing the container closes the open paragraph inside it.
    assert_eq!(texts("<div class=x><p>in</div>out"), ["in", "out"]);
    assert!(split_html("<div class=x><p>in</div>out").blocks[1]
        .classes
        .is_empty());
}

#[test]
fn nested_lists_and_tables_stay_in_their_block() {
    let s = split_html("<ul><li>outer<ul><li>inner</li></ul></li><li>next</li></ul>");
    assert_eq!(s.blocks.len(), 2);
    assert_eq!(s.blocks[0].text, "outer inner");
    assert!(
        matches!(&s.blocks[0].body, Body::Html(h) if h == "<ul><li>outer<ul><li>inner</li></ul></li></ul>")
    );
    let t = split_html("<table><tr><td>a</td><td><p>b</p></td></tr></table><p>after</p>");
    assert_eq!(t.blocks.len(), 2);
    assert_eq!(t.blocks[0].text, "a b");
}

#[test]
fn unseen_content_is_skipped() {
    assert_eq!(
        texts("<p>a<svg/>b</p><iframe>frame <p>x</p></iframe><template><p>t</p></template><p>c<noscript>n</noscript></p>"),
        ["ab", "c"]
    );
    let s = split_html("<form><textarea>Your email</textarea></form>");
    assert_eq!(s.blocks[0].text, "Your email");
    assert!(s.blocks[0].interactive);
}

#[test]
fn inline_markup_makes_a_block_html_and_breaks_separate_words() {
    let s = split_html("<p>a <em>b</em> &amp; c</p><p>x<br>y</p>");
    assert_eq!(
        s.blocks[0].body,
        Body::Html("<p>a <em>b</em> &amp; c</p>".into())
    );
    assert_eq!(s.blocks[1].text, "x y");
    assert_eq!(s.blocks[1].body, Body::Plain("x\u{e002}y".into()));
}

#[test]
fn our_markers_in_feed_text_are_dropped() {
    let s = split_html("<p>fake \u{e000}0\u{e001} link<a href=\"http://a\">real</a></p>");
    assert_eq!(
        s.blocks[0].body,
        Body::Plain("fake 0 linkreal\u{e000}0\u{e001}".into())
    );
}

#[test]
fn text_input_splits_on_blank_lines() {
    let s = split_text("A\nb\n\n\nC\n");
    assert_eq!(s.blocks.len(), 2);
    assert_eq!(s.blocks[0].body, Body::Plain("A\u{e002}b".into()));
}
