//! The `keychain:` scheme: `keychain:SERVICE[?store=NAME][&dir=PATH]`.
//!
//! - `SERVICE`: letters, digits, `.`, `_`, `-` (the wallet's name in the keychain).
//! - `store`: `secret-service` or `keyutils` on Linux (default `secret-service`); the default
//!   (`macos`, `windows`) elsewhere. Only read at create: the wallet remembers its store.
//! - `dir`: the companion folder; default `$WALLET_KEYCHAIN_DIR/SERVICE`, else
//!   `$XDG_DATA_HOME/wallet-keychain/SERVICE` (`~/.local/share/…`; `%APPDATA%\wallet-keychain\…`
//!   on Windows, `~/Library/Application Support/wallet-keychain/…` on macOS).

use super::backend::{random_name, CAPABILITIES};
use super::companion::{Companion, Meta, COMPANION_FORMAT};
use super::{KeychainBackend, KeychainError, KeychainStore, Secrets};
use crate::backend::provider::downcast;
use crate::backend::{Backend, BackendError, BackendUri, Capabilities, OpenOptions, Provider, RepairReport};
use crate::error::{Error, Result};
use std::path::PathBuf;

/// The environment variable naming the folder under which companion folders are made.
pub const ENV_KEYCHAIN_DIR: &str = "WALLET_KEYCHAIN_DIR";

/// What a `keychain:` URI says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeychainConfig {
    /// The wallet's name in the keychain.
    pub service: String,
    /// The store asked for (`None`: the platform's default, or what the wallet remembers).
    pub store: Option<KeychainStore>,
    /// The companion folder.
    pub dir: PathBuf,
}

impl KeychainConfig {
    /// Parse the part of a `keychain:` URI after the colon.
    pub fn parse(uri: &BackendUri) -> Result<Self> {
        let (service, query) = uri.rest().split_once('?').unwrap_or((uri.rest(), ""));
        if service.is_empty() {
            return Err(uri.invalid("keychain: needs a service name, e.g. keychain:org1"));
        }
        if !service.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) || service.len() > 64 {
            return Err(uri.invalid(format!(
                "keychain service {service:?} may hold only letters, digits, '.', '_' and '-' (at most 64)"
            )));
        }
        let mut store = None;
        let mut dir = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("store", name)) => {
                    let names = KeychainStore::ALL.map(KeychainStore::name).join(", ");
                    store = Some(KeychainStore::from_name(name).ok_or_else(|| {
                        uri.invalid(format!("unknown keychain store {name:?}; the stores are {names}"))
                    })?);
                }
                Some(("dir", path)) if !path.is_empty() => dir = Some(PathBuf::from(path)),
                _ => {
                    return Err(uri
                        .invalid(format!("unknown setting {pair:?}; a keychain: URI takes ?store=NAME and &dir=PATH")))
                }
            }
        }
        let dir = match dir {
            Some(dir) => dir,
            None => default_root()
                .ok_or_else(|| {
                    uri.invalid(format!(
                    "cannot find where to keep the companion folder: set {ENV_KEYCHAIN_DIR} or HOME, or add ?dir=PATH"
                ))
                })?
                .join(service),
        };
        Ok(Self { service: service.to_owned(), store, dir })
    }
}

fn default_root() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(root) = var(ENV_KEYCHAIN_DIR) {
        return Some(root);
    }
    if cfg!(windows) {
        return var("APPDATA").map(|a| a.join("wallet-keychain"));
    }
    if cfg!(target_os = "macos") {
        return var("HOME").map(|h| h.join("Library/Application Support/wallet-keychain"));
    }
    if let Some(xdg) = var("XDG_DATA_HOME").filter(|p| p.is_absolute()) {
        return Some(xdg.join("wallet-keychain"));
    }
    var("HOME").map(|h| h.join(".local/share/wallet-keychain"))
}

fn connect(store: KeychainStore) -> Result<Secrets> {
    if !store.compiled_in() {
        return Err(KeychainError::NotCompiledIn { store, why: "another operating system's keychain" }.into());
    }
    Ok(Secrets::open(store)?)
}

/// The service name of a wallet's entries: the SERVICE and the wallet's random id.
fn entry_service(meta: &Meta) -> String {
    format!("fabric-wallet {} {}", meta.service, meta.wallet_id)
}

