//! The one way the walkthrough catches the browser's redirect on loopback,
//! for `step2_get_tokens --listen`, `cargo run` and the notebooks: refuse an
//! expired authorization before anything is opened, bind the redirect URI's
//! address, make the authorization again with the bound port when the
//! redirect URI has none, check that the authorize page accepts the request,
//! send the browser (or let the sandbox's stand-in follow), wait.

use crate::clock::now_secs;
use crate::core::accounts::RetryPolicy;
use crate::core::error::{Error, Result};
use crate::core::step1::{
    authorize_page_refusal, AuthorizeOptions, AuthorizeRequest, PendingAuthorization,
};
use crate::listener::RedirectListener;
use crate::session::SpotifyAuth;
use std::time::Duration;

/// A listener bound for an authorization, and what the browser must open.
#[derive(Debug)]
pub struct Catcher {
    listener: RedirectListener,
    /// The redirect URI as configured (without the port a listener put in).
    registered: String,
    /// The authorize URL the browser must open, and the state it brings back.
    url: String,
    state: String,
    /// The authorization made again with the listener's port.
    restarted: Option<AuthorizeRequest>,
}

impl Catcher {
    /// Binds a listener for `pending`'s redirect URI. An expired `pending` is
    /// refused first, before anything is bound or opened. A loopback
    /// redirect URI without a port gets a free port, and the authorization is
    /// made again with it (same scopes, PKCE and `show_dialog`), replacing
    /// `pending` in the store: step 1's URL would send the browser to port 80.
    pub fn bind(auth: &SpotifyAuth, pending: &PendingAuthorization) -> Result<Catcher> {
        pending.check_age(now_secs())?;
        let listener = RedirectListener::bind(&pending.redirect_uri)?;
        let concrete = listener.redirect_uri();
        let restarted = if concrete == pending.redirect_uri {
            None
        } else {
            let options = AuthorizeOptions {
                show_dialog: pending.authorize_url.contains("show_dialog=true"),
                pkce: pending.code_verifier.is_some(),
                scopes: Some(pending.scopes.clone()),
            };
            Some(auth.start_authorization_at(&options, &concrete)?)
        };
        let (url, state) = match &restarted {
            Some(request) => (&request.url, &request.pending.state),
            None => (&pending.authorize_url, &pending.state),
        };
        Ok(Catcher {
            registered: pending.redirect_uri.clone(),
            url: url.clone(),
            state: state.secret().to_string(),
            listener,
            restarted,
        })
    }

    /// The URL the browser must open.
    pub fn authorize_url(&self) -> &str {
        &self.url
    }

    /// The authorization made again with the listener's port, when the
    /// redirect URI had none.
    pub fn restarted(&self) -> Option<&AuthorizeRequest> {
        self.restarted.as_ref()
    }

    /// The bound listener (its address, for messages).
    pub fn listener(&self) -> &RedirectListener {
        &self.listener
    }

    /// Asks the authorize page for this request, as the browser will, without
    /// following its redirect: a refusal (Spotify's `INVALID_CLIENT: Invalid
    /// redirect URI` page) is where the browser would stop, never coming back,
    /// so it is an error now instead of a long wait. Any other answer, or
    /// none, is no error: the browser may reach what this program cannot.
    pub fn check_authorize_page(&self, auth: &SpotifyAuth) -> Result<()> {
        let url = self.authorize_url();
        let timeout = auth.config().http_timeout.min(Duration::from_secs(10));
        let Ok(client) = crate::http::client(timeout) else {
            return Ok(());
        };
        let answer = auth
            .http()
            .send(|| client.get(url), url, RetryPolicy::UnsentOnly);
        let Ok(answer) = answer else { return Ok(()) };
        let Some(refusal) = authorize_page_refusal(answer.status, &answer.body) else {
            return Ok(());
        };
        // The registered one, or the same with the listener's port.
        let sent = self.listener.redirect_uri();
        let fix = if refusal.contains("redirect URI") {
            format!(
                "check that {} is registered for the app in the dashboard, character for character",
                self.registered
            )
        } else {
            "check SPOTIFY_CLIENT_ID and SPOTIFY_SCOPES against the app in the dashboard".into()
        };
        Err(Error::Listener(format!(
            "the authorize page answers {} ({refusal}) for the redirect URI {sent}, so the browser would stop there and never reach the listener: {fix}",
            answer.status
        )))
    }

    /// In the sandbox: a thread plays the browser (presses Agree, follows
    /// the redirect to the listener); if the consent page refuses the
    /// request, the wait ends at once with the sandbox's answer.
    #[cfg(feature = "sandbox")]
    pub fn sandbox_follows(&self) {
        let authorize_url = self.authorize_url().to_string();
        let give_up = self.listener.give_up_handle();
        std::thread::spawn(move || {
            match spotify_sandbox::approve_consent(&authorize_url, true) {
                Ok(location) => follow(&location),
                Err(why) => give_up.give_up(format!(
                    "the sandbox's consent page refused the authorize URL ({}), so no redirect will come",
                    crate::core::error::printable(&why, 200)
                )),
            }
        });
    }

    /// Without the sandbox there is no stand-in browser.
    #[cfg(not(feature = "sandbox"))]
    pub fn sandbox_follows(&self) {}

    /// Waits for the redirect of this authorization and returns its URL.
    pub fn wait(&self, timeout: Duration) -> Result<String> {
        self.listener.wait(&self.state, timeout)
    }

    /// The listener, the state it waits for, and the pending authorization
    /// made again, if it was (to wait on another thread, then check the
    /// redirect against the right authorization).
    pub fn into_parts(self) -> (RedirectListener, String, Option<PendingAuthorization>) {
        let restarted = self.restarted.map(|request| request.pending);
        (self.listener, self.state, restarted)
    }
}

/// What happened when the authorization was made again with the listener's
/// port (empty when it was not).
pub fn restart_note(catcher: &Catcher) -> String {
    let Some(request) = catcher.restarted() else {
        return String::new();
    };
    format!(
        "{} has no port, so the listener bound a free one: {}.\nSpotify accepts any port for a loopback redirect URI registered without one, so the authorization starts again with {} (same scopes{}).\n",
        catcher.registered,
        catcher.listener.address(),
        request.pending.redirect_uri,
        if request.pending.code_verifier.is_some() {
            ", PKCE"
        } else {
            ""
        }
    )
}

/// In the sandbox: its consent page approved (Agree pressed), as a browser
/// would; the address it redirects to.
#[cfg(feature = "sandbox")]
pub fn approve_in_sandbox(authorize_url: &str) -> Result<String> {
    spotify_sandbox::approve_consent(authorize_url, true).map_err(|detail| Error::Connection {
        url: authorize_url.into(),
        detail,
        source: None,
    })
}

/// Without the sandbox there is no consent page to approve.
#[cfg(not(feature = "sandbox"))]
pub fn approve_in_sandbox(_authorize_url: &str) -> Result<String> {
    Err(Error::Config("this build has no sandbox".into()))
}

/// A plain GET of `location` (an `http://host:port/...` URL), as a browser
/// follows a redirect.
#[cfg(feature = "sandbox")]
fn follow(location: &str) {
    use std::io::{Read, Write};
    let Some(rest) = location.strip_prefix("http://") else {
        return;
    };
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if let Ok(mut stream) = std::net::TcpStream::connect(host) {
        let _ = write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        );
        let _ = stream.read_to_end(&mut Vec::new());
    }
}
