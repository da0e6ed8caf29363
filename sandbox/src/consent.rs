//! Answering the consent page the way a browser would.

use url::Url;

use crate::http_client::{get, send, Answer};
use crate::util::lookup;

/// Approve the consent as a browser would: GET `authorize_url` (the consent page),
/// find its form, submit "Agree" (or "Cancel" when `agree` is false) without
/// following the redirect, and return the `Location` it redirects to, e.g.
/// `http://127.0.0.1:8888/callback?code=...&state=...`.
///
/// When the authorize request itself is refused with a redirect (RFC 6749 errors
/// such as `unsupported_response_type`, sent back to a valid redirect URI), that
/// `Location` is returned as it is. An error page (e.g. `INVALID_CLIENT: Invalid
/// redirect URI`) or a page without a form gives `Err` with the page's text.
pub fn approve_consent(authorize_url: &str, agree: bool) -> Result<String, String> {
    submit_consent(authorize_url, None, agree)
}

/// [`approve_consent`] signed in as `user_id` instead of the default user, as
/// when a person picks (or types) that user on the consent page. An id the
/// sandbox does not know becomes a fresh user with a default profile; one that
/// is not 1 to 64 characters of `A-Z a-z 0-9 . _ -` gives `Err`.
pub fn approve_consent_as(
    authorize_url: &str,
    user_id: &str,
    agree: bool,
) -> Result<String, String> {
    submit_consent(authorize_url, Some(user_id), agree)
}

fn submit_consent(authorize_url: &str, user: Option<&str>, agree: bool) -> Result<String, String> {
    let page_url =
        Url::parse(authorize_url).map_err(|e| format!("not a URL: {authorize_url}: {e}"))?;
    let response = get(&page_url).map_err(|e| format!("could not open the authorize URL: {e}"))?;
    let status = response.status;
    if (300..400).contains(&status) {
        return location(&response, &page_url);
    }
    let page = response.body;
    if !(200..300).contains(&status) {
        return Err(format!(
            "the authorize page answered {status}: {}",
            page.trim()
        ));
    }
    let form = find_form(&page).ok_or_else(|| {
        format!(
            "the authorize page has no form to submit: {}",
            page.chars().take(500).collect::<String>()
        )
    })?;
    if !form.method.eq_ignore_ascii_case("post") {
        return Err(format!(
            "the consent form uses method {}, expected POST",
            form.method
        ));
    }
    let action = page_url
        .join(&form.action)
        .map_err(|e| format!("bad form action {:?}: {e}", form.action))?;
    let mut fields = form.hidden;
    if let Some(user) = user {
        fields.push(("other_user".to_string(), user.to_string()));
    }
    fields.push((
        "decision".to_string(),
        if agree { "agree" } else { "cancel" }.to_string(),
    ));
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter())
        .finish();
    let response = send("POST", &action, Some(&body))
        .map_err(|e| format!("could not submit the consent form: {e}"))?;
    if (300..400).contains(&response.status) {
        return location(&response, &action);
    }
    Err(format!(
        "the consent form answered {} instead of a redirect: {}",
        response.status,
        response.body.trim()
    ))
}

fn location(response: &Answer, base: &Url) -> Result<String, String> {
    let value = response
        .location
        .as_deref()
        .ok_or_else(|| format!("a {} redirect without Location", response.status))?;
    // Absolute (the usual case) stays as it is; a relative one is resolved.
    match Url::parse(value) {
        Ok(_) => Ok(value.to_string()),
        Err(_) => base
            .join(value)
            .map(|u| u.to_string())
            .map_err(|e| format!("bad Location {value:?}: {e}")),
    }
}

struct Form {
    method: String,
    action: String,
    hidden: Vec<(String, String)>,
}

/// The first `<form>` of `page`: its method, action and hidden inputs.
fn find_form(page: &str) -> Option<Form> {
    let lower = page.to_ascii_lowercase();
    let start = lower.find("<form")?;
    let end = lower[start..]
        .find("</form")
        .map_or(page.len(), |i| start + i);
    let open_end = start + lower[start..].find('>')?;
    let attrs = parse_attrs(&page[start + 5..open_end]);
    let method = lookup(&attrs, "method").unwrap_or("get").to_string();
    let action = lookup(&attrs, "action").unwrap_or_default().to_string();
    let mut hidden = Vec::new();
    let mut pos = open_end;
    while let Some(i) = lower[pos..end].find("<input") {
        let tag_start = pos + i + 6;
        let tag_end = tag_start + lower[tag_start..end].find('>')?;
        let attrs = parse_attrs(&page[tag_start..tag_end]);
        if lookup(&attrs, "type").is_some_and(|t| t.eq_ignore_ascii_case("hidden")) {
            if let Some(name) = lookup(&attrs, "name") {
                let value = lookup(&attrs, "value").unwrap_or_default();
                hidden.push((name.to_string(), value.to_string()));
            }
        }
        pos = tag_end;
    }
    Some(Form {
        method,
        action,
        hidden,
    })
}

/// `name="value" other='x' flag` → pairs with lower-case names and unescaped values.
fn parse_attrs(s: &str) -> Vec<(String, String)> {
    let mut attrs = Vec::new();
    let mut rest = s.trim_start_matches('/').trim();
    while !rest.is_empty() {
        let name_end = rest
            .find(|c: char| c == '=' || c.is_whitespace() || c == '/')
            .unwrap_or(rest.len());
        let name = rest[..name_end].to_ascii_lowercase();
        rest = rest[name_end..].trim_start();
        let mut value = String::new();
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (v, remaining) = match after.chars().next() {
                // Quoted: up to the closing quote (or the end), which is dropped.
                Some(q @ ('"' | '\'')) => after[1..].split_once(q).unwrap_or((&after[1..], "")),
                _ => after.split_at(after.find(char::is_whitespace).unwrap_or(after.len())),
            };
            value = unescape(v);
            rest = remaining;
        }
        if !name.is_empty() {
            attrs.push((name, value));
        }
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
    }
    attrs
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_form_and_its_hidden_inputs() {
        let page = r#"<html><body><FORM method="post" action="/authorize/decision">
            <input type="hidden" name="request_id" value="a&amp;b">
            <input type=text name=other value=x>
            <button id="agree">Agree</button></FORM></body></html>"#;
        let form = find_form(page).unwrap();
        assert_eq!(form.method, "post");
        assert_eq!(form.action, "/authorize/decision");
        assert_eq!(
            form.hidden,
            vec![("request_id".to_string(), "a&b".to_string())]
        );
        assert!(find_form("<html>no form</html>").is_none());
    }
}
