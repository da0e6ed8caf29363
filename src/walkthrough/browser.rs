//! Opening a URL in the system browser, honouring `$BROWSER` (a list of
//! commands separated by `:`, `%s` standing for the URL). Never required: when
//! nothing starts, the caller prints the URL as always. Written here rather
//! than pulling a crate into every notebook's build: it is a few lines.

use std::process::{Command, Stdio};

/// Tries to open `url`; returns the command that accepted it, if any.
pub fn open(url: &str) -> Option<String> {
    let mut candidates: Vec<Vec<String>> = Vec::new();
    if let Ok(list) = std::env::var("BROWSER") {
        for entry in list.split(':').filter(|e| !e.trim().is_empty()) {
            let mut words: Vec<String> = entry
                .split_whitespace()
                .map(|w| w.replace("%s", url))
                .collect();
            if !entry.contains("%s") {
                words.push(url.to_string());
            }
            candidates.push(words);
        }
    }
    let system: &[&str] = if cfg!(target_os = "macos") {
        &["open"]
    } else if cfg!(windows) {
        &["explorer"]
    } else {
        &["xdg-open", "sensible-browser"]
    };
    candidates.extend(system.iter().map(|c| vec![c.to_string(), url.to_string()]));
    for words in candidates {
        let started = Command::new(&words[0])
            .args(&words[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        if started.is_ok() {
            return Some(words[0].clone());
        }
    }
    None
}
