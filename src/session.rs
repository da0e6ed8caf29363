//! [`SpotifyAuth`]: the blocking driver of the three steps, shared by the
//! binaries and the notebooks. It keeps state in a [`TokenStore`], sends the
//! core's requests with [`Http`], and applies the core's token policy.

use crate::api::{AppTokenSource, Bearer, TokenSource, WebApi};
use crate::clock::now_secs;
use crate::core::accounts::parse_token_answer;
use crate::core::app_token::{client_credentials_request, parse_app_token_answer, AppToken};
use crate::core::config::Config;
use crate::core::error::{Error, Result};
use crate::core::secret::{AuthorizationCode, ClientSecret};
use crate::core::step1::PendingAuthorization;
use crate::core::step1::{
    build_authorize_request, build_authorize_request_at, AuthorizeOptions, AuthorizeRequest,
};
use crate::core::step2::{check_redirect, exchange_request, parse_redirect, RedirectParams};
use crate::core::step3::refresh_request;
use crate::core::token::{code_digest, SavedToken, TokenResponse};
use crate::file_store::FileStore;
use crate::http::{Http, NoteSink, TraceSink};
use crate::store::TokenStore;

/// The walkthrough's state: configuration, the token store and the HTTP
/// transport (its client made on first use, so step 1 never pays for it).
#[derive(Debug)]
pub struct SpotifyAuth {
    config: Config,
    store: Box<dyn TokenStore>,
    http: Http,
}

/// What step 2 produced.
#[derive(Debug)]
pub struct Exchange {
    /// The code taken from the redirect.
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

/// Step 2's input, checked: a redirect whose state matches step 1's pending
/// authorization, which has not expired, carrying a code. Made by
/// [`SpotifyAuth::check_redirect`], traded by [`SpotifyAuth::exchange`].
#[derive(Debug)]
pub struct CheckedRedirect {
    pending: PendingAuthorization,
    code: AuthorizationCode,
    bare_code: bool,
}

impl CheckedRedirect {
    fn new(params: RedirectParams, pending: PendingAuthorization) -> Result<CheckedRedirect> {
        let bare_code = params.bare_code;
        let code = check_redirect(params, &pending, now_secs())?;
        Ok(CheckedRedirect {
            pending,
            code,
            bare_code,
        })
    }

    /// The pending authorization the redirect answers.
    pub fn pending(&self) -> &PendingAuthorization {
        &self.pending
    }
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
    /// Scopes the configuration asks for that the token lacks.
    pub missing_scopes: Vec<String>,
}

impl SpotifyAuth {
    /// A walkthrough with this configuration, its files in `config.auth_dir`.
    pub fn new(config: Config) -> SpotifyAuth {
        let store = FileStore::new(config.auth_dir.clone());
        SpotifyAuth::with_store(config, Box::new(store))
    }

    /// A walkthrough keeping its state in `store`.
    pub fn with_store(config: Config, store: Box<dyn TokenStore>) -> SpotifyAuth {
        let http = Http::new(config.http_timeout);
        SpotifyAuth {
            config,
            store,
            http,
        }
    }

    /// Sends notes about retries and waits to `sink` (the binaries print them).
    pub fn with_notes(mut self, sink: NoteSink) -> SpotifyAuth {
        self.http.set_notes(sink);
        self
    }

    /// Hands every exchange with Spotify to `sink` as it happens (`--http`,
    /// the diagram of `cargo run` and the notebooks).
    pub fn set_trace(&mut self, sink: TraceSink) {
        self.http.set_trace(sink);
    }

    /// Supplies the client secret after the fact (from a hidden prompt).
    pub fn with_client_secret(mut self, secret: ClientSecret) -> SpotifyAuth {
        self.config.client_secret = Some(secret);
        self
    }

