"""Step 1 with spotipy: SpotifyOAuth(...).get_authorize_url(state=...), printed.

Same parameters as step1_auth_url (SPOTIFY_* from the environment), no browser,
an in-memory token cache (so no .cache file is read or written).
"""
import os
import secrets

import spotipy
from spotipy.oauth2 import SpotifyOAuth

oauth = SpotifyOAuth(
    client_id=os.environ["SPOTIFY_CLIENT_ID"],
    client_secret=os.environ["SPOTIFY_CLIENT_SECRET"],
    redirect_uri=os.environ["SPOTIFY_REDIRECT_URI"],
    scope=os.environ.get("SPOTIFY_SCOPES", ""),
    open_browser=False,
    cache_handler=spotipy.MemoryCacheHandler(),
)
print(oauth.get_authorize_url(state=secrets.token_urlsafe(16)))
