// With JavaScript on, the player buttons act in place (fetch, then the player
// card is updated from /api/player); with it off, the forms post and come back.
(function () {
  var message = document.getElementById('player-message');
  function text(id, value) { var el = document.getElementById(id); if (el) { el.textContent = value; } }
  function refresh() {
    fetch('/api/player', { headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) { return; }
        var item = p.item || {};
        var by = (item.artists || []).map(function (a) { return a.name; }).join(', ') || (item.show ? item.show.name : '');
        text('player-state', p.item ? (p.is_playing ? 'Playing' : 'Paused') : 'Nothing is playing');
        text('now-playing', item.name || '');
        text('now-by', by);
        text('device', p.device ? 'on ' + p.device.name : '');
      }).catch(function () {});
  }
  document.querySelectorAll('form.player-command').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      fetch(form.action, { method: 'POST', headers: { Accept: 'application/json' } })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (answer) {
          if (answer.ok) { if (message) { message.textContent = ''; } refresh(); return; }
          if (answer.body && answer.body.login) { window.location = answer.body.login; return; }
          if (message) { message.textContent = (answer.body && answer.body.error) || 'The player did not follow.'; }
        }).catch(function () { if (message) { message.textContent = 'The app could not be reached.'; } });
    });
  });
  if (document.getElementById('player')) { setInterval(refresh, 10000); }
  // The browser's own player (static/playback.js) says when playback changed.
  document.addEventListener('player-changed', refresh);
})();
