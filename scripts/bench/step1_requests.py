"""The seed tutorial's step 1: the authorize URL built with requests, printed.

Same parameters as step1_auth_url: SPOTIFY_CLIENT_ID, SPOTIFY_REDIRECT_URI,
SPOTIFY_SCOPES from the environment and a random state.
"""
import os
import secrets

import requests

params = {
    "client_id": os.environ["SPOTIFY_CLIENT_ID"],
    "response_type": "code",
    "redirect_uri": os.environ["SPOTIFY_REDIRECT_URI"],
    "scope": os.environ.get("SPOTIFY_SCOPES", ""),
    "state": secrets.token_urlsafe(16),
}
print(
    requests.Request(
        "GET", "https://accounts.spotify.com/authorize", params=params
    ).prepare().url
)
