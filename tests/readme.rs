//! The documents a clone comes with point only at files the clone has: every
//! relative link (and every `../` path quoted as code) resolves inside the
//! repository.

use std::path::{Component, Path, PathBuf};

const DOCUMENTS: &[&str] = &[
    "README.md",
    "sandbox/README.md",
    "notebooks/README.md",
    "SECURITY.md",
];

/// The targets of `[text](target)` and `![alt](target)` links, and of code spans
/// that name a document (`.md`) by a path starting with `./` or `../`.
fn relative_targets(markdown: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut rest = markdown;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let end = rest.find(')').unwrap_or(rest.len());
        let target = rest[..end].split_whitespace().next().unwrap_or("");
        targets.push(target.trim_matches(['<', '>']).to_string());
        rest = &rest[end..];
    }
    for (index, span) in markdown.split('`').enumerate() {
        let quoted_path = span.starts_with("../") || span.starts_with("./");
        // A document named as code is a link in all but form (`../.env`, a
        // file the reader makes, is not).
        if index % 2 == 1 && quoted_path && span.ends_with(".md") {
            targets.push(span.to_string());
        }
    }
    targets.retain(|t| {
        !t.is_empty() && !t.starts_with('#') && !t.contains("://") && !t.starts_with("mailto:")
    });
    targets
}

/// `base/target` with `.` and `..` resolved as text, so a path leaving the
/// repository is seen even when such a file exists on this machine.
fn resolve(base: &Path, target: &str) -> PathBuf {
    let path = target.split(['#', '?']).next().unwrap_or(target);
    let mut resolved = PathBuf::new();
    for component in base.join(path).components() {
        match component {
            Component::ParentDir => {
                resolved.pop();
            }
            Component::CurDir => {}
            other => resolved.push(other),
        }
    }
    resolved
}

#[test]
fn relative_links_point_to_files_in_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut broken = Vec::new();
    let mut checked = 0;
    for document in DOCUMENTS {
        let text = std::fs::read_to_string(root.join(document)).unwrap();
        let folder = root.join(document).parent().unwrap().to_path_buf();
        for target in relative_targets(&text) {
            checked += 1;
            let resolved = resolve(&folder, &target);
            if !resolved.starts_with(root) || !resolved.exists() {
                broken.push(format!("{document}: {target}"));
            }
        }
    }
    assert!(checked > 5, "the link finder found almost nothing");
    assert!(
        broken.is_empty(),
        "links to files that a clone does not have:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_link_finder_sees_links_and_quoted_paths() {
    let found = relative_targets(
        "see [a](docs/a.md#part), ![b](img.png \"t\"), [c](https://x.org), [d](#top) \
         and `../shared/x.md`, not `cargo run`",
    );
    assert_eq!(found, ["docs/a.md#part", "img.png", "../shared/x.md"]);
    let root = Path::new("/repo");
    assert_eq!(resolve(root, "../shared/x.md"), Path::new("/shared/x.md"));
    assert_eq!(
        resolve(&root.join("sandbox"), "../docs/a.md#x"),
        Path::new("/repo/docs/a.md")
    );
}
