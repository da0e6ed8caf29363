//! The README's sample blocks: found between `<!-- sample:NAME -->` and
//! `<!-- /sample:NAME -->`, rewritten, compared.

use std::collections::BTreeMap;

/// The text of the block `name`: what is between its fences.
pub fn block<'a>(readme: &'a str, name: &str) -> Option<&'a str> {
    let (start, end) = block_span(readme, name)?;
    Some(&readme[start..end])
}

/// Byte range of the block's text inside its ```` ```text ```` fence.
fn block_span(readme: &str, name: &str) -> Option<(usize, usize)> {
    let open = format!("<!-- sample:{name} -->\n```text\n");
    let close = format!("```\n<!-- /sample:{name} -->");
    let start = readme.find(&open)? + open.len();
    let end = start + readme[start..].find(&close)?;
    Some((start, end))
}

pub fn block_names(readme: &str) -> Vec<String> {
    readme
        .lines()
        .filter_map(|l| l.strip_prefix("<!-- sample:")?.strip_suffix(" -->"))
        .map(String::from)
        .collect()
}

/// The README with each block's text replaced by `samples`.
pub fn rewrite(readme: &str, samples: &BTreeMap<String, String>) -> Result<String, String> {
    let mut text = readme.to_string();
    for (name, printed) in samples {
        let (start, end) = block_span(&text, name).ok_or_else(|| {
            format!("README.md has no `<!-- sample:{name} -->` block followed by a ```text fence: add one")
        })?;
        let mut printed = printed.clone();
        if !printed.ends_with('\n') {
            printed.push('\n');
        }
        text.replace_range(start..end, &printed);
    }
    Ok(text)
}

/// Where two normalised texts part, or `None` when they are equal.
pub fn first_difference(shown: &str, printed: &str) -> Option<String> {
    if shown == printed {
        return None;
    }
    let shown_lines: Vec<&str> = shown.lines().collect();
    let printed_lines: Vec<&str> = printed.lines().collect();
    let at = shown_lines
        .iter()
        .zip(&printed_lines)
        .position(|(a, b)| a != b)
        .unwrap_or(shown_lines.len().min(printed_lines.len()));
    Some(format!(
        "line {}: README shows {:?}, the binary prints {:?}",
        at + 1,
        shown_lines.get(at).copied().unwrap_or("(nothing)"),
        printed_lines.get(at).copied().unwrap_or("(nothing)")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_found_and_rewritten_between_their_markers() {
        let readme = "intro\n<!-- sample:a -->\n```text\nold\n```\n<!-- /sample:a -->\nend\n";
        assert_eq!(block(readme, "a"), Some("old\n"));
        assert_eq!(block_names(readme), ["a"]);
        let samples = BTreeMap::from([("a".to_string(), "new\nlines".to_string())]);
        assert_eq!(
            rewrite(readme, &samples).unwrap(),
            "intro\n<!-- sample:a -->\n```text\nnew\nlines\n```\n<!-- /sample:a -->\nend\n"
        );
        let missing = BTreeMap::from([("b".to_string(), String::new())]);
        assert!(rewrite(readme, &missing).unwrap_err().contains("sample:b"));
    }
}
