//! What the steps saved: the token (scopes, expiry, refresh-token horizon) and a
//! pending authorization.

use super::{Checks, Status};
use crate::clock::format_utc;
use crate::core::step1::{PendingAuthorization, PENDING_LIFETIME_SECS};
use crate::core::token::SavedToken;
use crate::file_store::{AuthDir, PENDING_FILE, TOKEN_FILE};

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
            out.push(
                Status::Note,
                "saved token",
                format!(
                    "none in {} yet: run step 1 (step1_auth_url), then step 2 (step2_get_tokens)",
                    dir.path().display()
                ),
            );
            return;
        }
        Err(e) => {
            out.push(Status::Fail, "saved token", crate::walkthrough::message(&e));
            return;
        }
    };
    let kind = if token.pkce {
        "PKCE"
    } else {
        "with the client secret"
    };
    out.push(
        Status::Ok,
        "saved token",
        format!(
            "{} (obtained {}, {kind})",
            dir.file(TOKEN_FILE).display(),
            format_utc(token.obtained_at)
        ),
    );
    if let Some(id) = client_id {
        if id != token.client_id {
            out.push(
                Status::Fail,
                "token client id",
                format!("the token belongs to client id {}, not to SPOTIFY_CLIENT_ID {id}: run step 1 again", token.client_id),
            );
        }
    }
    match wanted {
        None => out.push(
            Status::Note,
            "token scopes",
            format!(
                "{} (not compared: SPOTIFY_SCOPES failed its check above; fix it first)",
                token.scopes.join(" ")
            ),
        ),
        Some(wanted) => {
            let missing = token.missing_scopes(wanted);
            if missing.is_empty() {
                let granted = if token.scopes.is_empty() {
                    "none (public data only)".to_string()
                } else {
                    token.scopes.join(" ")
                };
                out.push(
                    Status::Ok,
                    "token scopes",
                    format!("{granted}: everything SPOTIFY_SCOPES asks for"),
                );
            } else {
                out.push(
                    Status::Fail,
                    "token scopes",
                    format!("the token lacks {}, which SPOTIFY_SCOPES asks for: run step 1 again (then step 2) to authorize them", missing.join(" ")),
                );
            }
        }
    }
    let left = token.expires_in_secs(now);
    if left > 0 {
        out.push(
            Status::Ok,
            "access token",
            format!(
                "expires at {} ({} min left)",
                format_utc(token.expires_at),
                left / 60
            ),
        );
    } else {
        out.push(
            Status::Note,
            "access token",
            format!("expired at {} (normal after an hour): step 3, or step 4 by itself, gets a new one; nothing to fix", format_utc(token.expires_at)),
        );
    }
    let horizon = token.refresh_token_expires_at();
    let days_left = horizon.saturating_sub(now) / 86_400;
    if now >= horizon {
        out.push(
            Status::Fail,
            "refresh token",
            format!("died at about {} (six months after the consent of {}): authorize again with step 1", format_utc(horizon), format_utc(token.consented_at)),
        );
    } else if horizon - now < 14 * 86_400 {
        out.push(
            Status::Warn,
            "refresh token",
            format!("dies at about {} ({days_left} days left, six months after the consent): authorize again with step 1 soon", format_utc(horizon)),
        );
    } else {
        out.push(
            Status::Ok,
            "refresh token",
            format!(
                "valid until about {} ({days_left} days left, six months after the consent of {})",
                format_utc(horizon),
                format_utc(token.consented_at)
            ),
        );
    }
    if !token.pkce && !has_secret {
        out.push(
            Status::Note,
            "refreshing",
            "this token was obtained with the client secret, so refreshing needs it: set SPOTIFY_CLIENT_SECRET, or step 3 asks for it",
        );
    }
}

pub(super) fn check_pending(dir: &AuthDir, now: u64, out: &mut Checks) {
    match dir.read_json::<PendingAuthorization>(PENDING_FILE) {
        Ok(Some(pending)) => {
            let age = pending.age_secs(now);
            if age > PENDING_LIFETIME_SECS {
                out.push(
                    Status::Note,
                    "pending authorization",
                    format!("from step 1, {} min old, so its code has expired: run step 1 again when you want a new token", age / 60),
                );
            } else {
                out.push(
                    Status::Note,
                    "pending authorization",
                    format!("from step 1, {} s old: open its URL, press Agree and give the redirect to step 2 within 10 minutes", age),
                );
            }
        }
        Ok(None) => {}
        Err(e) => out.push(
            Status::Fail,
            "pending authorization",
            crate::walkthrough::message(&e),
        ),
    }
}
