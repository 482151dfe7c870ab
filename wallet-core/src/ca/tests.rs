//! Unit tests of the CA.
