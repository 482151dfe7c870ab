//! shared helpers for integration tests

pub mod pki;
pub mod tools;
