//! The CA's unit tests, run once per key store, as rustls runs one suite per crypto provider:
//! [`software_keys`] (the scalar in the sealed record, as wallets have always held it) and
//! [`memory_keys`] (keys held by a [`MemoryKeyStore`](crate::crypto::MemoryKeyStore) that can
//! never be read or exported), so every rule of the CA is proved to work with a key it can
//! only ask to sign. The suite itself is `suite.rs`; each module here compiles it with its own
//! `key_stores()`.

mod memory_keys;
mod software_keys;
