//! `GET /authorize` (the consent page) and `POST /authorize/decision` (Agree or
//! Cancel), with the redirect-URI rules.

use url::Url;

use crate::handlers::{
    html_escape, lookup, random_token, Code, Incoming, Pending, State, USER_ID, USER_NAME,
};
use crate::respond::Reply;
use crate::scopes::scope_description;

fn split_scopes(scope: Option<&str>) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    for s in scope.unwrap_or("").split_whitespace() {
        if !scopes.iter().any(|x| x == s) {
            scopes.push(s.to_string());
        }
    }
    scopes
}

/// `redirect_uri` with the given query parameters appended (properly encoded).
fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    match Url::parse(redirect_uri) {
        Ok(mut url) => {
            {
                let mut pairs = url.query_pairs_mut();
                for (k, v) in params {
                    pairs.append_pair(k, v);
                }
            }
            url.to_string()
        }
        Err(_) => redirect_uri.to_string(),
    }
}

// ---------------------------------------------------------------- redirect URIs

/// Whether `requested` may be used as a redirect URI given the registered ones:
/// exact match, except that a loopback URI registered without a port matches any
/// port; `localhost` and non-loopback `http` are refused even when registered.
pub(crate) fn redirect_uri_allowed(registered: &[String], requested: &str) -> bool {
    let Ok(url) = Url::parse(requested) else {
        return false;
    };
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => return false,
        _ => false,
    };
    if url.scheme() == "http" && !loopback {
        return false;
    }
    if registered.iter().any(|r| r == requested) {
        return true;
    }
    if loopback {
        if let Some(without_port) = strip_port(requested) {
            return registered.contains(&without_port);
        }
    }
    false
}

/// `http://127.0.0.1:8888/cb` → `http://127.0.0.1/cb`; `None` when there is no
/// explicit port.
fn strip_port(uri: &str) -> Option<String> {
    let scheme_end = uri.find("://")? + 3;
    let rest = &uri[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let host_end = match authority.rfind(']') {
        Some(i) => i + 1,
        None => authority.find(':')?,
    };
    let port = authority[host_end..].strip_prefix(':')?;
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!(
        "{}{}{}",
        &uri[..scheme_end],
        &authority[..host_end],
        &rest[authority_end..]
    ))
}

// ---------------------------------------------------------------- /authorize

pub(crate) fn authorize(state: &mut State, rq: &Incoming) -> Reply {
    if rq.query("client_id") != Some(state.client_id.as_str()) {
        return Reply::text(400, "INVALID_CLIENT: Invalid client");
    }
    let redirect_uri = match rq.query("redirect_uri") {
        Some(uri) if redirect_uri_allowed(&state.redirect_uris, uri) => uri.to_string(),
        _ => return Reply::text(400, "INVALID_CLIENT: Invalid redirect URI"),
    };
    let client_state = rq.query("state").map(str::to_string);
    // From here on the redirect URI is trusted, so errors go back to it the way
    // RFC 6749 section 4.1.2.1 says (with `state` echoed).
    let refuse = |error: &str, description: &str| {
        let mut params = vec![("error", error), ("error_description", description)];
        if let Some(s) = &client_state {
            params.push(("state", s));
        }
        Reply::see_other(redirect_with(&redirect_uri, &params))
    };
    if rq.query("response_type") != Some("code") {
        return refuse("unsupported_response_type", "response_type must be code");
    }
    let scopes = split_scopes(rq.query("scope"));
    if scopes.iter().any(|s| scope_description(s).is_none()) {
        return Reply::text(400, "INVALID_SCOPE: Invalid scope");
    }
    let code_challenge = match (
        rq.query("code_challenge"),
        rq.query("code_challenge_method"),
    ) {
        (None, None) => None,
        (None, Some(_)) => {
            return refuse(
                "invalid_request",
                "code_challenge_method given without code_challenge",
            )
        }
        (Some(_), method) if method != Some("S256") => {
            return refuse("invalid_request", "code_challenge_method must be S256")
        }
        (Some(challenge), _) => {
            let well_formed = challenge.len() == 43
                && challenge
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !well_formed {
                return refuse(
                    "invalid_request",
                    "code_challenge must be 43 characters of base64url (SHA-256, no padding)",
                );
            }
            Some(challenge.to_string())
        }
    };
    let request_id = random_token("", 24);
    let page = consent_page(state, &request_id, &scopes, &redirect_uri);
    state.pending.insert(
        request_id,
        Pending {
            redirect_uri,
            state: client_state,
            scopes,
            code_challenge,
        },
    );
    Reply::html(200, page)
        .header("Cache-Control", "no-store")
        .header("X-Frame-Options", "DENY")
}

