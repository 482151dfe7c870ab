//! MSP folders as `fabric-ca-client enroll` writes them: `signcerts/`, `cacerts/`,
//! `intermediatecerts/`, `keystore/`, and `crls/`.

use crate::error::{Error, Result};
use crate::identity::Identity;
use std::path::Path;

/// Read an MSP folder into an identity: the certificate from `signcerts/`, the issuers from
/// `intermediatecerts/` and `cacerts/`, and the key in `keystore/` that matches the certificate.
pub fn read_dir(dir: &Path, label: &str, msp_id: &str) -> Result<Identity> {
    let _ = (label, msp_id);
    Err(Error::Unsupported(format!("MSP import not built yet ({})", dir.display())))
}

/// What to write besides the identity.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// File name (without `.pem`) for `cacerts/` and `intermediatecerts/`; default `ca`.
    pub ca_file_stem: Option<String>,
    /// A PEM CRL to write as `crls/crl.pem`.
    pub crl_pem: Option<String>,
}

/// Write an MSP folder (the key as `keystore/<hex sha256(point)>_sk`, mode 0600).
pub fn write_dir(dir: &Path, identity: &Identity, options: &WriteOptions) -> Result<()> {
    let _ = (identity, options);
    Err(Error::Unsupported(format!("MSP export not built yet ({})", dir.display())))
}
