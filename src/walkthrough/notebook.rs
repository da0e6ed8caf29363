//! What the notebooks share, so each cell shows one step and calls the
//! library: the session set-up (sandbox when no client id is configured), the
//! banner saying which Spotify a notebook talks to, clickable links, and the
//! printing of each step's results. Prompts come from the notebook (evcxr's
//! input boxes), passed in as functions, since plain stdin hangs there.

use super::catch::{self, Catcher};
use super::setup::{self, SandboxChoice, SessionOptions};
use super::wire::{Show, WireView};
use crate::clock::{format_utc, now_secs};
use crate::core::error::{Error, Result};
use crate::core::secret::ClientSecret;
use crate::core::step1::{AuthorizeOptions, AuthorizeRequest};
use crate::core::token::SavedToken;
use crate::file_store::FileStore;
use crate::html::escape;
use crate::session::{Exchange, Refresh, SpotifyAuth};
use crate::settings::Settings;
use crate::store::TokenStore;
use std::path::{Path, PathBuf};

/// A prompt of the notebook: shows the text, returns what was typed ("" when
/// no one can type, as in a headless run).
pub type Prompt = fn(&str) -> String;

/// The lessons, each with its own folder for files so they never overwrite
/// each other's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lesson {
    /// `01_authorization_code.ipynb`: the three steps with the client secret.
    AuthorizationCode,
    /// `02_pkce.ipynb`: the same with PKCE and no secret.
    Pkce,
    /// `03_web_api.ipynb`: using a token.
    WebApi,
    /// `04_client_credentials.ipynb`: an app-only token, no user.
    ClientCredentials,
}

impl Lesson {
    fn folder(self) -> &'static str {
        match self {
            Lesson::AuthorizationCode => "01-authorization-code",
            Lesson::Pkce => "02-pkce",
            Lesson::WebApi => "03-web-api",
            Lesson::ClientCredentials => "04-client-credentials",
        }
    }
}

/// One notebook's session.
#[derive(Debug)]
pub struct Notebook {
    session: setup::Session,
    /// Each exchange shown under its cell; the run kept for the diagram.
    wire: WireView,
    /// True when notebook 3 has a token to call the Web API with.
    pub ready: bool,
}

/// Sets a notebook up in one call: reads the environment over the project's
/// `.env` (`../.env`, or `SPOTIFY_NOTEBOOK_DOTENV`), starts the sandbox when no
/// client id is configured, prints the banner, asks for a missing client
/// secret with `ask_secret` (never for PKCE), and for [`Lesson::WebApi`] gets a
/// token: the sandbox runs steps 1 and 2 itself, a real app uses the newest
/// token notebook 1 or 2 saved.
pub fn start(lesson: Lesson, ask_secret: Prompt) -> Result<Notebook> {
    let dotenv = std::env::var_os("SPOTIFY_NOTEBOOK_DOTENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../.env"));
    let settings = Settings::read(&dotenv)?;
    let folder = match lesson {
        // A real app's notebook 3 uses the token notebook 1 or 2 saved.
        Lesson::WebApi if settings.get("SPOTIFY_CLIENT_ID").is_some() => {
            newest_saved_token_folder(&settings)
        }
        _ => lesson.folder(),
    };
    let session = setup::start_with(
        settings,
        &SessionOptions {
            dotenv,
            sandbox: SandboxChoice::WhenUnconfigured,
            subfolder: Some(folder.into()),
            // A notebook shows stdout; evcxr reports anything on stderr as a failure.
            notes: |note| println!("{note}"),
        },
    )?;
    let mut notebook = Notebook {
        session,
        wire: WireView::new(Show::Html),
        ready: false,
    };
    notebook.session.auth.set_trace(notebook.wire.sink());
    if lesson == Lesson::Pkce {
        // A PKCE app proves itself with the verifier, never with a secret.
        notebook.session.auth.set_client_secret(None);
    }
    notebook.announce();
    match lesson {
        Lesson::AuthorizationCode | Lesson::ClientCredentials => {
            notebook.ask_secret_if_missing(ask_secret, false)
        }
        Lesson::Pkce => {}
        Lesson::WebApi => {
            notebook.ready = notebook.token_for_web_api()?;
            let needs_secret = notebook.auth().saved_token().is_ok_and(|token| !token.pkce);
            if notebook.ready && needs_secret {
                notebook.ask_secret_if_missing(ask_secret, true);
            }
        }
    }
    Ok(notebook)
}

