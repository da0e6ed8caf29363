//! Step 1: the authorize URL, its random `state`, PKCE, and the pending
//! authorization that step 2 checks the redirect against (a caller keeps it:
//! the binaries in a file, a web server in the user's session).

use super::config::Config;
use super::error::{Error, Result};
use super::secret::{PkceVerifier, State};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Step 1: how long a pending authorization (and so its code) stays usable.
pub const PENDING_LIFETIME_SECS: u64 = 600;

/// Step 1: choices beyond the configuration.
#[derive(Debug, Clone, Default)]
pub struct AuthorizeOptions {
    /// Force Spotify's consent screen even when the user already agreed.
    pub show_dialog: bool,
    /// Use PKCE (code verifier and S256 challenge) instead of the client secret.
    pub pkce: bool,
    /// Scopes to ask for instead of `SPOTIFY_SCOPES` (checked the same way).
    pub scopes: Option<Vec<String>>,
}

/// Step 1: one query parameter of the authorize URL, with what it is for.
#[derive(Debug, Clone)]
pub struct QueryParameter {
    /// Its name.
    pub name: &'static str,
    /// Its value (the PKCE verifier never appears here, only its challenge).
    pub value: String,
    /// One line on what it is for.
    pub purpose: &'static str,
}

/// Step 1: the authorize URL and what step 2 will need.
#[derive(Debug)]
pub struct AuthorizeRequest {
    /// The URL to open in a browser.
    pub url: String,
    /// Its query parameters, each explained.
    pub parameters: Vec<QueryParameter>,
    /// What step 2 needs (the blocking [`SpotifyAuth`](crate::SpotifyAuth) saves it in its store).
    pub pending: PendingAuthorization,
}

/// Step 1's state, kept until step 2 uses it. Not `Clone`: its PKCE verifier
/// exists once.
#[derive(Debug, Serialize, Deserialize)]
pub struct PendingAuthorization {
    /// The random `state` sent to Spotify, to be echoed back.
    pub state: State,
    /// The PKCE verifier, when PKCE is used.
    pub code_verifier: Option<PkceVerifier>,
    /// The redirect URI sent in step 1 (step 2 must send the same string).
    pub redirect_uri: String,
    /// The client id of step 1.
    pub client_id: String,
    /// The scopes asked for.
    pub scopes: Vec<String>,
    /// When step 1 ran (seconds since the Unix epoch).
    pub created_at: u64,
    /// The authorize URL, so step 2 `--open` can open it.
    #[serde(default)]
    pub authorize_url: String,
}

impl PendingAuthorization {
    /// Its age at `now`, in seconds.
    pub fn age_secs(&self, now: u64) -> u64 {
        now.saturating_sub(self.created_at)
    }

    /// Refuses it when older than [`PENDING_LIFETIME_SECS`]: its state and
    /// verifier are no longer accepted, whatever code comes with them.
    pub fn check_age(&self, now: u64) -> Result<()> {
        let age_secs = self.age_secs(now);
        if age_secs > PENDING_LIFETIME_SECS {
            return Err(Error::PendingAuthorizationExpired { age_secs });
        }
        Ok(())
    }
}

/// Step 1: the refusal on the authorize page's answer to `GET /authorize`
/// (as a browser sends it, before any login), e.g. `INVALID_CLIENT: Invalid
/// redirect URI`: the page where the browser stops, never redirected back.
/// `None` for anything else (a login or consent page, a redirect, 429).
pub fn authorize_page_refusal(status: u16, page: &str) -> Option<String> {
    if !(400..500).contains(&status) || status == 429 {
        return None;
    }
    let start = page.find("INVALID_")?;
    let text = page[start..]
        .split(['<', '\n', '"'])
        .next()
        .unwrap_or_default()
        .trim();
    Some(super::error::printable(text, 120))
}

/// Step 1: builds the authorize URL and the pending authorization (kept by the caller).
pub fn build_authorize_request(
    config: &Config,
    options: &AuthorizeOptions,
    now: u64,
) -> Result<AuthorizeRequest> {
    build_authorize_request_at(config, options, None, now)
}