fn consent_page(state: &State, request_id: &str, scopes: &[String], redirect_uri: &str) -> String {
    let app = html_escape(&state.app_name);
    let mut rows = String::new();
    for scope in scopes {
        let description = scope_description(scope).unwrap_or("");
        rows.push_str(&format!(
            "        <tr><td><code>{}</code></td><td>{}</td></tr>\n",
            html_escape(scope),
            html_escape(description)
        ));
    }
    let asked = if scopes.is_empty() {
        format!(
            "    <p id=\"no-scopes\">{app} asks for no scopes: it will see only public data \
             and your public profile.</p>\n"
        )
    } else {
        format!(
            "    <table id=\"scopes\">\n      <caption>{app} would like to:</caption>\n      \
             <thead><tr><th scope=\"col\">Scope</th><th scope=\"col\">What it allows</th></tr></thead>\n      \
             <tbody>\n{rows}      </tbody>\n    </table>\n"
        )
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Authorize {app} - Spotify (offline sandbox)</title>
  <style>
    body {{ font-family: system-ui, sans-serif; background: #121212; color: #fff; margin: 0; }}
    main {{ max-width: 34rem; margin: 2rem auto; padding: 2rem; background: #181818; border-radius: 8px; }}
    .sandbox {{ color: #b3b3b3; font-size: .85rem; }}
    table {{ border-collapse: collapse; width: 100%; margin: 1rem 0; }}
    caption {{ text-align: left; font-weight: bold; padding-bottom: .5rem; }}
    th, td {{ text-align: left; padding: .4rem; border-bottom: 1px solid #333; vertical-align: top; }}
    code {{ color: #1ed760; }}
    td code {{ white-space: nowrap; }}
    button {{ font-size: 1rem; padding: .7rem 2rem; border-radius: 2rem; border: 0; margin: .5rem .5rem 0 0; cursor: pointer; }}
    #agree {{ background: #1ed760; color: #000; font-weight: bold; }}
    #cancel {{ background: transparent; color: #fff; border: 1px solid #777; }}
  </style>
</head>
<body>
  <main>
    <p class="sandbox">Offline sandbox standing in for accounts.spotify.com. No real account is involved.</p>
    <p id="user">Logged in as <strong>{user}</strong> ({user_id}).</p>
    <h1 id="consent-heading">Connect <span id="app-name">{app}</span> to your Spotify account</h1>
{asked}    <p>After your choice you are sent back to <code id="redirect-uri">{redirect}</code>.
    You can remove this access at any time in your account settings.</p>
    <form method="post" action="/authorize/decision" aria-labelledby="consent-heading">
      <input type="hidden" name="request_id" value="{request_id}">
      <button type="submit" name="decision" value="agree" id="agree">Agree</button>
      <button type="submit" name="decision" value="cancel" id="cancel">Cancel</button>
    </form>
  </main>
</body>
</html>
"#,
        user = USER_NAME,
        user_id = USER_ID,
        redirect = html_escape(redirect_uri),
        request_id = html_escape(request_id),
    )
}

pub(crate) fn decision(state: &mut State, rq: &Incoming) -> Reply {
    let form = rq.form();
    let pending = lookup(&form, "request_id").and_then(|id| state.pending.remove(id));
    let Some(pending) = pending else {
        return Reply::text(
            400,
            "INVALID_REQUEST: This authorization request is unknown or was already answered. \
             Open the authorize URL again.",
        );
    };
    let mut params: Vec<(&str, String)> = Vec::new();
    match lookup(&form, "decision") {
        Some("agree") => {
            let code = random_token("AQ", 150);
            let granted: Vec<String> = pending
                .scopes
                .iter()
                .filter(|s| !state.withhold_scopes.contains(s))
                .cloned()
                .collect();
            state.codes.insert(
                code.clone(),
                Code {
                    client_id: state.client_id.clone(),
                    redirect_uri: pending.redirect_uri.clone(),
                    scopes: granted,
                    code_challenge: pending.code_challenge.clone(),
                    issued_at: state.now(),
                    used: false,
                },
            );
            params.push(("code", code));
        }
        Some("cancel") => params.push(("error", "access_denied".to_string())),
        _ => {
            // Put it back: the user may still decide.
            let id = lookup(&form, "request_id").unwrap_or_default().to_string();
            state.pending.insert(id, pending);
            return Reply::text(400, "INVALID_REQUEST: decision must be agree or cancel");
        }
    }
    if let Some(s) = &pending.state {
        params.push(("state", s.clone()));
    }
    let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Reply::see_other(redirect_with(&pending.redirect_uri, &params))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uri_rules() {
        let reg = |uris: &[&str]| uris.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let r = reg(&["http://127.0.0.1:8888/callback"]);
        assert!(redirect_uri_allowed(&r, "http://127.0.0.1:8888/callback"));
        assert!(!redirect_uri_allowed(&r, "http://127.0.0.1:8888/callback/"));
        assert!(!redirect_uri_allowed(&r, "http://127.0.0.1:8889/callback"));
        assert!(!redirect_uri_allowed(&r, "http://127.0.0.1:8888/Callback"));
        assert!(!redirect_uri_allowed(&r, "https://127.0.0.1:8888/callback"));
        let r = reg(&["http://127.0.0.1/callback", "http://[::1]/cb"]);
        assert!(redirect_uri_allowed(&r, "http://127.0.0.1:43123/callback"));
        assert!(redirect_uri_allowed(&r, "http://127.0.0.1/callback"));
        assert!(redirect_uri_allowed(&r, "http://[::1]:5000/cb"));
        assert!(!redirect_uri_allowed(
            &r,
            "http://127.0.0.1:43123/callback/"
        ));
        let r = reg(&[
            "http://localhost:8888/callback",
            "http://example.com/callback",
            "https://example.com/callback",
            "myapp://callback",
        ]);
        assert!(!redirect_uri_allowed(&r, "http://localhost:8888/callback"));
        assert!(!redirect_uri_allowed(&r, "http://example.com/callback"));
        assert!(redirect_uri_allowed(&r, "https://example.com/callback"));
        assert!(redirect_uri_allowed(&r, "myapp://callback"));
    }

    #[test]
    fn strip_port_handles_ipv6_and_paths() {
        assert_eq!(
            strip_port("http://127.0.0.1:8888/cb?x=1").as_deref(),
            Some("http://127.0.0.1/cb?x=1")
        );
        assert_eq!(
            strip_port("http://[::1]:80/").as_deref(),
            Some("http://[::1]/")
        );
        assert_eq!(strip_port("http://127.0.0.1/cb"), None);
    }
}
