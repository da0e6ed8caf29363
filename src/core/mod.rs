//! The protocol, and nothing else: what Spotify expects and what it answers.
//!
//! No I/O happens here: nothing is printed, no variable or file is read, no
//! socket is opened, and no binary or flag is named. A blocking caller (the
//! [`SpotifyAuth`](crate::SpotifyAuth) of the binaries and notebooks) and an
//! async one (a web server) drive the same functions:
//!
//! 1. [`step1`]: the authorize URL, its `state` and PKCE challenge, and the
//!    [`PendingAuthorization`](step1::PendingAuthorization) the caller keeps.
//! 2. [`step2`]: the redirect checked against it, then the code-for-token
//!    request as data ([`TokenRequest`](accounts::TokenRequest)); the answer
//!    parsed by [`accounts::parse_token_answer`] into a [`token::SavedToken`].
//! 3. [`step3`]: the refresh request; [`token`] says when to refresh and what
//!    to keep from the answer.
//!
//! Around them: [`config`] (the app's settings, checked), [`redirect_uri`]
//! (Spotify's rules), [`scopes`], [`secret`] (redacted types), [`web_api`]
//! (typed Web API answers, player commands), [`http_policy`] (when a call
//! is tried again, waited for and read) and the one [`error::Error`].
//! Beside the three steps, [`app_token`] is the Client Credentials grant: an
//! app-only token, with no user.

pub mod accounts;
pub mod app_token;
pub mod config;
pub mod error;
pub mod http_policy;
mod portless_loopback;
pub mod redirect_uri;
pub mod scope_table;
pub mod scopes;
pub mod secret;
pub mod step1;
pub mod step2;
pub mod step3;
pub mod token;
pub mod web_api;
pub mod wire;
