//! The consent page's HTML.

use crate::scopes::scope_description;
use crate::state::State;
use crate::users::{DEFAULT_USER_ID, USER_IDS};
use crate::util::html_escape;

/// The page for authorize request `request_id`: the app, the scopes asked in
/// plain words, the signed-in user, Agree and Cancel.
/// How many typed (not built-in) users the consent page offers, newest last.
const RECENT_TYPED_USERS: usize = 5;

pub(crate) fn consent_page(
    state: &State,
    request_id: &str,
    scopes: &[String],
    redirect_uri: &str,
) -> String {
    let app = html_escape(&state.options.app_name);
    // The built-in users and the last few typed ones: listing every typed id
    // would grow the page with each login (a benchmark signs in thousands);
    // older ones stay reachable through the text field. `state.users` has the
    // built-in ones first.
    let (built_in, typed) = state.users.split_at(USER_IDS.len());
    let listed = built_in
        .iter()
        .chain(&typed[typed.len().saturating_sub(RECENT_TYPED_USERS)..]);
    let mut users = String::new();
    for user in listed {
        let id = html_escape(&user.id);
        let checked = if user.id == DEFAULT_USER_ID {
            " checked"
        } else {
            ""
        };
        users.push_str(&format!(
            "        <label><input type=\"radio\" name=\"user\" value=\"{id}\"{checked}> {} ({id})</label><br>\n",
            html_escape(&user.display_name)
        ));
    }
    let default_name = state
        .user(DEFAULT_USER_ID)
        .map_or(DEFAULT_USER_ID, |u| u.display_name.as_str());
    let mut rows = String::new();
    for scope in scopes {
        let description = scope_description(scope).unwrap_or("");
        rows.push_str(&format!(
            "        <tr><td><code>{}</code></td><td>{}</td></tr>\n",
            html_escape(scope),
            html_escape(description)
        ));
    }
    let asked = if scopes.is_empty() {
        format!(
            "    <p id=\"no-scopes\">{app} asks for no scopes: it will see only public data \
             and your public profile.</p>\n"
        )
    } else {
        format!(
            "    <table id=\"scopes\">\n      <caption>{app} would like to:</caption>\n      \
             <thead><tr><th scope=\"col\">Scope</th><th scope=\"col\">What it allows</th></tr></thead>\n      \
             <tbody>\n{rows}      </tbody>\n    </table>\n"
        )
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Authorize {app} - Spotify (offline sandbox)</title>
  <style>
    body {{ font-family: system-ui, sans-serif; background: #121212; color: #fff; margin: 0; }}
    main {{ max-width: 34rem; margin: 2rem auto; padding: 2rem; background: #181818; border-radius: 8px; }}
    .sandbox {{ color: #b3b3b3; font-size: .85rem; }}
    table {{ border-collapse: collapse; width: 100%; margin: 1rem 0; }}
    caption {{ text-align: left; font-weight: bold; padding-bottom: .5rem; }}
    th, td {{ text-align: left; padding: .4rem; border-bottom: 1px solid #333; vertical-align: top; }}
    code {{ color: #1ed760; }}
    td code {{ white-space: nowrap; }}
    button {{ font-size: 1rem; padding: .7rem 2rem; border-radius: 2rem; border: 0; margin: .5rem .5rem 0 0; cursor: pointer; }}
    #agree {{ background: #1ed760; color: #000; font-weight: bold; }}
    fieldset {{ border: 1px solid #333; border-radius: 4px; margin: 1rem 0; }}
    input[type=text] {{ font-size: 1rem; margin-top: .3rem; }}
    #cancel {{ background: transparent; color: #fff; border: 1px solid #777; }}
  </style>
</head>
<body>
  <main>
    <p class="sandbox">Offline sandbox standing in for accounts.spotify.com. No real account is involved.</p>
    <p id="user">Logged in as <strong>{user}</strong> ({user_id}), unless you choose another sandbox user below.</p>
    <h1 id="consent-heading">Connect <span id="app-name">{app}</span> to your Spotify account</h1>
{asked}    <p>After your choice you are sent back to <code id="redirect-uri">{redirect}</code>.
    You can remove this access at any time in your account settings.</p>
    <form method="post" action="/authorize/decision" aria-labelledby="consent-heading">
      <input type="hidden" name="request_id" value="{request_id}">
      <fieldset id="users">
        <legend>Sign in as (sandbox users)</legend>
{users}        <label for="other-user">or type a user id (a new one gets a fresh profile):</label>
        <input type="text" id="other-user" name="other_user" maxlength="64" pattern="[A-Za-z0-9._\-]{{1,64}}" autocomplete="off">
      </fieldset>
      <button type="submit" name="decision" value="agree" id="agree">Agree</button>
      <button type="submit" name="decision" value="cancel" id="cancel">Cancel</button>
    </form>
  </main>
</body>
</html>
"#,
        user = html_escape(default_name),
        user_id = DEFAULT_USER_ID,
        redirect = html_escape(redirect_uri),
        request_id = html_escape(request_id),
    )
}