impl Notebook {
    /// The three steps.
    pub fn auth(&self) -> &SpotifyAuth {
        &self.session.auth
    }

    /// True when this notebook talks to the offline sandbox.
    pub fn is_sandbox(&self) -> bool {
        self.session.is_sandbox()
    }

    fn announce(&self) {
        let config = self.auth().config();
        let line = "=".repeat(78);
        match self.session.sandbox_url() {
            Some(url) => println!(
                "{line}
  SANDBOX MODE: no SPOTIFY_CLIENT_ID in the environment or in ../.env.
  This notebook talks to an OFFLINE STAND-IN for Spotify at {url}
  and clicks \"Agree\" on its consent page by itself. Nothing reaches Spotify.

  To use your real account: create an app at https://developer.spotify.com/dashboard,
  register the redirect URI http://127.0.0.1:8888/callback, put
  SPOTIFY_CLIENT_ID=... and SPOTIFY_CLIENT_SECRET=... in the project's .env
  (next to Cargo.toml), then restart the kernel and run all cells.
{line}"
            ),
            None => println!(
                "Using YOUR Spotify app (SPOTIFY_CLIENT_ID from the environment or ../.env)."
            ),
        }
        println!("client id      : {}", config.client_id);
        println!(
            "client secret  : {}",
            match &config.client_secret {
                Some(_) => "set (never printed)",
                None => "not set",
            }
        );
        println!("redirect URI   : {}", config.redirect_uri);
        println!("accounts server: {}", config.accounts_url);
        println!("Web API server : {}", config.api_url);
        println!("scopes         : {}", config.scopes.join(" "));
        println!("files go to    : {}", shown_from_project(&config.auth_dir));
        for warning in &config.warnings {
            println!("warning: {warning}");
        }
    }

    /// A real app needs its secret to trade a code or refresh: ask (hidden)
    /// when `.env` has none.
    fn ask_secret_if_missing(&mut self, ask: Prompt, for_refresh: bool) {
        if self.is_sandbox() || self.auth().config().client_secret.is_some() {
            return;
        }
        let prompt = if for_refresh {
            "Client secret of your app, for refreshing (hidden, never saved): "
        } else {
            "Client secret of your app (hidden, never saved): "
        };
        let typed = ask(prompt);
        match typed.trim() {
            "" if for_refresh => {
                println!("No client secret: the calls work until the access token expires, then refreshing fails.");
                println!("Add SPOTIFY_CLIENT_SECRET=... to the project's .env to avoid this.");
            }
            "" => {}
            secret => self
                .session
                .auth
                .set_client_secret(Some(ClientSecret::new(secret))),
        }
    }

    /// Shows `url` as a clickable link below the cell (evcxr renders the block as HTML).
    pub fn show_link(&self, label: &str, url: &str) {
        let url = escape(url);
        println!("EVCXR_BEGIN_CONTENT text/html\n<p>{label} <a href=\"{url}\" target=\"_blank\" rel=\"noopener noreferrer\">{url}</a></p>\nEVCXR_END_CONTENT");
    }

    /// Step 1, printed: each query parameter with what it is for, the URL as
    /// text and as a link.
    pub fn show_step1(&self, request: &AuthorizeRequest) {
        println!(
            "Step 1: send the browser to {}/authorize with these query parameters:\n",
            self.auth().config().accounts_url
        );
        for parameter in &request.parameters {
            println!("  {:<21} = {}", parameter.name, parameter.value);
            println!("  {:<21}   ^ {}", "", parameter.purpose);
        }
        println!(
            "\nThe authorize URL (plain text, to copy):\n{}\n",
            request.url
        );
        self.show_link("Open it in your browser:", &request.url);
        println!(
            "The pending authorization (state, redirect URI, scopes) is saved in {}.",
            self.auth().store().pending_location()
        );
    }

