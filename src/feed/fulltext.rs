//! Full articles: fetch an item's web page (under the poller's limits) and extract its main
//! content with a maintained readability implementation (dom_smoothie).

use crate::feed::fetch::{Fetched, Fetcher, Validators};

/// Pages whose extracted text is shorter than this have no article worth showing.
const MIN_TEXT_CHARS: usize = 200;

/// The main content of a page as HTML, or why there is none.
pub fn extract(html: &str, url: &str) -> Result<String, String> {
    let result = crate::clean::guard::isolated(|| {
        let mut readability =
            dom_smoothie::Readability::new(html, Some(url), None).map_err(|e| e.to_string())?;
        readability.parse().map_err(|e| e.to_string())
    });
    let article = match result {
        Some(Ok(article)) => article,
        Some(Err(e)) => {
            return Err(format!(
                "no article found on the page: {}",
                crate::text::sanitize_line(&e)
            ))
        }
        None => return Err("the extractor crashed on this page".into()),
    };
    if article.text_content.trim().chars().count() < MIN_TEXT_CHARS {
        return Err("no article found on the page".into());
    }
    Ok(article.content.to_string())
}

/// Fetches `link` and extracts its article. Only http(s) pages are fetched.
pub async fn fetch(fetcher: &Fetcher, link: &str) -> Result<String, String> {
    if !crate::text::is_safe_link(link) {
        return Err("the item's link is not an http(s) page".into());
    }
    let (bytes, charset) = match fetcher.fetch(link, &Validators::default()).await {
        Ok(Fetched::Body { bytes, charset, .. }) => (bytes, charset),
        Ok(Fetched::NotModified) => return Err("the server answered 304 to a plain request".into()),
        Err(e) => return Err(e.to_string()),
    };
    let link = link.to_string();
    tokio::task::spawn_blocking(move || {
        let html = crate::feed::parse::decode(&bytes, charset.as_deref());
        extract(&html, &link)
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_text_is_extracted_without_navigation() {
        let body: String = (0..6)
            .map(|i| format!("<p>Paragraph {i} of the story tells how the harbour ferries came back after a long winter of repairs and delays.</p>"))
            .collect();
        let page = format!(
            "<html><head><title>Ferries</title></head><body><nav><a href=/>Home</a> | <a href=/world>World</a></nav>\
             <article><h1>Ferries return</h1>{body}</article><footer>Copyright footer links</footer></body></html>"
        );
        let html = extract(&page, "https://example.org/ferries").unwrap();
        assert!(html.contains("Paragraph 5 of the story"));
        assert!(!html.contains("Home") && !html.contains("Copyright footer"));
    }

    #[test]
    fn a_page_without_an_article_is_an_error() {
        assert!(extract("<html><body><p>Hi</p></body></html>", "https://e.org/").is_err());
    }
}
