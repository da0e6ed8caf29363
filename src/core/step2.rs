//! Step 2: the redirected URL (pasted, or caught by a listener or a web
//! server's `/callback`), checked against step 1 before any token request is
//! sent, and the code-for-token request as data.

use super::accounts::{token_request, ClientAuth, RetryPolicy, TokenRequest};
use super::config::Config;
use super::error::{Error, Result};
use super::secret::AuthorizationCode;
use super::step1::PendingAuthorization;

/// Step 2: longer than any real redirect (Spotify's codes are a few hundred characters).
pub const MAX_PASTE_BYTES: usize = 8 * 1024;

/// Step 2: what a redirect (or a paste of it) contained.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedirectParams {
    /// The `code` parameter.
    pub code: Option<AuthorizationCode>,
    /// The `state` parameter.
    pub state: Option<String>,
    /// The `error` parameter (`access_denied` when Cancel was pressed).
    pub error: Option<String>,
    /// True when only a bare code was pasted (no state to check).
    pub bare_code: bool,
    /// True when the text ends right after `code=...` with no `state`: the
    /// shape of a URL cut at `&` by a shell (unquoted) or broken over two lines.
    pub cut_after_code: bool,
}

/// Step 2: parses a full redirected URL, a bare query string (`code=...&state=...`,
/// with or without `?`) or a bare code. Whitespace and wrapping quotes are trimmed.
pub fn parse_redirect(input: &str) -> Result<RedirectParams> {
    if input.len() > MAX_PASTE_BYTES {
        return Err(Error::Paste(format!(
            "the pasted text is longer than {} KiB, far more than a redirect URL: copy only the address bar of the page Spotify sent you to",
            MAX_PASTE_BYTES / 1024
        )));
    }
    let text = input
        .trim()
        .trim_matches(|c: char| matches!(c, '"' | '\'' | '<' | '>' | '`'))
        .trim();
    if text.is_empty() {
        return Err(Error::Paste(
            "nothing was pasted: paste the whole address the browser shows after you press Agree (it starts with your redirect URI and contains ?code=)".into(),
        ));
    }
    if text.chars().any(|c| c.is_control() || c == '\u{fffd}') {
        return Err(Error::Paste(
            "the pasted text contains control or binary characters: copy the address bar again as plain text".into(),
        ));
    }
    let query = if text.contains("://") || text.starts_with("http:") || text.starts_with("https:") {
        let url = url::Url::parse(text).map_err(|e| {
            Error::Paste(format!("the pasted text looks like a URL but is not one ({e}): copy the whole address bar again"))
        })?;
        if url.fragment().is_some_and(fragment_has_access_token) {
            return Err(implicit_grant_paste());
        }
        match url.query() {
            Some(q) => q.to_string(),
            // Some clients put the parameters in the fragment.
            None => url.fragment().unwrap_or_default().to_string(),
        }
    } else if text.starts_with('#') && fragment_has_access_token(&text[1..]) {
        return Err(implicit_grant_paste());
    } else if let Some(q) = text.strip_prefix('?') {
        q.to_string()
    } else if text.contains('=') {
        text.to_string()
    } else if looks_like_code(text) {
        return Ok(RedirectParams {
            code: Some(AuthorizationCode::new(text)),
            bare_code: true,
            ..RedirectParams::default()
        });
    } else {
        return Err(Error::Paste(
            "the pasted text is neither a redirect URL, a query string nor a code: paste the whole address the browser shows after you press Agree".into(),
        ));
    };
    parse_query(&query)
}