    /// PKCE, shown: the verifier kept here, the challenge in the URL, and the
    /// challenge computed again from the verifier.
    pub fn show_pkce(&self, request: &AuthorizeRequest) {
        let verifier = request.pending.code_verifier.as_ref();
        let verifier = verifier.map_or("", |v| v.secret());
        let mut pairs = request.url.split(['?', '&']);
        let in_url = pairs.find_map(|pair| pair.strip_prefix("code_challenge="));
        let in_url = in_url.unwrap_or_default();
        let recomputed = crate::core::step1::pkce_challenge(verifier);
        println!("\nPKCE:");
        println!(
            "  code verifier (kept here, {} chars)  : {verifier}",
            verifier.len()
        );
        println!("  code_challenge in the URL            : {in_url}");
        println!("  base64url(SHA-256(verifier)), again  : {recomputed}");
        println!(
            "  the verifier is in the URL           : {}",
            request.url.contains(verifier)
        );
        let verdict = if !verifier.is_empty() && in_url == recomputed {
            "OK, the URL carries SHA-256 of the verifier"
        } else {
            "MISMATCH"
        };
        println!("  challenge check                      : {verdict}");
    }

    /// Step 2a: catches the redirect on the redirect URI's own loopback
    /// address, as `step2_get_tokens --listen` does (with a redirect URI
    /// without a port: on a free port, with the authorization made again for
    /// it). In the sandbox a thread plays the browser (presses Agree, follows
    /// the redirect). `None` when not listening or when the listener cannot
    /// start (step 2 takes a paste).
    pub fn catch_redirect(
        &self,
        request: &AuthorizeRequest,
        listen: bool,
    ) -> Result<Option<String>> {
        if !listen {
            println!("Listener off: step 2 asks for the redirected address (set `listen = true` to catch it here).");
            return Ok(None);
        }
        let catcher = match Catcher::bind(self.auth(), &request.pending) {
            Ok(catcher) => catcher,
            Err(why @ Error::PendingAuthorizationExpired { .. }) => return Err(why),
            Err(why) => {
                println!("Listener not started, step 2 takes a paste instead: {why}");
                return Ok(None);
            }
        };
        print!("{}", catch::restart_note(&catcher));
        println!(
            "Listening on {} for the redirect to {} (5 minutes at most)",
            catcher.listener().address(),
            catcher.listener().redirect_uri()
        );
        catcher.check_authorize_page(self.auth())?;
        if self.is_sandbox() {
            catcher.sandbox_follows();
        } else if catcher.restarted().is_some() {
            self.show_link(
                "Open this link (not step 1's) and press Agree:",
                catcher.authorize_url(),
            );
        } else {
            println!("Open the link from step 1 and press Agree.");
        }
        let url = catcher.wait(std::time::Duration::from_secs(300))?;
        println!("Caught the redirect:\n{url}");
        Ok(Some(url))
    }

    /// Step 2's input: the caught redirect, else in the sandbox the consent
    /// approved automatically, else what the person pastes into `ask_paste`.
    /// `None`, with what to do, when there is nothing to exchange.
    pub fn redirected_url(
        &self,
        request: &AuthorizeRequest,
        caught: Option<String>,
        ask_paste: Prompt,
    ) -> Result<Option<String>> {
        let needs_secret = request.pending.code_verifier.is_none();
        let has_secret = self.auth().config().client_secret.is_some();
        self.wire.authorize(&request.url);
        if let Some(url) = caught.filter(|_| self.is_sandbox() || has_secret || !needs_secret) {
            self.wire.redirect(&url);
            return Ok(Some(url));
        }
        if self.is_sandbox() {
            let redirected = catch::approve_in_sandbox(&request.url)?;
            self.wire.redirect(&redirected);
            println!("Sandbox: consent approved automatically. The browser was sent back to:\n{redirected}\n");
            return Ok(Some(redirected));
        }
        if needs_secret && !has_secret {
            println!("No client secret, so step 2 stops here (nothing was sent to Spotify).");
            println!("Add SPOTIFY_CLIENT_SECRET=... (from your app's dashboard) to the project's .env, or type it");
            println!("in the hidden box when you run the notebook again. Or use 02_pkce.ipynb, which needs no secret.");
            return Ok(None);
        }
        let pasted = ask_paste("Paste the redirected URL: ");
        if pasted.trim().is_empty() {
            println!("Nothing was pasted, so step 2 stops here (nothing was sent to Spotify).");
            println!("What to paste: open the link from step 1, click Agree, and copy the WHOLE address your browser");
            println!(
                "was sent to: it starts with {}?code= and ends with &state=...",
                self.auth().config().redirect_uri
            );
            println!("(the page itself does not load; that is expected). Then run this cell again and paste it.");
            return Ok(None);
        }
        self.wire.redirect(pasted.trim());
        Ok(Some(pasted.trim().to_string()))
    }

