//! The loopback listener that catches Spotify's redirect.
