//! What changes from one run of the binaries to the next, set aside before
//! the README's samples are compared with what they print.

/// What changes from run to run, set aside: times and dates, minutes left,
/// playback progress, ports other than the redirect URI's and the sandbox's
/// default, and long random strings (tokens, codes, states, ids).
pub fn normalise(text: &str) -> String {
    let text = replace_shape(text, "dddd-dd-dd dd:dd:dd UTC", "<time>");
    let text = replace_shape(&text, "dddd-dd-dd", "<date>");
    let text = replace_shape(&text, "d:dd of d:dd", "<progress>");
    let text = replace_number_before(&text, " min left", "N");
    let text = replace_number_before(&text, " days left", "N");
    let text = replace_number_before(&text, " ms)", "N");
    let text = replace_header_values(&text, &["Date: ", "Content-Length: "]);
    let text = replace_shortened_values(&text);
    let text = replace_ports(&text);
    replace_random_words(&text)
}

/// The value of each line starting with one of `names` (an answer's `Date`,
/// a length that follows the random values) → `<value>`.
fn replace_header_values(text: &str, names: &[&str]) -> String {
    let lines: Vec<String> = text
        .split('\n')
        .map(
            |line| match names.iter().find(|name| line.starts_with(*name)) {
                Some(name) => format!("{name}<value>"),
                None => line.to_string(),
            },
        )
        .collect();
    lines.join("\n")
}

/// A value the diagram shortened (`state=Wnh6…`) → `=<short>…`.
fn replace_shortened_values(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('…') {
        let head = &rest[..at];
        let kept = head.len()
            - head
                .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                .len();
        if kept > 0 && head[..head.len() - kept].ends_with('=') {
            out.push_str(&head[..head.len() - kept]);
            out.push_str("<short>");
        } else {
            out.push_str(head);
        }
        out.push('…');
        rest = &rest[at + '…'.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// Replaces every match of `shape`, where `d` stands for one ASCII digit and
/// any other character for itself.
fn replace_shape(text: &str, shape: &str, with: &str) -> String {
    let shape = shape.as_bytes();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let fits = bytes.len() - i >= shape.len()
            && shape.iter().zip(&bytes[i..]).all(|(s, b)| match s {
                b'd' => b.is_ascii_digit(),
                s => s == b,
            });
        if fits {
            out.push_str(with);
            i += shape.len();
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// `12 min left` → `N min left`.
fn replace_number_before(text: &str, suffix: &str, with: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(suffix) {
        let head = &rest[..at];
        let number_start = head.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        out.push_str(&head[..number_start]);
        out.push_str(if number_start < head.len() { with } else { "" });
        out.push_str(suffix);
        rest = &rest[at + suffix.len()..];
    }
    out.push_str(rest);
    out
}

/// `127.0.0.1:41234` → `127.0.0.1:PORT`, except the redirect URI's 8888 and the
/// sandbox's 8899, which the README means literally.
fn replace_ports(text: &str) -> String {
    const HOST: &str = "127.0.0.1:";
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(HOST) {
        out.push_str(&rest[..at + HOST.len()]);
        rest = &rest[at + HOST.len()..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let port = &rest[..digits];
        out.push_str(if port.is_empty() || port == "8888" || port == "8899" {
            port
        } else {
            "PORT"
        });
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// Runs of 20 or more letters, digits, `-` and `_` holding a digit (tokens,
/// codes, states, ids) → `<random>`.
fn replace_random_words(text: &str) -> String {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.len() >= 20 && word.chars().any(|c| c.is_ascii_digit()) {
            out.push_str("<random>");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if is_word(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_sets_aside_what_changes_between_runs() {
        let a = "expires at 2026-11-25 07:44:41 UTC (60 min left, 182 days left), state=JOgReopvOjGu0sgHLVUD3W8wkIq7yID3 at http://127.0.0.1:42131/authorize, back to http://127.0.0.1:8888/callback, progress: 0:01 of 4:14";
        let b = "expires at 2027-01-02 11:00:09 UTC (59 min left, 181 days left), state=wXsgkIyHCVEeQ7GLhRStJlgRCl7vkcmd at http://127.0.0.1:39541/authorize, back to http://127.0.0.1:8888/callback, progress: 0:00 of 4:14";
        assert_eq!(normalise(a), normalise(b));
        assert_ne!(
            normalise("http://127.0.0.1:8899/v1/me"),
            normalise("http://127.0.0.1:38575/v1/me"),
            "a sample showing another port than the sandbox's default is caught"
        );
        assert_ne!(normalise("42 tracks"), normalise("0 tracks"));
        assert_eq!(
            normalise("GET /authorize?client_id=…&state=Wnh6… (2 ms)\nDate: Sat, 05 Dec 2026 17:55:58 GMT"),
            normalise("GET /authorize?client_id=…&state=XfJh… (13 ms)\nDate: Sun, 06 Dec 2026 01:02:03 GMT")
        );
        assert_ne!(
            normalise("Saved the token to /home/you/spotify-auth/.spotify-auth/token.json"),
            normalise("Saved the token to .spotify-auth/token.json")
        );
    }
}
