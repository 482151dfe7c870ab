//! Interchange formats of the Fabric ecosystem. They are edges: nothing inside the library
//! depends on them.
//!
//! - [`caliper`]: the identities of a Hyperledger Caliper network configuration.
//! - [`id`]: Fabric SDK wallet `.id` JSON files (Node, Java and Go SDKs).
//! - [`msp`]: MSP folders as `fabric-ca-client` and cryptogen write them.
//! - [`pem_pair`]: a PEM certificate (chain) and a PEM private key.
//! - [`serialized`]: Fabric's `SerializedIdentity` protobuf.

pub mod caliper;
pub mod id;
pub mod msp;
pub mod pem_pair;
pub mod serialized;

#[cfg(test)]
pub(crate) mod test_support;

use crate::atomic_file::{AtomicWrite, PRIVATE_FILE_MODE};
use crate::error::{Error, Result};
use crate::identity::Identity;
use std::path::Path;
use zeroize::Zeroizing;

/// Mode of every file these exporters write (private keys and certificates alike).
const FILE_MODE: u32 = PRIVATE_FILE_MODE;
/// Mode of every folder these exporters create.
pub(crate) const DIR_MODE: u32 = 0o700;

/// The identity's private key as PKCS#8 PEM (LF), or an error naming the identity when the key
/// cannot leave its store.
pub(crate) fn pkcs8_pem(identity: &Identity, format: &str) -> Result<Zeroizing<String>> {
    let der = identity.signer().export_pkcs8_der().ok_or_else(|| {
        Error::Unsupported(format!(
            "the private key of {:?} cannot leave its store, so it cannot be written as {format}",
            identity.label()
        ))
    })?;
    let doc = pkcs8::SecretDocument::try_from(der.as_slice())
        .map_err(|e| Error::Key { what: identity.label().into(), detail: format!("PKCS#8 export failed ({e})") })?;
    doc.to_pem("PRIVATE KEY", pkcs8::LineEnding::LF)
        .map_err(|e| Error::Key { what: identity.label().into(), detail: format!("PEM encoding failed ({e})") })
}

/// Create `dir` and its missing parents with mode 0700 (existing folders are left as they are).
pub fn create_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir).map_err(|source| Error::Io { context: "cannot create folder", path: dir.into(), source })
}

/// Write `data` to `path` atomically with mode 0600 (through [`crate::atomic_file`]). Without
/// `overwrite` an existing file is never replaced, even by a writer racing with us.
pub(crate) fn write_private(path: &Path, data: &[u8], overwrite: bool) -> Result<()> {
    AtomicWrite::new(FILE_MODE).overwrite(overwrite).write(path, data)
}

/// Read a file that may hold a private key into memory that is wiped when dropped.
pub(crate) fn read_secret_file(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    std::fs::read(path).map(Zeroizing::new).map_err(|source| Error::Io {
        context: "cannot read",
        path: path.into(),
        source,
    })
}
