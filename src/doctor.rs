//! Checks of the setup, one line each (used by the `doctor` binary).
