//! Interchange formats of the Fabric ecosystem. They are edges: nothing inside the library
//! depends on them.
//!
//! - [`id`]: Fabric SDK wallet `.id` JSON files (Node, Java and Go SDKs).
//! - [`msp`]: MSP folders as `fabric-ca-client` and cryptogen write them.
//! - [`pem_pair`]: a PEM certificate (chain) and a PEM private key.
//! - [`serialized`]: Fabric's `SerializedIdentity` protobuf.

pub mod id;
pub mod msp;
pub mod pem_pair;
pub mod serialized;
