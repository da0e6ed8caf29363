//! [`SpotifyAuth`]: the three steps as methods, shared by the binaries and
//! the notebooks.

use crate::accounts::{token_request, ClientAuth};
use crate::authorize::{
    build_authorize_request, AuthorizeOptions, AuthorizeRequest, PendingAuthorization, PENDING_FILE,
};
use crate::clock::now_secs;
use crate::http::RetryPolicy;
use crate::paste::{check_redirect, parse_redirect};
use crate::storage::AuthDir;
use crate::token::{SavedToken, TokenResponse, TOKEN_FILE};
use crate::{AuthorizationCode, ClientSecret, Config, Error, Result, WebApi};
use reqwest::blocking::Client;
use std::sync::OnceLock;

/// The walkthrough's state: configuration, the auth folder and an HTTP client
/// (made on first use, so step 1 never pays for it).
#[derive(Debug)]
pub struct SpotifyAuth {
    config: Config,
    dir: AuthDir,
    http: OnceLock<Client>,
}

/// What step 2 produced.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The code taken from the paste.
    pub code: AuthorizationCode,
    /// True when a bare code was pasted (its state could not be checked).
    pub bare_code: bool,
    /// The accounts service's answer, field by field.
    pub response: TokenResponse,
    /// The token as saved.
    pub token: SavedToken,
    /// Scopes asked for in step 1 but not granted.
    pub not_granted: Vec<String>,
}

/// What a refresh produced.
#[derive(Debug, Clone)]
pub struct Refresh {
    /// The accounts service's answer, field by field.
    pub response: TokenResponse,
    /// The token before.
    pub previous: SavedToken,
    /// The token as saved now.
    pub token: SavedToken,
    /// Scopes `SPOTIFY_SCOPES` asks for that the token lacks.
    pub missing_scopes: Vec<String>,
}

impl SpotifyAuth {
    /// A walkthrough with this configuration.
    pub fn new(config: Config) -> SpotifyAuth {
        let dir = AuthDir::new(config.auth_dir.clone());
        SpotifyAuth {
            config,
            dir,
            http: OnceLock::new(),
        }
    }

    /// Supplies the client secret after the fact (from a hidden prompt).
    pub fn with_client_secret(mut self, secret: ClientSecret) -> SpotifyAuth {
        self.config.client_secret = Some(secret);
        self
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The folder holding the pending authorization and the token.
    pub fn auth_dir(&self) -> &AuthDir {
        &self.dir
    }

    pub(crate) fn http(&self) -> Result<&Client> {
        if let Some(client) = self.http.get() {
            return Ok(client);
        }
        let client = crate::http::client(self.config.http_timeout)?;
        Ok(self.http.get_or_init(|| client))
    }

    /// Step 1: builds the authorize URL and saves the pending authorization.
    pub fn start_authorization(&self, options: &AuthorizeOptions) -> Result<AuthorizeRequest> {
        let request = build_authorize_request(&self.config, options, now_secs())?;
        // Losing it costs only a new step 1: no fsync.
        self.dir.write_json_fast(PENDING_FILE, &request.pending)?;
        Ok(request)
    }

    /// The pending authorization of step 1, if any.
    pub fn pending_authorization(&self) -> Result<Option<PendingAuthorization>> {
        self.dir.read_json(PENDING_FILE)
    }

    /// Step 2: checks the pasted redirect against step 1 (no request is sent
    /// when it fails), trades the code for tokens, saves them and clears the
    /// pending authorization so the code is never sent twice.
    pub fn exchange_redirect(&self, pasted: &str) -> Result<Exchange> {
        let pending = self
            .pending_authorization()?
            .ok_or(Error::NoPendingAuthorization)?;
        let params = parse_redirect(pasted)?;
        let bare_code = params.bare_code;
        let code = check_redirect(params, &pending, now_secs())?;
        let auth = match &pending.code_verifier {
            Some(_) => ClientAuth::Public,
            None => ClientAuth::Basic(self.config.require_secret()?),
        };
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.secret()),
            ("redirect_uri", pending.redirect_uri.as_str()),
        ];
        if let Some(verifier) = &pending.code_verifier {
            form.push(("code_verifier", verifier.secret()));
        }
        // Whatever the answer, this code is spent once the request may have
        // reached the service: forget it so it is never sent again.
        let answer = token_request(
            self.http()?,
            &self.config,
            auth,
            &form,
            RetryPolicy::UnsentOnly,
        );
        if !matches!(answer, Err(Error::Connection { .. })) {
            self.dir.remove(PENDING_FILE)?;
        }
        let response = answer?;
        let token = SavedToken::from_exchange(
            &response,
            &pending.scopes,
            &pending.client_id,
            pending.code_verifier.is_some(),
            now_secs(),
        )?;
        let _lock = self.dir.lock()?;
        self.dir.write_json(TOKEN_FILE, &token)?;
        let not_granted = token.missing_scopes(&pending.scopes);
        Ok(Exchange {
            code,
            bare_code,
            response,
            token,
            not_granted,
        })
    }

    /// The saved token, as it is on disk.
    pub fn saved_token(&self) -> Result<SavedToken> {
        self.dir.read_json(TOKEN_FILE)?.ok_or(Error::NoSavedToken)
    }

    /// Step 3: refreshes the saved token now, whatever its expiry.
    pub fn refresh(&self) -> Result<Refresh> {
        let _lock = self.dir.lock()?;
        self.refresh_locked(self.saved_token()?)
    }

    /// A usable access token: the saved one, refreshed first when less than
    /// 60 s remain. Refuses a token lacking a scope `SPOTIFY_SCOPES` asks for.
    pub fn access_token(&self) -> Result<SavedToken> {
        let token = self.saved_token()?;
        let token = if token.needs_refresh(now_secs()) {
            let _lock = self.dir.lock()?;
            // Another process may have refreshed while we waited for the lock.
            let current = self.saved_token()?;
            if current.needs_refresh(now_secs()) {
                self.refresh_locked(current)?.token
            } else {
                current
            }
        } else {
            token
        };
        let missing = token.missing_scopes(&self.config.scopes);
        if !missing.is_empty() {
            return Err(Error::MissingScopes(missing));
        }
        Ok(token)
    }

    /// The Web API calls, with this walkthrough's token.
    pub fn api(&self) -> WebApi<'_> {
        WebApi::new(self)
    }

    fn refresh_locked(&self, previous: SavedToken) -> Result<Refresh> {
        let auth = if previous.pkce {
            ClientAuth::Public
        } else {
            ClientAuth::Basic(self.config.require_secret()?)
        };
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", previous.refresh_token.secret()),
        ];
        let response = match token_request(
            self.http()?,
            &self.config,
            auth,
            &form,
            RetryPolicy::Idempotent,
        ) {
            Err(Error::RefreshTokenRevoked) => {
                // A dead refresh token never comes back: discard it, do not retry.
                self.dir.remove(TOKEN_FILE)?;
                return Err(Error::RefreshTokenRevoked);
            }
            other => other?,
        };
        let token = previous.merge_refresh(&response, now_secs());
        self.dir.write_json(TOKEN_FILE, &token)?;
        let missing_scopes = token.missing_scopes(&self.config.scopes);
        Ok(Refresh {
            response,
            previous,
            token,
            missing_scopes,
        })
    }
}