/// Step 1 with `redirect_uri` sent instead of the configured one: the
/// configured loopback URI registered without a port, with the port a
/// listener bound put in (Spotify accepts any port for such a URI). Anything
/// else than that port changed is refused.
pub fn build_authorize_request_at(
    config: &Config,
    options: &AuthorizeOptions,
    redirect_uri: Option<&str>,
    now: u64,
) -> Result<AuthorizeRequest> {
    if let Some(scopes) = &options.scopes {
        super::scopes::validate_scopes(scopes)?;
    }
    if let Some(uri) = redirect_uri {
        super::redirect_uri::check_concrete_loopback(&config.redirect_uri, uri)?;
    }
    let scopes = options.scopes.as_ref().unwrap_or(&config.scopes).clone();
    let redirect_uri = redirect_uri.unwrap_or(&config.redirect_uri).to_string();
    let state = State::new(random_urlsafe(24)?);
    let code_verifier = options.pkce.then(new_pkce_verifier).transpose()?;

    let mut parameters = vec![
        QueryParameter {
            name: "client_id",
            value: config.client_id.clone(),
            purpose: "which app asks (from the dashboard)",
        },
        QueryParameter {
            name: "response_type",
            value: "code".into(),
            purpose: "the Authorization Code flow: Spotify answers with a one-time code",
        },
        QueryParameter {
            name: "redirect_uri",
            value: redirect_uri.clone(),
            purpose: "where Spotify sends the browser back; must match the dashboard exactly",
        },
        QueryParameter {
            name: "scope",
            value: scopes.join(" "),
            purpose: "what the app may do (empty: public data only)",
        },
        QueryParameter {
            name: "state",
            value: state.secret().to_string(),
            purpose:
                "random, echoed back and checked in step 2 (protects against forged redirects)",
        },
    ];
    if options.show_dialog {
        parameters.push(QueryParameter {
            name: "show_dialog",
            value: "true".into(),
            purpose: "show the consent screen even if the user already agreed",
        });
    }
    if let Some(verifier) = &code_verifier {
        parameters.push(QueryParameter {
            name: "code_challenge_method",
            value: "S256".into(),
            purpose: "PKCE: the challenge is SHA-256 of the verifier",
        });
        parameters.push(QueryParameter {
            name: "code_challenge",
            value: pkce_challenge(verifier.secret()),
            purpose: "PKCE: proves in step 2 that the same program asks (the verifier stays here)",
        });
    }
    let mut url = url::Url::parse(&format!("{}/authorize", config.accounts_url)).map_err(|e| {
        Error::Config(format!(
            "SPOTIFY_ACCOUNTS_URL gives no valid authorize URL ({e})"
        ))
    })?;
    url.query_pairs_mut()
        .extend_pairs(parameters.iter().map(|p| (p.name, p.value.as_str())));
    // Spotify documents %20 between scopes; `+` is equivalent in a query but less recognisable.
    let url = url.as_str().replace('+', "%20");

    Ok(AuthorizeRequest {
        url: url.clone(),
        parameters,
        pending: PendingAuthorization {
            state,
            code_verifier,
            redirect_uri,
            client_id: config.client_id.clone(),
            scopes,
            created_at: now,
            authorize_url: url,
        },
    })
}

/// Step 1: a new PKCE verifier: 64 characters of `A-Z a-z 0-9 - _` from the OS's
/// cryptographic random source (RFC 7636 allows 43 to 128).
pub fn new_pkce_verifier() -> Result<PkceVerifier> {
    Ok(PkceVerifier::new(random_urlsafe(48)?))
}