    /// The run so far as a sequence diagram (SVG): the browser, the app,
    /// Spotify's accounts service and the Web API, one arrow per message; a
    /// failed answer in red, and nothing after it.
    pub fn show_diagram(&self) {
        println!(
            "EVCXR_BEGIN_CONTENT text/html\n<div class=\"sequence-diagram\">{}</div>\nEVCXR_END_CONTENT",
            self.wire.diagram().svg()
        );
    }

    /// Step 2, printed: what came back from the token endpoint, field by field.
    pub fn show_exchange(&self, exchange: Option<&Exchange>) {
        let Some(exchange) = exchange else { return };
        let now = now_secs();
        if exchange.token.pkce {
            println!("Sent: grant_type=authorization_code, code, redirect_uri, client_id and code_verifier (no client secret).");
        }
        println!(
            "What came back from {}/api/token:",
            self.auth().config().accounts_url
        );
        println!(
            "  authorization code : {}   (single use: it is spent now)",
            exchange.code.secret()
        );
        println!(
            "  access token       : {}",
            exchange.response.access_token.secret()
        );
        println!(
            "  token type         : {}   (send it as `Authorization: Bearer <access token>`)",
            exchange.response.token_type
        );
        println!(
            "  scopes granted     : {}",
            exchange
                .response
                .scope
                .as_deref()
                .unwrap_or("(none listed: public data only)")
        );
        if !exchange.not_granted.is_empty() {
            println!(
                "  NOT granted        : {}   (asked for, but the user or Spotify withheld them)",
                exchange.not_granted.join(" ")
            );
        }
        println!(
            "  expires_in         : {} s, i.e. at {} (now is {})",
            exchange.response.expires_in,
            format_utc(exchange.token.expires_at),
            format_utc(now)
        );
        println!(
            "  refresh token      : {}",
            exchange.token.refresh_token.secret()
        );
        println!(
            "  refresh token dies : {} (six months after the consent)",
            format_utc(exchange.token.refresh_token_expires_at())
        );
        println!(
            "Saved to {} (readable by you only).",
            self.auth().store().token_location()
        );
    }

    /// Step 3, printed: old and new access token, and whether the refresh
    /// token was kept or rotated. `None`: says step 3 was skipped.
    pub fn show_refresh(&self, refresh: Option<&Refresh>) {
        let Some(refresh) = refresh else {
            println!(
                "Step 3 skipped: step 2 has not produced a token yet (see its message above)."
            );
            return;
        };
        let (old, new) = (&refresh.previous, &refresh.token);
        println!("Refreshed with grant_type=refresh_token:");
        println!("  old access token   : {}", old.access_token.secret());
        println!(
            "  NEW access token   : {}",
            refresh.response.access_token.secret()
        );
        println!(
            "  different          : {}",
            old.access_token.secret() != new.access_token.secret()
        );
        println!("  token type         : {}", refresh.response.token_type);
        println!(
            "  scopes granted     : {}",
            refresh
                .response
                .scope
                .as_deref()
                .unwrap_or("(not repeated: unchanged)")
        );
        println!(
            "  expires_in         : {} s, i.e. at {}",
            refresh.response.expires_in,
            format_utc(new.expires_at)
        );
        match &refresh.response.refresh_token {
            None => println!("  refresh token      : KEPT: the answer carried none, so the old one stays valid and stays saved:\n                       {}", new.refresh_token.secret()),
            Some(answered) if answered.secret() == old.refresh_token.secret() => println!("  refresh token      : KEPT: the answer repeated the same one:\n                       {}", new.refresh_token.secret()),
            Some(_) => println!("  refresh token      : ROTATED: the old one is dead now, the new one is saved:\n    old              : {}\n    new              : {}", old.refresh_token.secret(), new.refresh_token.secret()),
        }
        if !refresh.missing_scopes.is_empty() {
            println!(
                "  note: the token lacks {}; authorize again to get them",
                refresh.missing_scopes.join(" ")
            );
        }
    }

