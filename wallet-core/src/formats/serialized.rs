//! Fabric `SerializedIdentity { string mspid = 1; bytes id_bytes = 2; }` with the PEM
//! certificate in `id_bytes`.

use crate::error::{Error, Result};
use crate::identity::Identity;

/// The SerializedIdentity bytes of an identity (certificate re-encoded as PEM with LF, as Fabric Go does).
pub fn serialize(identity: &Identity) -> Vec<u8> {
    encode(identity.msp_id(), identity.certificate().to_pem().as_bytes())
}

/// Encode a SerializedIdentity from its two fields.
pub fn encode(msp_id: &str, id_bytes: &[u8]) -> Vec<u8> {
    let _ = (msp_id, id_bytes);
    Vec::new()
}

/// Decode a SerializedIdentity into `(mspid, id_bytes)`.
pub fn decode(bytes: &[u8]) -> Result<(String, Vec<u8>)> {
    let _ = bytes;
    Err(Error::Unsupported("SerializedIdentity decoding not built yet".into()))
}
