//! The one table of providers: which URI schemes this build can open.
//!
//! | scheme     | store                                   | atomic batch | CAS delete | list | persistent | shared |
//! |------------|-----------------------------------------|:---:|:---:|:---:|:---:|:---:|
//! | `memory:`  | [`MemoryBackend`](super::MemoryBackend), one per open, gone with the process | yes | yes | yes | no | no |
//! | `file:`    | [`FileBackend`](super::file::FileBackend), an encrypted folder | yes | yes | yes | yes | yes (processes on one machine) |
//! | `vault:`, `vault+http:` | `VaultBackend` (feature `vault`), KV v2 in Vault/OpenBao | no | no | yes | yes | yes (machines) |
//! | `keychain:` | `KeychainBackend` (feature `keychain`): secrets in the OS keychain, the rest in a companion folder | no | yes | yes | yes | yes (one user's processes) |
//!
//! A scheme whose provider pulls dependencies is compiled in by a cargo feature of the same
//! name; its row in [`PROVIDERS`] carries the `#[cfg(feature = …)]`. A known scheme this build
//! was made without is named in [`PLANNED`], so its URI gets "rebuild with the feature" rather
//! than "unknown scheme".

use super::{file::FileProvider, Backend, BackendUri, MemoryProvider, OpenOptions, Provider};
use crate::error::Result;

/// Every provider this build has, in the order messages list them.
static PROVIDERS: &[&dyn Provider] = &[
    &MemoryProvider,
    &FileProvider,
    #[cfg(feature = "keychain")]
    &super::keychain::KeychainProvider,
    #[cfg(feature = "vault")]
    &super::vault::VaultProvider::TLS,
    #[cfg(feature = "vault")]
    &super::vault::VaultProvider::PLAIN_HTTP,
];

/// Schemes with a provider that this build may lack, and the cargo feature that adds it.
const PLANNED: &[(&str, &str)] = &[("keychain", "keychain"), ("vault", "vault"), ("vault+http", "vault")];

/// The providers of this build.
pub fn providers() -> &'static [&'static dyn Provider] {
    PROVIDERS
}

/// The provider of `uri`'s scheme; [`super::BackendError::InvalidUri`] if this build has none.
pub fn provider(uri: &BackendUri) -> Result<&'static dyn Provider> {
    if let Some(found) = PROVIDERS.iter().find(|p| p.scheme() == uri.scheme()) {
        return Ok(*found);
    }
    let known = PROVIDERS.iter().map(|p| format!("{}:", p.scheme())).collect::<Vec<_>>().join(", ");
    Err(uri.invalid(match PLANNED.iter().find(|(scheme, _)| *scheme == uri.scheme()) {
        Some((scheme, feature)) => {
            format!("this build has no {scheme}: backend (it needs the `{feature}` feature); it knows {known}")
        }
        None => format!("unknown scheme {:?}; this build knows {known}", uri.scheme()),
    }))
}

/// Open the existing store at `uri`.
pub fn open(uri: &str, options: &OpenOptions) -> Result<Box<dyn Backend>> {
    let uri = BackendUri::parse(uri)?;
    provider(&uri)?.open(&uri, options)
}

/// Create a new, empty store at `uri` (fails if one already exists there).
pub fn create(uri: &str, options: &OpenOptions) -> Result<Box<dyn Backend>> {
    let uri = BackendUri::parse(uri)?;
    provider(&uri)?.create(&uri, options)
}

/// Delete the store at `uri` and everything in it, with the credentials that open it.
pub fn remove(uri: &str, options: &OpenOptions) -> Result<()> {
    let uri = BackendUri::parse(uri)?;
    provider(&uri)?.remove(&uri, options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::BackendError;
    use crate::error::Error;

    #[test]
    fn schemes_are_unique_and_capabilities_agree_with_the_stores() {
        let mut seen = std::collections::BTreeSet::new();
        for p in providers() {
            assert!(seen.insert(p.scheme()), "{} twice", p.scheme());
            assert_eq!(p.scheme(), p.scheme().to_ascii_lowercase());
        }
        let memory = open("memory:", &OpenOptions::new()).unwrap();
        assert_eq!(memory.capabilities(), MemoryProvider.capabilities());
    }

    #[test]
    fn unknown_and_planned_schemes_say_which_ones_exist() {
        let err = open("nosuch://x", &OpenOptions::new()).unwrap_err();
        assert!(
            matches!(&err, Error::Backend(BackendError::InvalidUri { detail, .. }) if detail.contains("unknown scheme \"nosuch\"") && detail.contains("memory:, file:")),
            "{err}"
        );
        #[cfg(not(feature = "vault"))]
        {
            let err = open("vault://127.0.0.1:8200/w", &OpenOptions::new()).unwrap_err();
            assert!(
                matches!(&err, Error::Backend(BackendError::InvalidUri { detail, .. }) if detail.contains("`vault` feature")),
                "{err}"
            );
        }
    }
}