    /// Notebook 3's token: in the sandbox, steps 1 and 2 of notebook 1,
    /// condensed; with a real app, the token notebook 1 or 2 saved.
    fn token_for_web_api(&self) -> Result<bool> {
        let auth = self.auth();
        if self.is_sandbox() {
            let request = auth.start_authorization(&AuthorizeOptions::default())?;
            println!("\nstep 1: {}", request.url);
            let redirected = catch::approve_in_sandbox(&request.url)?;
            println!("step 2: consent approved automatically, redirected to {redirected}");
            let exchange = auth.exchange_redirect(&redirected)?;
            println!(
                "        access token {} (scopes: {})",
                exchange.response.access_token.secret(),
                exchange.token.scopes.join(" ")
            );
            return Ok(true);
        }
        let token = match auth.saved_token() {
            Ok(token) => token,
            Err(error) => {
                println!("\nNo saved token to use ({error}).");
                println!("Run 01_authorization_code.ipynb or 02_pkce.ipynb first, then run this notebook again.");
                return Ok(false);
            }
        };
        let how = if token.pkce {
            "PKCE"
        } else {
            "with the client secret"
        };
        let (file, obtained) = (auth.store().token_location(), format_utc(token.obtained_at));
        println!("\nUsing the token saved in {file} (obtained {obtained}, {how}).");
        Ok(true)
    }

    /// Notebook 3: makes the saved token look almost expired (its expiry 30 s
    /// from now, in the local store only), so the next call refreshes it.
    pub fn pretend_time_passed(&self) -> Result<SavedToken> {
        let mut aged = self.auth().saved_token()?;
        aged.expires_at = now_secs() + 30;
        self.auth().store().save_token(&aged)?;
        Ok(aged)
    }
}

/// The folder of the newest token notebook 1 or 2 saved for the configured
/// client id (notebook 1's when there is none).
fn newest_saved_token_folder(settings: &Settings) -> &'static str {
    let client_id = settings.get("SPOTIFY_CLIENT_ID").unwrap_or_default();
    let base = PathBuf::from(
        settings
            .get("SPOTIFY_AUTH_DIR")
            .unwrap_or_else(|| crate::core::config::DEFAULT_AUTH_DIR.into()),
    )
    .join("spotify");
    let newest = [Lesson::AuthorizationCode, Lesson::Pkce]
        .into_iter()
        .filter_map(|lesson| {
            let saved = FileStore::new(base.join(lesson.folder()))
                .load_token()
                .ok()
                .flatten();
            saved
                .filter(|t| t.client_id == client_id)
                .map(|t| (t.obtained_at, lesson.folder()))
        })
        .max();
    newest.map_or(Lesson::AuthorizationCode.folder(), |(_, folder)| folder)
}

/// A folder as the learner finds it from the project: a relative one is
/// under `notebooks/` (the kernel's working folder), an absolute one as is.
fn shown_from_project(folder: &Path) -> String {
    // Joining an absolute path gives that path.
    Path::new("notebooks").join(folder).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_folder_is_shown_from_the_project() {
        assert_eq!(
            shown_from_project(Path::new(".spotify-auth/sandbox/01-authorization-code")),
            "notebooks/.spotify-auth/sandbox/01-authorization-code"
        );
        // An absolute SPOTIFY_AUTH_DIR is not under notebooks/.
        assert_eq!(
            shown_from_project(Path::new("/home/me/auth/spotify/01-authorization-code")),
            "/home/me/auth/spotify/01-authorization-code"
        );
    }
}
