//! `GET /authorize` (the consent page) and `POST /authorize/decision` (Agree or
//! Cancel), with the redirect-URI rules.

use std::collections::HashSet;

use crate::consent_page::consent_page;
use crate::redirect_uri::{redirect_uri_allowed, redirect_with};
use crate::request::Incoming;
use crate::respond::Reply;
use crate::scopes::scope_description;
use crate::state::{Code, Pending, State};
use crate::users::{valid_user_id, DEFAULT_USER_ID};
use crate::util::{lookup, random_token};

/// The scopes asked for, each once, in the order given.
fn split_scopes(scope: Option<&str>) -> Vec<String> {
    let mut seen = HashSet::new();
    let words = scope.unwrap_or("").split_whitespace();
    words
        .filter(|s| seen.insert(*s))
        .map(String::from)
        .collect()
}

pub(crate) fn authorize(state: &mut State, rq: &Incoming) -> Reply {
    if rq.query("client_id") != Some(state.options.client_id.as_str()) {
        return Reply::text(400, "INVALID_CLIENT: Invalid client");
    }
    let redirect_uri = match rq.query("redirect_uri") {
        Some(uri) if redirect_uri_allowed(&state.options.redirect_uris, uri) => uri.to_string(),
        _ => return Reply::text(400, "INVALID_CLIENT: Invalid redirect URI"),
    };
    let client_state = rq.query("state").map(str::to_string);
    // From here on the redirect URI is trusted, so errors go back to it the way
    // RFC 6749 section 4.1.2.1 says (with `state` echoed).
    let refuse = |error: &str, description: &str| {
        let mut params = vec![("error", error), ("error_description", description)];
        params.extend(client_state.as_deref().map(|s| ("state", s)));
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
    let mut params = vec![match (lookup(&form, "decision"), chosen_user(&form)) {
        (Some("agree"), Ok(user)) => {
            // An id nobody knows becomes a fresh user.
            state.user_mut(&user);
            let code = random_token("AQ", 150);
            let granted: Vec<String> = pending
                .scopes
                .iter()
                .filter(|s| !state.options.withhold_scopes.contains(s))
                .cloned()
                .collect();
            state.codes.insert(
                code.clone(),
                Code {
                    client_id: state.options.client_id.clone(),
                    user,
                    redirect_uri: pending.redirect_uri.clone(),
                    scopes: granted,
                    code_challenge: pending.code_challenge.clone(),
                    issued_at: state.now(),
                    used: false,
                },
            );
            ("code", code)
        }
        (Some("cancel"), _) => ("error", "access_denied".to_string()),
        (decision, user) => {
            // Put it back: the user may still decide.
            let id = lookup(&form, "request_id").unwrap_or_default().to_string();
            state.pending.insert(id, pending);
            let message = match (decision, user) {
                (Some("agree"), Err(message)) => message,
                _ => "INVALID_REQUEST: decision must be agree or cancel",
            };
            return Reply::text(400, message);
        }
    }];
    params.extend(pending.state.map(|s| ("state", s)));
    Reply::see_other(redirect_with(&pending.redirect_uri, &params))
}

/// The user who signs in: the typed id (`other_user`) when given, else the
/// chosen one (`user`), else the default user.
fn chosen_user(form: &[(String, String)]) -> Result<String, &'static str> {
    let typed = lookup(form, "other_user")
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let id = typed.or(lookup(form, "user")).unwrap_or(DEFAULT_USER_ID);
    let invalid = "INVALID_REQUEST: a user id is 1 to 64 characters of A-Z a-z 0-9 . _ -";
    valid_user_id(id).then(|| id.to_string()).ok_or(invalid)
}
