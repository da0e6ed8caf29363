//! HTML escaping, the one escaper of the library and the web app: the
//! listener's pages, the notebooks' links and the web app's pages.

/// `text` safe inside HTML text and inside a quoted attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_quotes_are_escaped() {
        assert_eq!(escape("a?b=1&c=\"<x>'"), "a?b=1&amp;c=&quot;&lt;x&gt;&#39;");
        assert_eq!(escape("plain text é"), "plain text é");
    }
}
