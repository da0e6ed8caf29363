// "Play in this browser": Spotify's Web Playback SDK on the signed-in page.
// No token is ever in the page's HTML: each time the SDK wants one,
// getOAuthToken asks GET /api/token, and the server refreshes it when due
// (once per user, however many tabs ask). When the SDK asks again long before
// the token it holds expires, Spotify refused that token: the page names it in
// X-Refused-Token, so the server refreshes it rather than hand it back.
(function () {
  'use strict';
  var card = document.getElementById('web-playback');
  if (!card || !card.dataset.sdkUrl) { return; }

  function el(id) { return document.getElementById(id); }
  // Text from outside (the SDK, Spotify): shown as text, never as HTML, and short.
  function clip(text) {
    text = String(text == null ? '' : text);
    return text.length > 200 ? text.slice(0, 200) + '...' : text;
  }
  function say(text, isError) {
    var message = el('wp-message');
    message.textContent = text;
    message.className = 'small' + (isError ? ' error' : '');
  }
  function status(text) { el('wp-state').textContent = text; }
  function loginAgain(text) {
    status('Signed out');
    say(text, true);
    el('wp-login').hidden = false;
  }
  function browserName() {
    var agent = navigator.userAgent;
    if (/Edg\//.test(agent)) { return 'Edge'; }
    if (/HeadlessChrome\//.test(agent)) { return 'headless Chrome'; }
    if (/Chrome\//.test(agent)) { return 'Chrome'; }
    if (/Firefox\//.test(agent)) { return 'Firefox'; }
    if (/Safari\//.test(agent)) { return 'Safari'; }
    return 'a browser';
  }

  var name = card.dataset.deviceName + ' (' + browserName() + ')';
  var held = null; // the token the SDK holds: {token, expires_at}
  var player = null;
  var refusedOnce = false;
  var signedOut = false;

  function answerOf(response) {
    return response.json().catch(function () { return {}; })
      .then(function (body) { return { ok: response.ok, status: response.status, body: body || {} }; });
  }

  function getOAuthToken(callback) {
    var headers = { Accept: 'application/json' };
    if (held && held.expires_at - Date.now() / 1000 > 60) { headers['X-Refused-Token'] = held.token; }
    fetch('/api/token', { headers: headers, credentials: 'same-origin', cache: 'no-store' })
      .then(answerOf)
      .then(function (answer) {
        if (answer.ok) {
          held = { token: answer.body.access_token, expires_at: answer.body.expires_at };
          callback(held.token);
          return;
        }
        held = null;
        if (answer.status === 401) {
          signedOut = true;
          if (player) { player.disconnect(); }
          loginAgain('Your Spotify sign-in has ended: the token was refused and could not be renewed. Log in again.');
          return;
        }
        say('The app could not get a token for the player: ' + clip(answer.body.error), true);
      })
      .catch(function () { say('The app cannot be reached for a token; the player waits.', true); });
  }

  function transfer(deviceId, retried) {
    fetch('/api/player/transfer', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ device_id: deviceId })
    })
      .then(answerOf)
      .then(function (answer) {
        if (answer.ok) { say('Playback moved to this browser.'); changed(); return; }
        if (answer.body.login) { signedOut = true; loginAgain('Your Spotify sign-in has ended: log in again.'); return; }
        // Spotify may not know a brand-new device for a moment: one more try.
        if (answer.status === 404 && !retried) {
          setTimeout(function () { transfer(deviceId, true); }, 1000);
          return;
        }
        say('Playback did not move to this browser: ' + clip(answer.body.error), true);
      })
      .catch(function () { say('The app cannot be reached to move playback here.', true); });
  }

  // The page's Player card follows (page.js listens).
  function changed() { document.dispatchEvent(new Event('player-changed')); }

  function show(state) {
    changed();
    if (!state) {
      status('Ready');
      el('wp-track').textContent = '';
      el('wp-artists').textContent = 'Playback is on another device.';
      return;
    }
    var track = state.track_window.current_track;
    status(state.paused ? 'Paused in this browser' : 'Playing in this browser');
    el('wp-track').textContent = clip(track.name);
    el('wp-artists').textContent = clip((track.artists || []).map(function (a) { return a.name; }).join(', '));
  }

  window.onSpotifyWebPlaybackSDKReady = function () {
    player = new window.Spotify.Player({ name: name, getOAuthToken: getOAuthToken, volume: 0.8 });
    player.addListener('ready', function (event) {
      refusedOnce = false;
      card.dataset.deviceId = event.device_id;
      status('Ready');
      el('wp-device').textContent = 'This browser is the device "' + name + '".';
      say('Moving playback to this browser.');
      transfer(event.device_id, false);
    });
    player.addListener('not_ready', function () {
      status('Offline');
      say('This browser\'s player went offline (the network or Spotify dropped it). It reconnects by itself; if it does not, reload the page.', true);
    });
    player.addListener('player_state_changed', show);
    player.addListener('initialization_error', function (event) {
      status('Cannot play here');
      say('This browser cannot play Spotify (' + clip(event.message) + '). The Web Playback SDK needs protected media (EME with Widevine): use a desktop Chrome, Firefox, Edge or Safari with protected content allowed; mobile browsers do not work.', true);
    });
    player.addListener('authentication_error', function (event) {
      if (signedOut) { return; }
      if (!refusedOnce) {
        // One fresh token, then a new connection.
        refusedOnce = true;
        say('Spotify refused the token (' + clip(event.message) + '); asking the app for a fresh one.');
        player.disconnect();
        player.connect();
        return;
      }
      loginAgain('Spotify refused the token again, even a fresh one (' + clip(event.message) + '): log in again.');
    });
    player.addListener('account_error', function (event) {
      status('Premium needed');
      say('Playing in the browser needs Spotify Premium, and this account does not have it (' + clip(event.message) + '). The rest of this page still works.', true);
    });
    player.addListener('playback_error', function (event) {
      say('Spotify could not play this (' + clip(event.message) + '): try the next track.', true);
    });
    player.addListener('autoplay_failed', function () {
      say('The browser blocked playing by itself: press play.');
    });
    [['wp-previous', 'previousTrack'], ['wp-pause', 'pause'], ['wp-play', 'resume'], ['wp-next', 'nextTrack']]
      .forEach(function (pair) {
        el(pair[0]).addEventListener('click', function () {
          if (player) { player[pair[1]](); }
        });
      });
    window.addEventListener('pagehide', function () { player.disconnect(); });
    player.connect().then(function (started) {
      if (started) { status('Connecting'); }
    });
  };

  var sdk = document.createElement('script');
  sdk.src = card.dataset.sdkUrl;
  sdk.async = true;
  sdk.onerror = function () {
    status('Cannot play here');
    say('Spotify\'s Web Playback SDK could not be loaded from ' + card.dataset.sdkUrl + ' (offline, or blocked by an extension or a policy).', true);
  };
  document.head.appendChild(sdk);
})();