/// Step 1: the S256 challenge of a verifier: base64url(SHA-256(verifier)) without padding.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Step 1: `bytes` random bytes from the OS, base64url encoded (4/3 as many characters).
pub fn random_urlsafe(bytes: usize) -> Result<String> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|e| Error::RandomSource(e.to_string().into()))?;
    Ok(URL_SAFE_NO_PAD.encode(buffer))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::core::config::Config;

    fn config() -> Config {
        Config::from_lookup(|name| match name {
            "SPOTIFY_CLIENT_ID" => Some("0123456789abcdef0123456789abcdef".into()),
            "SPOTIFY_SCOPES" => Some("user-read-private playlist-read-private".into()),
            _ => None,
        })
        .unwrap()
    }

    fn query(url: &str) -> std::collections::HashMap<String, String> {
        url::Url::parse(url)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect()
    }

    /// RFC 7636 appendix B. (Issue 2 quotes the challenge as `...CHoeqWn5IvXFhP-LN3hC9bA`;
    /// the RFC and SHA-256 itself say `...CHaoeK1t8URWbuGJSstw-cM`.)
    #[test]
    fn rfc7636_appendix_b_vector() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn url_has_every_parameter() {
        let request =
            build_authorize_request(&config(), &AuthorizeOptions::default(), 1000).unwrap();
        assert!(request
            .url
            .starts_with("https://accounts.spotify.com/authorize?client_id="));
        assert!(
            request
                .url
                .contains("scope=user-read-private%20playlist-read-private"),
            "{}",
            request.url
        );
        let q = query(&request.url);
        assert_eq!(q["client_id"], "0123456789abcdef0123456789abcdef");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["redirect_uri"], "http://127.0.0.1:8888/callback");
        assert_eq!(q["scope"], "user-read-private playlist-read-private");
        assert_eq!(q["state"], request.pending.state.secret());
        assert!(request.pending.state.secret().len() >= 16);
        assert!(!q.contains_key("show_dialog") && !q.contains_key("code_challenge"));
        assert_eq!(request.pending.created_at, 1000);
    }

    #[test]
    fn state_is_fresh_each_time() {
        let a = build_authorize_request(&config(), &AuthorizeOptions::default(), 0).unwrap();
        let b = build_authorize_request(&config(), &AuthorizeOptions::default(), 0).unwrap();
        assert_ne!(a.pending.state, b.pending.state);
    }

    #[test]
    fn pkce_and_show_dialog() {
        let options = AuthorizeOptions {
            pkce: true,
            show_dialog: true,
            scopes: None,
        };
        let request = build_authorize_request(&config(), &options, 0).unwrap();
        let q = query(&request.url);
        let verifier = request
            .pending
            .code_verifier
            .as_ref()
            .unwrap()
            .secret()
            .to_string();
        assert!((43..=128).contains(&verifier.len()));
        assert!(verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)));
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["code_challenge"], pkce_challenge(&verifier));
        assert_eq!(q["show_dialog"], "true");
        assert!(!request.url.contains(&verifier));
    }

    #[test]
    fn scope_override_is_checked() {
        let options = AuthorizeOptions {
            scopes: Some(vec!["user-top-reed".into()]),
            ..Default::default()
        };
        let err = build_authorize_request(&config(), &options, 0).unwrap_err();
        assert!(err.to_string().contains("user-top-read"), "{err}");
    }

    #[test]
    fn the_authorize_page_s_refusal_is_read() {
        let html = "<html><body><p>INVALID_CLIENT: Invalid redirect URI</p></body></html>";
        assert_eq!(
            authorize_page_refusal(400, html).as_deref(),
            Some("INVALID_CLIENT: Invalid redirect URI")
        );
        assert_eq!(
            authorize_page_refusal(400, "INVALID_SCOPE: Invalid scope").as_deref(),
            Some("INVALID_SCOPE: Invalid scope")
        );
        assert_eq!(authorize_page_refusal(200, "INVALID_CLIENT: x"), None);
        assert_eq!(authorize_page_refusal(303, ""), None);
        assert_eq!(authorize_page_refusal(429, "INVALID_CLIENT: x"), None);
        assert_eq!(authorize_page_refusal(400, "Bad request"), None);
    }
}
