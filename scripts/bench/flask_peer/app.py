"""The Flask peer of scripts/bench-web.sh: the seeds' stack (Flask + spotipy's
SpotifyOAuth with FlaskSessionCacheHandler: the token lives in Flask's signed
cookie session), written for the benchmark, doing what web_app's /login,
/callback and /api/token do. Run under gunicorn (2 workers) against the sandbox:

    SPOTIFY_CLIENT_ID=... SPOTIFY_CLIENT_SECRET=... SPOTIFY_ACCOUNTS_URL=... \
    SPOTIFY_API_URL=... SPOTIFY_REDIRECT_URI=http://127.0.0.1:PORT/callback \
    FLASK_SECRET_KEY=... gunicorn -w 2 -b 127.0.0.1:PORT app:app
"""

import os

import spotipy
from flask import Flask, jsonify, redirect, request, session
from spotipy.cache_handler import FlaskSessionCacheHandler
from spotipy.oauth2 import SpotifyOAuth

ACCOUNTS = os.environ["SPOTIFY_ACCOUNTS_URL"].rstrip("/")
API = os.environ["SPOTIFY_API_URL"].rstrip("/")
SCOPES = os.environ.get(
    "SPOTIFY_SCOPES",
    "user-read-private playlist-read-private user-library-read "
    "user-read-playback-state user-modify-playback-state",
)

app = Flask(__name__)
# Every gunicorn worker must sign cookies with the same key.
app.secret_key = os.environ["FLASK_SECRET_KEY"]


def auth_manager():
    oauth = SpotifyOAuth(
        client_id=os.environ["SPOTIFY_CLIENT_ID"],
        client_secret=os.environ["SPOTIFY_CLIENT_SECRET"],
        redirect_uri=os.environ["SPOTIFY_REDIRECT_URI"],
        scope=SCOPES,
        cache_handler=FlaskSessionCacheHandler(session),
        open_browser=False,
    )
    # spotipy's endpoints, pointed at the sandbox.
    oauth.OAUTH_AUTHORIZE_URL = ACCOUNTS + "/authorize"
    oauth.OAUTH_TOKEN_URL = ACCOUNTS + "/api/token"
    return oauth


@app.route("/login")
def login():
    return redirect(auth_manager().get_authorize_url())


@app.route("/callback")
def callback():
    oauth = auth_manager()
    oauth.get_access_token(request.args["code"], as_dict=False)
    sp = spotipy.Spotify(auth_manager=oauth)
    sp.prefix = API + "/v1/"
    # sp.me() asks for "me/" (trailing slash), which Spotify accepts and the
    # sandbox answers 404: the same call without the slash.
    session["user_id"] = sp._get("me")["id"]
    return redirect("/")


@app.route("/api/token")
def token():
    oauth = auth_manager()
    info = oauth.validate_token(oauth.cache_handler.get_cached_token())
    if not info:
        return jsonify(error="not signed in: log in with Spotify", login="/login"), 401
    response = jsonify(access_token=info["access_token"], expires_at=info["expires_at"])
    response.headers["Cache-Control"] = "no-store"
    return response
