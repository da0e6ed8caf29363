//! What the steps saved: the token (scopes, expiry, refresh-token horizon) and a
//! pending authorization.

use super::{Checks, Status};
use crate::clock::format_utc;
use crate::core::step1::{PendingAuthorization, PENDING_LIFETIME_SECS};
use crate::core::token::SavedToken;
use crate::file_store::{AuthDir, PENDING_FILE, TOKEN_FILE};
use crate::walkthrough::message;

pub(super) fn check_token(
    dir: &AuthDir,
    wanted: Option<&[String]>,
    client_id: Option<&str>,
    has_secret: bool,
    now: u64,
    out: &mut Checks,
) {
    let token: SavedToken = match dir.read_json(TOKEN_FILE) {
        Ok(Some(token)) => token,
        Ok(None) => {
            let folder = dir.path().display();
            let detail = format!(
                "none in {folder} yet: run step 1 (step1_auth_url), then step 2 (step2_get_tokens)"
            );
            return out.push(Status::Note, "saved token", detail);
        }
        Err(e) => return out.push(Status::Fail, "saved token", message(&e)),
    };
    let kind = if token.pkce {
        "PKCE"
    } else {
        "with the client secret"
    };
    let (file, obtained) = (dir.file(TOKEN_FILE), format_utc(token.obtained_at));
    let detail = format!("{} (obtained {obtained}, {kind})", file.display());
    out.push(Status::Ok, "saved token", detail);
    if let Some(id) = client_id.filter(|id| *id != token.client_id) {
        let detail = format!(
            "the token belongs to client id {}, not to SPOTIFY_CLIENT_ID {id}: run step 1 again",
            token.client_id
        );
        out.push(Status::Fail, "token client id", detail);
    }
    let (status, detail) = match wanted.map(|wanted| token.missing_scopes(wanted)) {
        None => (Status::Note, format!("{} (not compared: SPOTIFY_SCOPES failed its check above; fix it first)", token.scopes.join(" "))),
        Some(missing) if missing.is_empty() && token.scopes.is_empty() => (Status::Ok, "none (public data only): everything SPOTIFY_SCOPES asks for".into()),
        Some(missing) if missing.is_empty() => (Status::Ok, format!("{}: everything SPOTIFY_SCOPES asks for", token.scopes.join(" "))),
        Some(missing) => (Status::Fail, format!("the token lacks {}, which SPOTIFY_SCOPES asks for: run step 1 again (then step 2) to authorize them", missing.join(" "))),
    };
    out.push(status, "token scopes", detail);
    let (left, expires) = (token.expires_in_secs(now), format_utc(token.expires_at));
    let (status, detail) = if left > 0 {
        (
            Status::Ok,
            format!("expires at {expires} ({} min left)", left / 60),
        )
    } else {
        (Status::Note, format!("expired at {expires} (normal after an hour): step 3, or step 4 by itself, gets a new one; nothing to fix"))
    };
    out.push(status, "access token", detail);
    let horizon = token.refresh_token_expires_at();
    let (dies, consent) = (format_utc(horizon), format_utc(token.consented_at));
    let days_left = horizon.saturating_sub(now) / 86_400;
    let (status, detail) = if now >= horizon {
        (Status::Fail, format!("died at about {dies} (six months after the consent of {consent}): authorize again with step 1"))
    } else if horizon - now < 14 * 86_400 {
        (Status::Warn, format!("dies at about {dies} ({days_left} days left, six months after the consent): authorize again with step 1 soon"))
    } else {
        (Status::Ok, format!("valid until about {dies} ({days_left} days left, six months after the consent of {consent})"))
    };
    out.push(status, "refresh token", detail);
    if !token.pkce && !has_secret {
        out.push(
            Status::Note,
            "refreshing",
            "this token was obtained with the client secret, so refreshing needs it: set SPOTIFY_CLIENT_SECRET, or step 3 asks for it",
        );
    }
}

pub(super) fn check_pending(dir: &AuthDir, now: u64, out: &mut Checks) {
    const TOPIC: &str = "pending authorization";
    match dir.read_json::<PendingAuthorization>(PENDING_FILE) {
        Ok(Some(pending)) => {
            let age = pending.age_secs(now);
            let detail = if age > PENDING_LIFETIME_SECS {
                format!("from step 1, {} min old, so its code has expired: run step 1 again when you want a new token", age / 60)
            } else {
                format!("from step 1, {age} s old: open its URL, press Agree and give the redirect to step 2 within 10 minutes")
            };
            out.push(Status::Note, TOPIC, detail);
        }
        Ok(None) => {}
        Err(e) => out.push(Status::Fail, TOPIC, message(&e)),
    }
}
