//! `--ca NAME|URL` and its TLS flags, for commands that work with the embedded CA and a remote
//! Fabric CA server alike: the flags become a `wallet_core` CA, nothing more.

use crate::error::{CliError, Result};
use crate::files::read_file;
use std::path::PathBuf;
use wallet_core::ca::remote::{RemoteCa, RemoteCaOptions};
use wallet_core::ca::{CertificateAuthority, ReenrollOptions};
use wallet_core::{Identity, Wallet};

/// Which CA: a CA in the wallet by name, or a Fabric CA server by URL.
#[derive(Debug, clap::Args)]
pub struct CaTarget {
    /// The CA: a name in the wallet (default: its only CA) or a Fabric CA URL (https://host:port[/path])
    #[arg(long, env = "WALLET_CA", value_name = "NAME|URL")]
    ca: Option<String>,
    /// PEM root certificate(s) the Fabric CA's TLS certificate must chain to
    #[arg(long, value_name = "FILE")]
    tls_root: Option<PathBuf>,
    /// PEM client TLS certificate, for a Fabric CA that requires client authentication
    #[arg(long, value_name = "FILE", requires = "client_key")]
    client_cert: Option<PathBuf>,
    /// PEM client TLS key
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    client_key: Option<PathBuf>,
    /// The CA name on a multi-CA Fabric CA server
    #[arg(long, value_name = "NAME")]
    ca_name: Option<String>,
}

/// An opened CA.
#[derive(Debug)]
pub enum Ca {
    /// The embedded CA of the wallet.
    Embedded(Box<CertificateAuthority>),
    /// A Fabric CA server.
    Remote(Box<RemoteCa>),
}

impl Ca {
    /// Reenrol the identity under `label`.
    pub fn reenroll(&self, label: &str, options: &ReenrollOptions) -> wallet_core::Result<Identity> {
        match self {
            Ca::Embedded(ca) => ca.reenroll(label, options),
            Ca::Remote(ca) => ca.reenroll(label, options),
        }
    }

    /// The key identifier of the CA key that issues certificates (their AKI).
    pub fn issuer_key_id(&self) -> wallet_core::Result<Option<Vec<u8>>> {
        Ok(match self {
            Ca::Embedded(ca) => ca.certificate().subject_key_id(),
            Ca::Remote(ca) => ca.cainfo()?.chain.first().and_then(|c| c.subject_key_id()),
        })
    }
}

fn is_url(s: &str) -> bool {
    s.contains("://")
}

impl CaTarget {
    /// Open it. `msp_id` is given to identities a remote CA enrols (reenrolment keeps theirs).
    pub fn open(&self, wallet: &std::sync::Arc<Wallet>, msp_id: &str) -> Result<Ca> {
        match &self.ca {
            Some(url) if is_url(url) => {
                let mut options = RemoteCaOptions::new(url, msp_id);
                options.ca_name = self.ca_name.clone();
                options.tls_root_pem = self.tls_root.as_deref().map(read_file).transpose()?;
                options.client_cert_pem = self.client_cert.as_deref().map(read_file).transpose()?;
                options.client_key_pem = self.client_key.as_deref().map(read_file).transpose()?.map(Into::into);
                Ok(Ca::Remote(Box::new(RemoteCa::connect(wallet.clone(), options)?)))
            }
            _ if self.tls_root.is_some() || self.client_cert.is_some() || self.ca_name.is_some() => {
                Err(CliError::usage("--tls-root, --client-cert, --client-key and --ca-name apply to a Fabric CA URL")
                    .with_hint("pass --ca https://host:port"))
            }
            name => Ok(Ca::Embedded(Box::new(CertificateAuthority::open_default(wallet.clone(), name.as_deref())?))),
        }
    }
}

/// `30d`, `12h`, `90m`, `45s`, or a bare number of days.
pub fn parse_within(s: &str) -> std::result::Result<std::time::Duration, String> {
    let s = s.trim();
    let (number, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "d"),
    };
    let n: u64 = number.parse().map_err(|_| format!("{s:?} is not a duration like 30d, 12h, 90m or 45s"))?;
    let secs = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        "s" => 1,
        other => return Err(format!("unknown unit {other:?} in {s:?} (use d, h, m or s)")),
    };
    Ok(std::time::Duration::from_secs(n.saturating_mul(secs)))
}
