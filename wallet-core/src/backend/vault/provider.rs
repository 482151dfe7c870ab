//! The `vault:` and `vault+http:` schemes in the provider table.

use super::VaultBackend;
use crate::backend::{Backend, BackendUri, Capabilities, OpenOptions, Provider};
use crate::error::Result;

/// What every vault store guarantees, for a store whose largest value is `max_value_len`.
pub(crate) const fn capabilities(max_value_len: usize) -> Capabilities {
    Capabilities::MINIMAL
        .with_list(true)
        .with_persistent(true)
        .with_shared(true)
        .with_max_value_len(Some(max_value_len))
}

/// Makes, opens and removes `vault:` (TLS) and `vault+http:` (plain HTTP to loopback) stores.
#[derive(Debug, Clone, Copy)]
pub struct VaultProvider {
    scheme: &'static str,
}

impl VaultProvider {
    /// `vault://HOST:PORT/MOUNT/PREFIX`, over TLS.
    pub const TLS: Self = Self { scheme: "vault" };
    /// `vault+http://127.0.0.1:PORT/MOUNT/PREFIX`, plain HTTP to a server on this machine.
    pub const PLAIN_HTTP: Self = Self { scheme: "vault+http" };
}

impl Provider for VaultProvider {
    fn scheme(&self) -> &'static str {
        self.scheme
    }

    fn capabilities(&self) -> Capabilities {
        capabilities(super::config::DEFAULT_MAX_VALUE_LEN)
    }

    fn create(&self, uri: &BackendUri, options: &OpenOptions) -> Result<Box<dyn Backend>> {
        Ok(Box::new(VaultBackend::create(uri, options)?))
    }

    fn open(&self, uri: &BackendUri, options: &OpenOptions) -> Result<Box<dyn Backend>> {
        Ok(Box::new(VaultBackend::open(uri, options)?))
    }

    fn remove(&self, uri: &BackendUri, options: &OpenOptions) -> Result<()> {
        VaultBackend::open(uri, options)?.destroy()
    }
}