/// The parameters of a redirect's query string (`code=...&state=...`). A
/// parameter given twice is refused: a real redirect has each once, and
/// which copy counts would otherwise be a guess.
fn parse_query(query: &str) -> Result<RedirectParams> {
    let (mut code, mut state, mut error) = (None, None, None);
    let mut last_was_code = false;
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        last_was_code = name == "code" && !value.is_empty();
        let slot = match name.as_ref() {
            "code" => &mut code,
            "state" => &mut state,
            "error" => &mut error,
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            let count = url::form_urlencoded::parse(query.as_bytes())
                .filter(|(n, _)| n == &name)
                .count();
            return Err(Error::Paste(format!(
                "the parameter `{name}` appears {count} times in the redirect, and a real one has it once: this URL was made by hand or tampered with; copy the address bar again"
            )));
        }
    }
    Ok(RedirectParams {
        code: code
            .filter(|c: &String| !c.is_empty())
            .map(AuthorizationCode::new),
        cut_after_code: last_was_code && state.is_none() && error.is_none(),
        state,
        error,
        bare_code: false,
    })
}

/// Step 2 for a server's redirect endpoint (`/callback`): checks the query
/// string it received (without `?`) against the pending authorization, as a
/// pasted redirect is checked, and returns the code. Nothing is sent.
pub fn check_redirect_query(
    query: &str,
    pending: &PendingAuthorization,
    now: u64,
) -> Result<AuthorizationCode> {
    if query.len() > MAX_PASTE_BYTES {
        return Err(Error::Paste(format!(
            "the redirect's query is longer than {} KiB, far more than a real one",
            MAX_PASTE_BYTES / 1024
        )));
    }
    check_redirect(parse_query(query)?, pending, now)
}

/// True when a URL fragment carries `access_token=`: the implicit grant's answer.
fn fragment_has_access_token(fragment: &str) -> bool {
    url::form_urlencoded::parse(fragment.as_bytes()).any(|(name, _)| name == "access_token")
}

/// The implicit grant (`response_type=token`) was removed on 2025-11-27.
fn implicit_grant_paste() -> Error {
    Error::Paste(
        "the pasted URL carries #access_token=..., the answer of the implicit grant (response_type=token), which Spotify removed on 2025-11-27: it comes from an old tutorial; use this flow's authorize URL (step 1, response_type=code) and paste the address with ?code=".into(),
    )
}

/// Codes are long base64url-like strings; anything else is not a code.
fn looks_like_code(text: &str) -> bool {
    text.len() >= 16
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' || b == b'~')
}

/// Step 2: checks a parsed redirect against the pending authorization of
/// step 1 and returns the code to exchange. Every failure here sends no request.
pub fn check_redirect(
    params: RedirectParams,
    pending: &PendingAuthorization,
    now: u64,
) -> Result<AuthorizationCode> {
    // The state first: an error redirect that step 1 did not start is as
    // suspicious as a code that it did not start.
    let state_problem = match &params.state {
        _ if params.bare_code => None,
        Some(state) if state == pending.state.secret() => None,
        Some(_) => Some(
            "the state in the pasted URL does not match step 1's: this redirect was not started by your step 1 (possible forgery) or comes from an older run; run step 1 again and paste the URL from that tab",
        ),
        None if params.cut_after_code => Some(
            "the pasted URL has no state: it ends right after `code=...`, so it was cut, by a shell at `&` (put the whole address in single quotes: '...') or over two lines; or paste it whole at the prompt",
        ),
        None => Some(
            "the pasted URL has no state, but step 1 sent one: it is not the redirect of your step 1; paste the full address from the browser bar",
        ),
    };
    if let Some(problem) = state_problem {
        return Err(Error::Paste(problem.into()));
    }
    if let Some(error) = params.error {
        return Err(Error::AuthorizationDenied { error });
    }
    let code = params.code.ok_or_else(|| {
        Error::Paste(
            "the pasted URL has no code: paste the address the browser shows after you press Agree (it contains ?code=)".into(),
        )
    })?;
    pending.check_age(now)?;
    Ok(code)
}

/// Step 2: the code-for-token request: `grant_type=authorization_code`, the
/// code, the same `redirect_uri` as step 1, and the app's credentials (Basic
/// header), or with PKCE the verifier and `client_id` instead. Sent at most
/// once: a code works once, so it is retried only when surely not sent.
pub fn exchange_request(
    config: &Config,
    pending: &PendingAuthorization,
    code: &AuthorizationCode,
) -> Result<TokenRequest> {
    let auth = match &pending.code_verifier {
        Some(_) => ClientAuth::Public,
        None => ClientAuth::Basic(config.require_secret()?),
    };
    exchange_with(config, pending, code, auth)
}

