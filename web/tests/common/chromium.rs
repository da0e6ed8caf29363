//! Headless Chromium (the workspace's `test_support::chromium`), and the web
//! app's login as a person does it in the browser.

use std::time::Duration;
pub use test_support::chromium::Browser;
pub use test_support::wait_until;

/// The web app's login in a browser.
pub trait SignIn {
    /// Log in with Spotify, pick `user` on the sandbox's consent page, Agree.
    fn sign_in(&self, app: &str, user: &str);
}

impl SignIn for Browser {
    fn sign_in(&self, app: &str, user: &str) {
        self.open(app);
        self.click("#login");
        wait_until(Duration::from_secs(15), "the consent page", || {
            self.source().contains("id=\"agree\"")
        });
        self.click(&format!("input[name=user][value=\"{user}\"]"));
        self.click("#agree");
        wait_until(Duration::from_secs(15), "the app's page", || {
            self.url() == format!("{app}/") && self.source().contains("id=\"display-name\"")
        });
    }
}
