//! Interchange formats of the Fabric ecosystem. They are edges: nothing inside the library
//! depends on them.
//!
//! - [`caliper`]: the identities of a Hyperledger Caliper network configuration.
//! - [`card`]: Hyperledger Composer business network cards (`.card`).
//! - [`console`]: the identity JSON of the Fabric Operations Console.
//! - [`id`]: Fabric SDK wallet `.id` JSON files (Node, Java and Go SDKs).
//! - [`msp`]: MSP folders as `fabric-ca-client` and cryptogen write them.
//! - [`pem_pair`]: a PEM certificate (chain) and a PEM private key.
//! - [`serialized`]: Fabric's `SerializedIdentity` protobuf.

pub mod caliper;
pub mod card;
pub mod console;
pub mod id;
pub mod msp;
pub mod pem_pair;
pub mod serialized;

#[cfg(test)]
pub(crate) mod test_support;

use crate::atomic_file::{AtomicWrite, PRIVATE_FILE_MODE};
use crate::crypto::KeyError;
use crate::error::{Error, Result};
use crate::identity::Identity;
use std::path::Path;
use zeroize::Zeroizing;

/// Mode of every file these exporters write (private keys and certificates alike).
const FILE_MODE: u32 = PRIVATE_FILE_MODE;
/// Mode of every folder these exporters create.
pub(crate) const DIR_MODE: u32 = 0o700;

/// The identity's private key as PKCS#8 PEM (LF), or [`KeyError::NotExportable`] naming the
/// identity and where its key lives when the key cannot leave its store.
pub(crate) fn pkcs8_pem(identity: &Identity) -> Result<Zeroizing<String>> {
    let der = identity.signer().export_pkcs8_der().ok_or_else(|| KeyError::NotExportable {
        label: identity.label().to_owned(),
        location: identity.key_ref().describe(),
    })?;
    let doc = pkcs8::SecretDocument::try_from(der.as_slice())
        .map_err(|e| KeyError::parse(identity.label(), format!("PKCS#8 export failed ({e})")))?;
    Ok(doc
        .to_pem("PRIVATE KEY", pkcs8::LineEnding::LF)
        .map_err(|e| KeyError::parse(identity.label(), format!("PEM encoding failed ({e})")))?)
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

#[cfg(test)]
mod tests {
    use super::test_support::{identity_with_key, TestCa};
    use crate::crypto::{KeyError, KeyStore, MemoryKeyStore};

    #[test]
    fn a_key_that_may_not_leave_its_store_is_refused_by_every_key_format_and_nothing_is_written() {
        let root = TestCa::root("Test Root");
        let key = MemoryKeyStore::new().generate("alice").unwrap().into();
        let identity = identity_with_key(&root, vec![root.cert.clone()], "alice", "Org1MSP", key);
        let location = identity.key_ref().describe();
        let tmp = tempfile::tempdir().unwrap();
        let refusals = [
            super::id::to_json(&identity).map(drop),
            super::id::write_file(&tmp.path().join("ids"), &identity, false).map(drop),
            super::msp::write_dir(&tmp.path().join("msp"), &identity, &Default::default()),
            super::pem_pair::to_pem(&identity).map(drop),
        ];
        for refusal in refusals {
            let err = refusal.unwrap_err();
            assert!(matches!(err, crate::Error::Key(KeyError::NotExportable { .. })), "{err}");
            let message = err.to_string();
            assert!(message.contains("\"alice\"") && message.contains(&location), "{message}");
        }
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0, "a refused export writes nothing");
        // Public data still exports.
        assert!(identity.certificate().to_pem().starts_with("-----BEGIN CERTIFICATE-----"));
        let sid = super::serialized::serialize(&identity);
        let (msp_id, cert) = super::serialized::decode_certificate(&sid).unwrap();
        assert_eq!((msp_id.as_str(), &cert), ("Org1MSP", identity.certificate()));
    }
}
