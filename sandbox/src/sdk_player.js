// The sandbox's stand-in for Spotify's Web Playback SDK
// (https://sdk.scdn.co/spotify-player.js): the same interface, played by the
// sandbox that served this file. Like the real SDK it asks the page for a
// token through getOAuthToken when connecting and again when the token it
// holds has expired, registers this browser as a device of the token's user,
// and fires ready / not_ready / player_state_changed / initialization_error /
// authentication_error / account_error / playback_error.
(function () {
  'use strict';
  var here = document.currentScript ? document.currentScript.src : window.location.href;
  var base = new URL(here).origin;
  var POLL_MS = 500;
  var RETRY_MS = 2000;

  function Player(options) {
    if (!options || typeof options.getOAuthToken !== 'function') {
      throw new TypeError('Spotify.Player needs options.getOAuthToken(callback)');
    }
    this._getOAuthToken = options.getOAuthToken;
    this._name = String(options.name || 'Web Playback SDK');
    this._volume = typeof options.volume === 'number' ? options.volume : 1;
    this._listeners = {};
    this._token = null;
    this._deviceId = null;
    this._connected = false;
    this._online = false;
    this._timer = null;
    this._renew = null;
    this._key = undefined;
  }

  Player.prototype.addListener = function (event, callback) {
    (this._listeners[event] = this._listeners[event] || []).push(callback);
    return true;
  };
  Player.prototype.on = Player.prototype.addListener;

  Player.prototype.removeListener = function (event, callback) {
    if (!this._listeners[event]) { return false; }
    if (callback) {
      this._listeners[event] = this._listeners[event].filter(function (f) { return f !== callback; });
    } else {
      delete this._listeners[event];
    }
    return true;
  };

  Player.prototype._emit = function (event, payload) {
    (this._listeners[event] || []).slice().forEach(function (callback) {
      try { callback(payload); } catch (e) { setTimeout(function () { throw e; }); }
    });
  };

  // The page hands a token to the callback; it may take its time (or never answer).
  Player.prototype._askToken = function () {
    var self = this;
    return new Promise(function (resolve) {
      self._getOAuthToken(function (token) { self._token = String(token || ''); resolve(self._token); });
    });
  };

  Player.prototype._send = function (method, path, body) {
    var init = { method: method, headers: { Authorization: 'Bearer ' + this._token } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(base + path, init);
  };

  // A call with the token held; after a 401 (it expired) one more with a new one.
  Player.prototype._call = function (method, path) {
    var self = this;
    return self._send(method, path).then(function (answer) {
      if (answer.status !== 401) { return answer; }
      return self._askToken().then(function () { return self._send(method, path); });
    });
  };

  Player.prototype.connect = function () {
    var self = this;
    if (self._connected) { return Promise.resolve(true); }
    // Spotify streams protected media: no Encrypted Media Extensions, no player.
    if (typeof navigator.requestMediaKeySystemAccess !== 'function') {
      setTimeout(function () {
        self._emit('initialization_error', { message: 'Failed to initialize player: this browser cannot play protected media (EME)' });
      });
      return Promise.resolve(false);
    }
    self._connected = true;
    self._askToken().then(function () { self._register(); });
    return Promise.resolve(true);
  };

  Player.prototype._register = function () {
    var self = this;
    if (!self._connected) { return; }
    self._send('POST', '/sdk/v1/devices', { name: self._name })
      .then(function (answer) {
        return answer.json().catch(function () { return {}; })
          .then(function (body) { return { status: answer.status, body: body || {} }; });
      })
      .then(function (answer) {
        if (!self._connected) { return; }
        if (answer.status === 200) {
          self._deviceId = answer.body.device_id;
          self._online = true;
          self._scheduleRenewal(answer.body.expires_in);
          self._emit('ready', { device_id: self._deviceId });
          self._poll();
          return;
        }
        var reason = answer.body.error && answer.body.error.reason;
        if (answer.status === 401 || reason === 'INVALID_TOKEN_SCOPES') {
          self._stop();
          self._emit('authentication_error', { message: reason ? 'Invalid token scopes.' : 'Authentication failed' });
        } else if (reason === 'PREMIUM_REQUIRED') {
          self._stop();
          self._emit('account_error', { message: 'This functionality is restricted to premium users only' });
        } else {
          self._offline();
          setTimeout(function () { self._register(); }, RETRY_MS);
        }
      }, function () {
        self._offline();
        setTimeout(function () { self._register(); }, RETRY_MS);
      });
  };

  // The real SDK asks for a new token shortly before the one it holds expires.
  Player.prototype._scheduleRenewal = function (secs) {
    var self = this;
    clearTimeout(self._renew);
    if (typeof secs !== 'number' || secs <= 0) { return; }
    // A renewed token lives about as long again; a refused one is caught by the 401.
    self._renew = setTimeout(function () {
      if (self._connected) { self._askToken().then(function () { self._scheduleRenewal(secs); }); }
    }, Math.max(5, secs - 30) * 1000);
  };

  Player.prototype._poll = function () {
    var self = this;
    clearTimeout(self._timer);
    self._timer = setTimeout(function () {
      if (!self._connected || !self._deviceId) { return; }
      self._call('GET', '/sdk/v1/devices/' + self._deviceId + '/state').then(function (answer) {
        if (!self._connected) { return; }
        if (answer.status === 401) { return self._refused(); }
        if (answer.status === 404) {
          // The device is gone (the sandbox forgot it): offline, then a new one.
          self._offline();
          self._deviceId = null;
          return self._register();
        }
        if (!answer.ok) { throw new Error('status ' + answer.status); }
        return answer.json().then(function (state) {
          self._back();
          self._update(state);
          self._poll();
        });
      }).catch(function () {
        self._offline();
        self._poll();
      });
    }, POLL_MS);
  };

  Player.prototype._refused = function () {
    this._stop();
    this._emit('authentication_error', { message: 'Authentication failed' });
  };

  Player.prototype._offline = function () {
    if (this._online) {
      this._online = false;
      this._emit('not_ready', { device_id: this._deviceId });
    }
  };

  Player.prototype._back = function () {
    if (!this._online) {
      this._online = true;
      this._emit('ready', { device_id: this._deviceId });
    }
  };

  // player_state_changed fires when the track or paused changes, not on progress.
  Player.prototype._update = function (state) {
    this._state = state;
    var key = state ? state.track_window.current_track.id + (state.paused ? ':paused' : ':playing') : null;
    if (key !== this._key) {
      this._key = key;
      this._emit('player_state_changed', state);
    }
  };

  Player.prototype._stop = function () {
    this._connected = false;
    this._online = false;
    clearTimeout(this._timer);
    clearTimeout(this._renew);
  };

  Player.prototype.disconnect = function () {
    var id = this._deviceId;
    this._stop();
    this._deviceId = null;
    this._key = undefined;
    if (id) { this._send('DELETE', '/sdk/v1/devices/' + id).catch(function () {}); }
  };

  Player.prototype.getCurrentState = function () {
    var self = this;
    if (!self._connected || !self._deviceId) { return Promise.resolve(null); }
    return self._call('GET', '/sdk/v1/devices/' + self._deviceId + '/state')
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .catch(function () { return null; });
  };

  function command(name) {
    return function () {
      var self = this;
      if (!self._connected || !self._deviceId) { return Promise.resolve(); }
      return self._call('POST', '/sdk/v1/devices/' + self._deviceId + '/' + name).then(function (answer) {
        if (answer.status === 401) { return self._refused(); }
        if (!answer.ok) {
          self._emit('playback_error', { message: 'Failed to perform playback' });
          return;
        }
        return answer.json().then(function (state) { self._update(state); });
      }).catch(function () {
        self._emit('playback_error', { message: 'Failed to perform playback' });
      });
    };
  }
  Player.prototype.togglePlay = command('toggle');
  Player.prototype.pause = command('pause');
  Player.prototype.resume = command('resume');
  Player.prototype.nextTrack = command('next');
  Player.prototype.previousTrack = command('previous');
  Player.prototype.seek = function () { return Promise.resolve(); };
  Player.prototype.getVolume = function () { return Promise.resolve(this._volume); };
  Player.prototype.setVolume = function (volume) { this._volume = volume; return Promise.resolve(); };
  Player.prototype.setName = function (name) { this._name = String(name); return Promise.resolve(); };
  Player.prototype.activateElement = function () { return Promise.resolve(); };

  window.Spotify = { Player: Player };
  if (typeof window.onSpotifyWebPlaybackSDKReady === 'function') {
    setTimeout(window.onSpotifyWebPlaybackSDKReady);
  }
})();