    /// Replaces the client secret; `None` makes a public client (PKCE only).
    pub fn set_client_secret(&mut self, secret: Option<ClientSecret>) {
        self.config.client_secret = secret;
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Where the pending authorization and the token are kept.
    pub fn store(&self) -> &dyn TokenStore {
        self.store.as_ref()
    }

    /// The HTTP transport.
    pub fn http(&self) -> &Http {
        &self.http
    }

    /// Step 1: builds the authorize URL and saves the pending authorization.
    pub fn start_authorization(&self, options: &AuthorizeOptions) -> Result<AuthorizeRequest> {
        let request = build_authorize_request(&self.config, options, now_secs())?;
        self.store.save_pending(&request.pending)?;
        Ok(request)
    }

    /// Step 1 again with `redirect_uri`: the configured loopback URI without
    /// a port, with the port of a bound listener put in (see
    /// [`build_authorize_request_at`]). Replaces the pending authorization.
    pub fn start_authorization_at(
        &self,
        options: &AuthorizeOptions,
        redirect_uri: &str,
    ) -> Result<AuthorizeRequest> {
        let request =
            build_authorize_request_at(&self.config, options, Some(redirect_uri), now_secs())?;
        self.store.save_pending(&request.pending)?;
        Ok(request)
    }

    /// The pending authorization of step 1, if any.
    pub fn pending_authorization(&self) -> Result<Option<PendingAuthorization>> {
        self.store.load_pending()
    }

    /// Step 1's pending authorization, or the error saying step 1 has not run.
    pub fn require_pending(&self) -> Result<PendingAuthorization> {
        self.pending_authorization()?
            .ok_or_else(|| Error::NoPendingAuthorization {
                location: self.store.pending_location(),
            })
    }

    /// Step 2, the check: parses the pasted redirect, loads step 1's pending
    /// authorization and checks one against the other. Nothing is sent.
    pub fn check_redirect(&self, pasted: &str) -> Result<CheckedRedirect> {
        let params = self.parse_untraded(pasted)?;
        let pending = self.require_pending()?;
        CheckedRedirect::new(params, pending)
    }

    /// [`SpotifyAuth::check_redirect`] against a pending authorization already
    /// loaded (or just made, as by a listener that re-authorized).
    pub fn check_redirect_against(
        &self,
        pasted: &str,
        pending: PendingAuthorization,
    ) -> Result<CheckedRedirect> {
        CheckedRedirect::new(self.parse_untraded(pasted)?, pending)
    }

    /// The pasted redirect's parameters; refused when its code is the one the
    /// saved token was traded for (the same redirect given again).
    fn parse_untraded(&self, pasted: &str) -> Result<RedirectParams> {
        let params = parse_redirect(pasted)?;
        if let (Some(code), Ok(Some(saved))) = (&params.code, self.store.load_token()) {
            if saved.code_sha256 == Some(code_digest(code)) {
                return Err(Error::CodeAlreadyTraded {
                    location: self.store.token_location(),
                });
            }
        }
        Ok(params)
    }

    /// Step 2: [`SpotifyAuth::check_redirect`], then [`SpotifyAuth::exchange`].
    pub fn exchange_redirect(&self, pasted: &str) -> Result<Exchange> {
        self.exchange(self.check_redirect(pasted)?)
    }

    /// Step 2, the trade: sends the checked code for tokens and saves them.
    ///
    /// The pending authorization is kept until its code is known to be spent:
    /// the tokens were saved, or Spotify answered `invalid_grant`. After any
    /// other failure (a 5xx, a timeout, a wrong secret) the same redirect may
    /// be given again; if the code did reach Spotify, it then answers
    /// `invalid_grant` and the pending authorization is cleared. Nothing here
    /// sends a code twice by itself.
    pub fn exchange(&self, checked: CheckedRedirect) -> Result<Exchange> {
        let CheckedRedirect {
            pending,
            code,
            bare_code,
        } = checked;
        let request = exchange_request(&self.config, &pending, &code)?;
        let answered = self.http.send_token_request(&request).and_then(|answer| {
            let response = parse_token_answer(answer.status, &answer.body)?;
            let token = SavedToken::from_exchange(
                &response,
                &pending.scopes,
                &pending.client_id,
                pending.code_verifier.is_some(),
                now_secs(),
            )?;
            Ok((response, token))
        });
        let (response, mut token) = answered.or_else(|error| {
            if spends_the_code(&error) {
                self.store.remove_pending()?;
            }
            Err(error)
        })?;
        token.code_sha256 = Some(code_digest(&code));
        {
            let _lock = self.store.lock()?;
            self.store.save_token(&token)?;
        }
        // The code is spent. Failing to forget it is harmless: given again, it
        // gets `invalid_grant`, which clears it.
        let _ = self.store.remove_pending();
        let not_granted = token.missing_scopes(&pending.scopes);
        Ok(Exchange {
            code,
            bare_code,
            response,
            token,
            not_granted,
        })
    }

    /// The saved token, as it is in the store.
    pub fn saved_token(&self) -> Result<SavedToken> {
        self.store.load_token()?.ok_or_else(|| Error::NoSavedToken {
            location: self.store.token_location(),
        })
    }

    /// Step 3: refreshes the saved token now, whatever its expiry.
    pub fn refresh(&self) -> Result<Refresh> {
        let _lock = self.store.lock()?;
        self.refresh_locked(self.saved_token()?)
    }

    /// A usable access token: the saved one, refreshed first when less than
    /// 60 s remain. Refuses a token lacking a scope the configuration asks for.
    pub fn access_token(&self) -> Result<SavedToken> {
        let mut token = self.saved_token()?;
        if token.needs_refresh(now_secs()) {
            let _lock = self.store.lock()?;
            // Another process may have refreshed while we waited for the lock.
            token = self.saved_token()?;
            if token.needs_refresh(now_secs()) {
                token = self.refresh_locked(token)?.token;
            }
        }
        let missing = token.missing_scopes(&self.config.scopes);
        if !missing.is_empty() {
            return Err(Error::MissingScopes(missing));
        }
        Ok(token)
    }

    /// The Web API calls, with this walkthrough's token.
    pub fn api(&self) -> WebApi<'_> {
        WebApi::new(self, &self.http, &self.config.api_url)
    }

