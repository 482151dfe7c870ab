//! `--ca NAME|URL` and its TLS flags, for commands that work with the embedded CA and a remote
//! Fabric CA server alike: the flags become a `wallet_core` CA target, nothing more (which CA
//! when none is named is `wallet_core::ca::target::resolve`'s rule).

use crate::error::{exit, CliError, Result};
use crate::files::read_file;
use std::path::PathBuf;
use std::sync::Arc;
use wallet_core::ca::target::{self, CaTarget, TargetOverrides};
use wallet_core::ca::{CaError, CaService};
use wallet_core::Wallet;
use zeroize::Zeroizing;

/// Which CA: a CA in the wallet by name, or a Fabric CA server by URL; by default the
/// wallet's default CA (`wallet ca use`), else its only CA. Flattened into every verb that
/// works with a CA.
#[derive(Debug, Clone, clap::Args)]
pub struct CaTargetArgs {
    /// The CA: a name in the wallet or a Fabric CA URL (https://host:port[/path]); default: the wallet's default CA (`wallet ca use`), else its only CA
    #[arg(long, env = "WALLET_CA", value_name = "NAME|URL")]
    ca: Option<String>,
    /// The CA name on a multi-CA Fabric CA server
    #[arg(long, value_name = "NAME")]
    ca_name: Option<String>,
    /// PEM root certificate(s) the Fabric CA's TLS certificate must chain to
    #[arg(long, value_name = "FILE")]
    tls_root: Option<PathBuf>,
    /// PEM client TLS certificate, for a Fabric CA that requires client authentication
    #[arg(long, value_name = "FILE", requires = "client_key")]
    client_cert: Option<PathBuf>,
    /// PEM client TLS key
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    client_key: Option<PathBuf>,
    /// MSP ID of the identities a Fabric CA enrols (a Fabric CA does not know it)
    #[arg(long, value_name = "MSPID")]
    msp_id: Option<String>,
}

fn read_text(path: &std::path::Path) -> Result<String> {
    String::from_utf8(read_file(path)?).map_err(|_| CliError::usage(format!("{} is not PEM text", path.display())))
}

impl CaTargetArgs {
    /// The settings given on the command line for this call.
    fn overrides(&self) -> Result<TargetOverrides> {
        Ok(TargetOverrides {
            ca_name: self.ca_name.clone(),
            msp_id: self.msp_id.clone(),
            tls_root_pem: self.tls_root.as_deref().map(read_text).transpose()?,
            client_cert_pem: self.client_cert.as_deref().map(read_text).transpose()?,
            client_key_pem: self.client_key.as_deref().map(read_text).transpose()?.map(Zeroizing::new),
        })
    }

    /// The CA these flags name (or the wallet's default), not yet opened.
    pub fn target(&self, wallet: &Wallet) -> Result<CaTarget> {
        self.with(wallet, self.ca.as_deref())
    }

    /// Whether any CA or CA setting was given.
    pub fn names_a_ca(&self) -> bool {
        self.ca.is_some()
            || self.ca_name.is_some()
            || self.tls_root.is_some()
            || self.client_cert.is_some()
            || self.msp_id.is_some()
    }

    /// The CA named by `spec` (else --ca) with the settings given now, the default ignored.
    pub fn target_ignoring_default(&self, wallet: &Wallet, spec: Option<&str>) -> Result<CaTarget> {
        let Some(spec) = spec.or(self.ca.as_deref()) else {
            return Err(CliError::usage("no CA named").with_hint("give a Fabric CA URL or an embedded CA's name"));
        };
        self.with(wallet, Some(spec))
    }

    fn with(&self, wallet: &Wallet, spec: Option<&str>) -> Result<CaTarget> {
        let remote_flags = self.ca_name.is_some()
            || self.tls_root.is_some()
            || self.client_cert.is_some()
            || self.client_key.is_some();
        if remote_flags && !target::resolve(wallet, spec, TargetOverrides::default())?.is_remote() {
            return Err(CliError::usage(
                "--tls-root, --client-cert, --client-key and --ca-name apply to a Fabric CA URL",
            )
            .with_hint("pass --ca https://host:port, or make a Fabric CA the default with `wallet ca use URL`"));
        }
        target::resolve(wallet, spec, self.overrides()?).map_err(|e| match e {
            e @ wallet_core::Error::Ca(CaError::InvalidParameter { .. }) => CliError::from(e)
                .with_hint("pass --ca https://host:port, or set a Fabric CA as the default with `wallet ca use URL`"),
            e => e.into(),
        })
    }

    /// Open the CA: the same interface for the embedded CA and a Fabric CA server.
    pub fn open(&self, wallet: &Arc<Wallet>) -> Result<Box<dyn CaService>> {
        let target = self.target(wallet)?;
        target.open(wallet.clone()).map_err(|e| match e {
            wallet_core::Error::Ca(CaError::NoCa { .. }) => CliError::new(exit::NOT_FOUND, e.to_string()).with_hint(
                "create one with `wallet ca init NAME --msp-id MSPID`, or name a Fabric CA with --ca URL or `wallet ca use URL`",
            ),
            wallet_core::Error::Ca(CaError::AmbiguousCa { .. }) => CliError::usage(e.to_string())
                .with_hint("pass --ca NAME, set WALLET_CA, or make one the default with `wallet ca use NAME`"),
            e => e.into(),
        })
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