/// The `keychain:` provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeychainProvider;

impl KeychainProvider {
    fn location(config: &KeychainConfig, store: KeychainStore) -> String {
        format!("keychain:{} ({}, companion folder {})", config.service, store, config.dir.display())
    }

    /// Open the wallet a URI names, as the concrete type.
    pub fn open_backend(uri: &BackendUri) -> Result<KeychainBackend> {
        let config = KeychainConfig::parse(uri)?;
        let companion = Companion::new(&config.dir);
        let Some(meta) = companion.read_meta()? else {
            return Err(BackendError::NoStore {
                location: format!("keychain:{} ({})", config.service, config.dir.display()),
            }
            .into());
        };
        let store = KeychainStore::from_name(&meta.store).ok_or_else(|| BackendError::Integrity {
            record: format!("keychain wallet description in {}", config.dir.display()),
            detail: format!("unknown keychain store {:?}", meta.store),
        })?;
        if config.store.is_some_and(|asked| asked != store) {
            return Err(uri.invalid(format!(
                "this wallet keeps its secrets in the {store} (store={}); drop ?store= or name that one",
                store.name()
            )));
        }
        let secrets = connect(store)?;
        Ok(KeychainBackend::new(companion, secrets, entry_service(&meta), Self::location(&config, store)))
    }
}

impl Provider for KeychainProvider {
    fn scheme(&self) -> &'static str {
        "keychain"
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    /// Checks that the keychain answers (an entry written, read and deleted) before making
    /// the companion folder, so `wallet init` reports a missing or locked keychain at once.
    fn create(&self, uri: &BackendUri, _options: &OpenOptions) -> Result<Box<dyn Backend>> {
        let config = KeychainConfig::parse(uri)?;
        let companion = Companion::new(&config.dir);
        if companion.read_meta()?.is_some() {
            return Err(Error::AlreadyExists {
                kind: "wallet",
                name: format!("keychain:{}", config.service),
                location: config.dir.display().to_string(),
            });
        }
        let store = config
            .store
            .or_else(KeychainStore::platform_default)
            .ok_or_else(|| uri.invalid("this operating system has no keychain this build knows; add ?store=NAME"))?;
        let secrets = connect(store)?;
        let meta = Meta {
            format: COMPANION_FORMAT,
            service: config.service.clone(),
            store: store.name().to_owned(),
            wallet_id: random_name(),
        };
        let service = entry_service(&meta);
        let probe = format!("probe-{}", random_name());
        secrets.set(&service, &probe, &[0u8; 32])?;
        let read = secrets.get(&service, &probe, "a probe written at create");
        secrets.delete(&service, &probe)?;
        if read?.is_none() {
            return Err(KeychainError::EntryMissing {
                store,
                entry: probe,
                what: "a probe written a moment earlier (the keychain does not keep what it is given)".into(),
            }
            .into());
        }
        companion.create_dirs()?;
        companion.write_meta(&meta)?;
        Ok(Box::new(KeychainBackend::new(companion, secrets, service, Self::location(&config, store))))
    }

    fn open(&self, uri: &BackendUri, _options: &OpenOptions) -> Result<Box<dyn Backend>> {
        Ok(Box::new(Self::open_backend(uri)?))
    }

    /// Deletes every keychain entry of the wallet, then its companion folder (files that are
    /// not the wallet's stay). A remove that stopped half-way is finished by the next one.
    fn remove(&self, uri: &BackendUri, _options: &OpenOptions) -> Result<()> {
        let config = KeychainConfig::parse(uri)?;
        let companion = Companion::new(&config.dir);
        if companion.read_meta()?.is_none() {
            if companion.has_leftovers() {
                return companion.remove_all();
            }
            return Err(BackendError::NoStore {
                location: format!("keychain:{} ({})", config.service, config.dir.display()),
            }
            .into());
        }
        Self::open_backend(uri)?.remove_everything()
    }

    /// Settles writes that stopped half-way (deleting entries no record names), checks that
    /// every record's keychain entry is there, and, where the keychain can list its entries
    /// (not the kernel keyring), deletes the wallet's entries that no record names.
    fn repair(&self, store: &dyn Backend) -> Result<RepairReport> {
        downcast::<KeychainBackend>(store, "keychain", "repair")?.repair()
    }
}
