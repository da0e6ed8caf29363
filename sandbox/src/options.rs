//! How a sandbox is set up ([`SandboxOptions`]) and the faults it can inject
//! ([`Fault`], [`FaultKind`]). Plain data: no HTTP, no state.

/// How a [`Sandbox`](crate::Sandbox) is set up. Start from [`SandboxOptions::default`] and change
/// the fields a lesson needs.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Port to listen on (on `127.0.0.1`); `0` picks a free port.
    pub port: u16,
    /// The registered app's client id (32 hex characters, like Spotify's).
    pub client_id: String,
    /// The registered app's client secret (32 hex characters, like Spotify's).
    pub client_secret: String,
    /// The redirect URIs registered for the app, matched exactly. A loopback URI
    /// registered without a port matches any port.
    pub redirect_uris: Vec<String>,
    /// The app name shown on the consent page.
    pub app_name: String,
    /// `false` (Spotify's usual answer): a refresh answer carries no
    /// `refresh_token`, the old one stays valid. `true`: every refresh answers a
    /// new refresh token and revokes the one used.
    pub rotate_refresh_tokens: bool,
    /// Scopes never granted even when asked for, so the granted `scope` is
    /// narrower than the asked one.
    pub withhold_scopes: Vec<String>,
    /// Lifetime of an access token, the `expires_in` of token answers.
    pub access_token_lifetime_secs: u64,
    /// Faults armed from the start.
    pub faults: Vec<Fault>,
    /// `false` (default): the app is in development mode and answers with the
    /// shapes of February 2026 (`/v1/me` without `email`, `country`, `product`,
    /// `explicit_content`, `followers`; playlists with `"tracks": null` and the
    /// count under `items`; shows without `publisher`/`available_markets`;
    /// artists without `followers`/`popularity`). `true`: extended quota mode,
    /// the older full shapes (`tracks: {href, total}`, the full profile).
    pub extended_quota: bool,
    /// The development-mode allow-list: users the app serves. `None` (default):
    /// every sandbox user. A user not on it gets `403 User not registered in the
    /// Developer Dashboard` on every Web API call.
    pub allowed_users: Option<Vec<String>>,
    /// `true` (default): every user's player starts with one active device
    /// ("Sandbox Speaker"). `false`: no active device, so player commands answer
    /// `404 NO_ACTIVE_DEVICE` and `GET /v1/me/player` answers 204.
    pub active_device: bool,
    /// `true` (default): the default user has Premium. `false`: player commands
    /// answer `403 PREMIUM_REQUIRED` for them (the built-in user `alan` is never
    /// Premium).
    pub premium: bool,
    /// `false` (Spotify's documented answer): a confidential client may send
    /// `code_verifier` together with its secret. `true`: such an exchange is
    /// refused with `invalid_request`, to test how an app says so.
    pub refuse_pkce_with_secret: bool,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            port: 0,
            client_id: "5a5db0c1d2e3f4a5b6c7d8e9f0a1b2c3".to_string(),
            client_secret: "9f8e7d6c5b4a39281706f5e4d3c2b1a0".to_string(),
            redirect_uris: vec!["http://127.0.0.1:8888/callback".to_string()],
            app_name: "spotify-auth walkthrough".to_string(),
            rotate_refresh_tokens: false,
            withhold_scopes: Vec::new(),
            access_token_lifetime_secs: 3600,
            faults: Vec::new(),
            extended_quota: false,
            allowed_users: None,
            active_device: true,
            premium: true,
            refuse_pkce_with_secret: false,
        }
    }
}

/// A fault armed on one endpoint: the next `count` requests to `endpoint` get
/// `kind` instead of (or, for [`FaultKind::Slow`], before) their normal answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The request path it applies to, without query, e.g. `"/api/token"` or `"/v1/me"`.
    pub endpoint: String,
    /// What goes wrong.
    pub kind: FaultKind,
    /// How many of the next matching requests it applies to.
    pub count: u32,
}

/// What a [`Fault`] does to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer this HTTP status (500, 502, 503, ...) with a Spotify-like JSON error
    /// body: `{"error":"server_error",...}` on the accounts service,
    /// `{"error":{"status":N,"message":...}}` on `/v1`.
    Status(u16),
    /// Answer `429 Too Many Requests`, with a `Retry-After` header when given.
    TooManyRequests {
        /// Seconds for the `Retry-After` header; `None` sends no such header.
        retry_after_secs: Option<u64>,
    },
    /// Sleep this long, then answer normally.
    Slow {
        /// Seconds to wait before answering.
        secs: u64,
    },
    /// Close the connection without any answer.
    ConnectionReset,
    /// Answer `200` with `text/html` `<html>upstream error</html>`, as a proxy in
    /// the way would.
    NotJson,
    /// Answer `200` with JSON lacking the expected fields (no `access_token` on
    /// `/api/token`).
    MissingFields,
    /// Answer `200` with a JSON body of 2 MiB, past any client's sane cap.
    Oversized,
    /// Answer `403 Active premium subscription required for the owner of the
    /// app`, as Spotify does to every call once the app owner's Premium lapses.
    OwnerPremiumLapsed,
    /// Answer `429` with `"reason": "QUOTA_EXCEEDED"`: the developer account's
    /// quota is spent (since July 2026). Not a burst: a client must not retry.
    QuotaExceeded,
}
