//! Secret newtypes: their `Debug` prints `[redacted]`, so a `{:?}` in a log,
//! a panic message or a notebook's variable view never shows them.
//! Read the value on purpose with `.secret()`.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        secret_type!($(#[$doc])* #[derive(Clone)] $name, not_clone);
    };
    ($(#[$doc:meta])* $name:ident, not_clone) => {
        $(#[$doc])*
        #[derive(PartialEq, Eq, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }
            /// The value itself: print it only on purpose.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret_type!(
    /// Steps 2 and 3: the app's client secret. Never printed, never written to disk.
    ClientSecret
);
secret_type!(
    /// An access token (`BQ...`), sent as `Authorization: Bearer`.
    AccessToken
);
secret_type!(
    /// A refresh token (`AQ...`), traded for new access tokens.
    RefreshToken
);
secret_type!(
    /// The one-time authorization code from the redirect.
    AuthorizationCode
);
secret_type!(
    /// Step 1 and 2: the PKCE code verifier, kept until step 2, never sent in
    /// step 1. Not `Clone`: one copy, in the pending authorization.
    PkceVerifier,
    not_clone
);
secret_type!(
    /// Step 1 and 2: the random `state` sent to Spotify and checked when it
    /// comes back. Redacted: whoever knows it can forge a redirect.
    State
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_for_every_secret_type() {
        let shown = format!(
            "{:?} {:?} {:?} {:?} {:?}",
            ClientSecret::new("s3cr3t-value"),
            AccessToken::new("s3cr3t-value"),
            RefreshToken::new("s3cr3t-value"),
            AuthorizationCode::new("s3cr3t-value"),
            PkceVerifier::new("s3cr3t-value"),
        );
        let shown = format!("{shown} {:?}", State::new("s3cr3t-value"));
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert_eq!(shown.matches("[redacted]").count(), 6, "{shown}");
    }

    #[test]
    fn secret_returns_the_value() {
        assert_eq!(AccessToken::new("BQabc").secret(), "BQabc");
    }
}