/// Step 2 for a server that keeps the secret and still sent a PKCE challenge:
/// the Basic header *and* the verifier (RFC 7636 allows it; RFC 9700 section
/// 4.5 recommends it, because the verifier binds the code to the session
/// that asked for it, so a leaked code is useless in another session).
pub fn confidential_exchange_request(
    config: &Config,
    pending: &PendingAuthorization,
    code: &AuthorizationCode,
) -> Result<TokenRequest> {
    exchange_with(
        config,
        pending,
        code,
        ClientAuth::Basic(config.require_secret()?),
    )
}

fn exchange_with(
    config: &Config,
    pending: &PendingAuthorization,
    code: &AuthorizationCode,
    auth: ClientAuth<'_>,
) -> Result<TokenRequest> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.secret()),
        ("redirect_uri", pending.redirect_uri.as_str()),
    ];
    if let Some(verifier) = &pending.code_verifier {
        form.push(("code_verifier", verifier.secret()));
    }
    Ok(token_request(
        &config.accounts_url,
        &pending.client_id,
        auth,
        &form,
        RetryPolicy::UnsentOnly,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = "AQDxyz0123456789abcdefghijklmnop";

    fn pending() -> PendingAuthorization {
        PendingAuthorization {
            state: crate::core::secret::State::new("st4te-0123456789abcdef"),
            code_verifier: None,
            redirect_uri: "http://127.0.0.1:8888/callback".into(),
            client_id: "id".into(),
            scopes: vec![],
            created_at: 1_000,
            authorize_url: String::new(),
        }
    }

    fn check(input: &str) -> Result<AuthorizationCode> {
        check_redirect(parse_redirect(input)?, &pending(), 1_100)
    }

    #[test]
    fn accepted_pastes() {
        let full =
            format!("http://127.0.0.1:8888/callback?code={CODE}&state=st4te-0123456789abcdef");
        for input in [
            full.clone(),
            format!("  {full}\n"),
            format!("\"{full}\""),
            format!("'{full}'"),
            format!("<{full}>"),
            format!("?code={CODE}&state=st4te-0123456789abcdef"),
            format!("state=st4te-0123456789abcdef&code={CODE}"),
            CODE.to_string(),
            format!("{CODE}\r\n"),
        ] {
            assert_eq!(check(&input).unwrap().secret(), CODE, "{input:?}");
        }
    }

    #[test]
    fn refused_pastes_name_the_problem() {
        let long = "a".repeat(200 * 1024);
        let cases: &[(&str, &str)] = &[
            ("", "nothing was pasted"),
            ("   \n", "nothing was pasted"),
            ("\"\"", "nothing was pasted"),
            ("hello world", "neither a redirect URL"),
            ("short", "neither a redirect URL"),
            ("\u{0}\u{1}binary\u{2}", "control or binary"),
            ("abc\u{fffd}def0123456789abcdef", "control or binary"),
            (&long, "far more than a redirect URL"),
            (
                "http://127.0.0.1:8888/callback?error=access_denied&state=st4te-0123456789abcdef",
                "Cancel was pressed",
            ),
            (
                "http://127.0.0.1:8888/callback?code=abc&state=forged",
                "does not match",
            ),
            (
                "http://127.0.0.1:8888/callback?code=abc",
                "it ends right after `code=...`, so it was cut",
            ),
            ("code=abc", "single quotes: '...'"),
            (
                "http://127.0.0.1:8888/callback?code=abc&x=1",
                "it is not the redirect of your step 1",
            ),
            (
                "http://127.0.0.1:8888/callback?state=st4te-0123456789abcdef",
                "has no code",
            ),
            (
                "http://127.0.0.1:8888/callback?code=&state=st4te-0123456789abcdef",
                "has no code",
            ),
            ("http://127.0.0.1:8888/callback", "has no state"),
            ("http://[::1", "not one"),
        ];
        for (input, expected) in cases {
            let err = check(input).unwrap_err().to_string();
            assert!(
                err.contains(expected),
                "{input:?} gave {err:?}, wanted {expected:?}"
            );
            assert!(!err.contains('\n'), "one line: {err:?}");
        }
    }

    #[test]
    fn an_implicit_grant_url_is_named() {
        for input in [
            "http://127.0.0.1:8888/callback#access_token=BQxyz&token_type=Bearer&expires_in=3600&state=st4te-0123456789abcdef",
            "https://example.com/cb?x=1#token_type=Bearer&access_token=BQxyz",
            "#access_token=BQxyz&token_type=Bearer",
        ] {
            let err = parse_redirect(input).unwrap_err().to_string();
            assert!(err.contains("implicit grant") && err.contains("2025-11-27"), "{err}");
            assert!(!err.contains('\n') && !err.contains("BQxyz"), "{err}");
        }
    }

    #[test]
    fn expired_pending_authorization() {
        let params = parse_redirect(CODE).unwrap();
        let err = check_redirect(params, &pending(), 1_000 + 601).unwrap_err();
        assert!(
            matches!(err, Error::PendingAuthorizationExpired { .. }),
            "{err}"
        );
        assert!(
            err.to_string().contains("10 min old and has expired"),
            "{err}"
        );
    }

    #[test]
    fn a_query_is_checked_like_a_paste_and_a_repeated_parameter_is_refused() {
        let state = "st4te-0123456789abcdef";
        let query = format!("code={CODE}&state={state}");
        let code = check_redirect_query(&query, &pending(), 1_100).unwrap();
        assert_eq!(code.secret(), CODE);
        for (query, expected) in [
            (format!("code={CODE}&state=forged"), "does not match"),
            (
                format!("code=a&code=b&state={state}"),
                "`code` appears 2 times",
            ),
            (
                format!("state={state}&code={CODE}&state=x&state=y"),
                "`state` appears 3 times",
            ),
            (
                "error=access_denied&error=x".into(),
                "`error` appears 2 times",
            ),
            (
                format!("state={}", "s".repeat(9 * 1024)),
                "longer than 8 KiB",
            ),
        ] {
            let err = check_redirect_query(&query, &pending(), 1_100).unwrap_err();
            assert!(err.to_string().contains(expected), "{query}: {err}");
        }
        let err = check(&format!(
            "http://127.0.0.1:8888/callback?code={CODE}&state={state}&state=x"
        ))
        .unwrap_err();
        assert!(err.to_string().contains("`state` appears 2 times"), "{err}");
    }

    #[test]
    fn other_errors_are_reported() {
        let err = check("?error=invalid_scope&state=st4te-0123456789abcdef")
            .unwrap_err()
            .to_string();
        assert!(err.contains("error=invalid_scope"), "{err}");
    }

    #[test]
    fn a_confidential_pkce_exchange_sends_the_secret_and_the_verifier() {
        let config = crate::core::config::Config::from_lookup(|name| match name {
            "SPOTIFY_CLIENT_ID" => Some("0123456789abcdef0123456789abcdef".into()),
            "SPOTIFY_CLIENT_SECRET" => Some("s3cr3t".into()),
            _ => None,
        })
        .unwrap();
        let pending = PendingAuthorization {
            code_verifier: Some(crate::core::step1::new_pkce_verifier().unwrap()),
            ..pending()
        };
        let code = check(CODE).unwrap();
        let verifier = pending.code_verifier.as_ref().unwrap().secret();
        let both = confidential_exchange_request(&config, &pending, &code).unwrap();
        assert!(both
            .headers
            .iter()
            .any(|(name, _)| *name == "Authorization"));
        assert!(both.body.contains(&format!("code_verifier={verifier}")));
        assert!(!both.body.contains("client_id="), "{}", both.body);
        let public = exchange_request(&config, &pending, &code).unwrap();
        assert!(!public
            .headers
            .iter()
            .any(|(name, _)| *name == "Authorization"));
        assert!(public.body.contains("code_verifier="));
    }
}
