//! The learner's front end, apart from the protocol: command-line arguments,
//! prompts (terminal, pipe, notebook), the browser opener, the printing of
//! every intermediate result, `doctor`, the one-line messages that name the
//! binary or flag to run, and [`setup`], which starts a session against the
//! sandbox or the real service for `cargo run`, the binaries and the notebooks.

pub mod browser;
pub mod catch;
pub mod cli;
pub mod diagram;
pub mod doctor;
pub mod message;
pub mod notebook;
pub mod report;
pub mod setup;
pub mod wire;

pub use message::message;
