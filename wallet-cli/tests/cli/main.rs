//! The `wallet` binary, run as a user would: one test per command and one per error message.
//!
//! Every wallet lives in a temporary folder; passphrases travel in WALLET_PASSPHRASE or
//! --passphrase-file. Stdin and stderr are not terminals here, so no test can block on a prompt.

mod common;

mod bench;
mod ca;
mod damage;
mod export;
mod formats;
mod grammar;
mod help;
mod hostile;
mod hygiene;
mod import;
mod kill;
mod lifecycle;
mod pkilint;
mod readme;
mod remote_ca;
mod renew;
mod scripting;
mod show;
mod sign_verify;