    /// The Client Credentials grant: an app-only token (no user, no scope, no
    /// refresh token). Needs the client secret. Nothing is saved: when it
    /// expires, ask for another.
    pub fn app_token(&self) -> Result<AppToken> {
        let request = client_credentials_request(&self.config)?;
        let answer = self.http.send_token_request(&request)?;
        parse_app_token_answer(answer.status, &answer.body)
    }

    /// The Web API calls with an app-only token (public catalogue data only).
    pub fn app_api<'a>(&'a self, token: &'a AppTokenSource) -> WebApi<'a> {
        WebApi::new(token, &self.http, &self.config.api_url)
    }

    fn refresh_locked(&self, previous: SavedToken) -> Result<Refresh> {
        let request = refresh_request(&self.config, &previous)?;
        let answer = self.http.send_token_request(&request)?;
        let response = match parse_token_answer(answer.status, &answer.body) {
            Err(Error::RefreshTokenRevoked) => {
                // A dead refresh token never comes back: discard it, do not retry.
                self.store.remove_token()?;
                return Err(Error::RefreshTokenRevoked);
            }
            other => other?,
        };
        let token = previous.merge_refresh(&response, now_secs());
        self.store.save_token(&token)?;
        let missing_scopes = token.missing_scopes(&self.config.scopes);
        Ok(Refresh {
            response,
            previous,
            token,
            missing_scopes,
        })
    }
}

/// True when Spotify's answer shows the code can never be used again
/// (`invalid_grant`, whatever its description).
fn spends_the_code(error: &Error) -> bool {
    match error {
        Error::InvalidAuthorizationCode
        | Error::RedirectUriMismatch
        | Error::CodeVerifierIncorrect
        | Error::RefreshTokenRevoked => true,
        Error::AccountsError { error, .. } => error == "invalid_grant",
        _ => false,
    }
}

impl TokenSource for SpotifyAuth {
    fn access_token(&self) -> Result<Bearer> {
        SpotifyAuth::access_token(self).map(|token| Bearer::from(&token))
    }

    fn refresh_after_rejection(&self) -> Result<Option<Bearer>> {
        match self.refresh() {
            Ok(refresh) => Ok(Some(Bearer::from(&refresh.token))),
            Err(Error::MissingClientSecret) => Ok(None),
            Err(other) => Err(other),
        }
    }
}
