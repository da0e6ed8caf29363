//! The text the binaries print for each step, shared with `cargo run`'s
//! walkthrough so both show the protocol the same way.

use crate::clock::format_utc;
use crate::core::error::printable;
use crate::core::step1::AuthorizeRequest;
use crate::core::token::{SavedToken, TokenResponse};
use crate::core::web_api::Profile;
use crate::session::{Exchange, Refresh};
use std::fmt::Write;

/// A profile, as `GET /v1/me` gave it.
pub fn profile(me: &Profile) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "  id           = {}", me.id);
    let _ = writeln!(
        out,
        "  display_name = {}",
        me.display_name.as_deref().unwrap_or("(none)")
    );
    let _ = writeln!(out, "  uri          = {}", me.uri);
    for (name, value) in [
        ("email", &me.email),
        ("country", &me.country),
        ("product", &me.product),
    ] {
        if let Some(value) = value {
            let _ = writeln!(out, "  {name:<12} = {value}");
        }
    }
    if let Some(followers) = &me.followers {
        let _ = writeln!(out, "  followers    = {}", followers.total);
    }
    out
}

/// Step 1: the redirect URI to register, each query parameter, then the URL
/// alone on its own line.
pub fn authorize_request(request: &AuthorizeRequest) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Register this redirect URI in the app's dashboard, character for character: {}",
        request.pending.redirect_uri
    );
    let _ = writeln!(out, "Query parameters of the authorize URL:");
    for p in &request.parameters {
        let _ = writeln!(out, "  {:<21} = {:<40}  # {}", p.name, p.value, p.purpose);
    }
    if request.pending.code_verifier.is_some() {
        let _ = writeln!(
            out,
            "  (the PKCE code_verifier stays on this machine until step 2 sends it)"
        );
    }
    let _ = writeln!(out, "Authorize URL (open it in a browser):");
    let _ = writeln!(out, "{}", request.url);
    out
}

/// The fields of a token answer, each on its line.
pub fn token_response(
    response: &TokenResponse,
    now: u64,
    previous_refresh: Option<&SavedToken>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "  access_token  = {}", response.access_token.secret());
    // Tokens are checked (RFC 6750's characters) before they get here; the
    // other text of the answer goes through the one sanitiser.
    let _ = writeln!(
        out,
        "  token_type    = {}",
        printable(&response.token_type, 40)
    );
    let _ = writeln!(
        out,
        "  scope         = {}",
        response
            .scope
            .as_deref()
            .map(|scope| printable(scope, 2000))
            .unwrap_or_else(|| "(not in the answer: unchanged)".into())
    );
    let _ = writeln!(
        out,
        "  expires_in    = {} s (the access token expires at {})",
        response.expires_in,
        format_utc(now.saturating_add(response.expires_in))
    );
    match (&response.refresh_token, previous_refresh) {
        (Some(token), None) => {
            let _ = writeln!(out, "  refresh_token = {}", token.secret());
        }
        (Some(token), Some(_)) => {
            let _ = writeln!(
                out,
                "  refresh_token = {} (new: it replaces the old one, which Spotify may now refuse)",
                token.secret()
            );
        }
        (None, Some(old)) => {
            let _ = writeln!(
                out,
                "  refresh_token = (not in the answer: the saved one is kept: {})",
                old.refresh_token.secret()
            );
        }
        (None, None) => {
            let _ = writeln!(out, "  refresh_token = (not in the answer)");
        }
    }
    out
}

/// Step 2: the code, the request, every field of the answer, scopes not
/// granted, where the token was saved.
pub fn exchange(exchange: &Exchange, accounts_url: &str, saved_to: &str, now: u64) -> String {
    let mut out = String::new();
    if exchange.bare_code {
        let _ = writeln!(
            out,
            "note: a bare code was pasted, so its state could not be checked against step 1's"
        );
    }
    // Printed in full, through the one sanitiser: it came from a URL.
    let _ = writeln!(
        out,
        "Code from the redirect: {}",
        printable(exchange.code.secret(), 4096)
    );
    let auth = if exchange.token.pkce {
        "PKCE: client_id + code_verifier"
    } else {
        "client authentication: Basic header"
    };
    let _ = writeln!(
        out,
        "POST {accounts_url}/api/token grant_type=authorization_code ({auth}) answered:"
    );
    out += &token_response(&exchange.response, now, None);
    if !exchange.not_granted.is_empty() {
        let _ = writeln!(
            out,
            "warning: asked for but not granted: {} (the user or Spotify narrowed the grant)",
            exchange.not_granted.join(" ")
        );
    }
    let _ = writeln!(out, "Saved the token to {saved_to} (readable by you only).");
    let _ = writeln!(
        out,
        "The pending authorization was cleared: this code is spent (a code works once)."
    );
    out
}

/// Step 3: the request, every field of the answer, where it was saved.
pub fn refresh(refresh: &Refresh, accounts_url: &str, saved_to: &str, now: u64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "POST {accounts_url}/api/token grant_type=refresh_token answered:"
    );
    out += &token_response(&refresh.response, now, Some(&refresh.previous));
    if !refresh.missing_scopes.is_empty() {
        let _ = writeln!(out, "warning: the token lacks {}, which SPOTIFY_SCOPES asks for: run step 1 again to authorize them", refresh.missing_scopes.join(" "));
    }
    let _ = writeln!(out, "Saved the refreshed token to {saved_to}.");
    out
}

/// A saved token's state: expiry and the refresh-token horizon.
pub fn token_status(token: &SavedToken, now: u64) -> String {
    let mut out = String::new();
    let left = token.expires_in_secs(now);
    let state = if left > 0 {
        format!("{} min left", left / 60)
    } else {
        "expired".into()
    };
    let _ = writeln!(
        out,
        "  access token expires at {} ({state})",
        format_utc(token.expires_at)
    );
    let horizon = token.refresh_token_expires_at();
    let _ = writeln!(
        out,
        "  refresh token valid until about {} (six months after the consent of {})",
        format_utc(horizon),
        format_utc(token.consented_at)
    );
    if horizon.saturating_sub(now) < 14 * 24 * 3600 {
        let _ = writeln!(
            out,
            "warning: the refresh token expires within two weeks: authorize again with step 1 soon"
        );
    }
    out
}
