//! Which CA an operation speaks to, and the wallet's default CA.
//!
//! A CA is named either by the name of an embedded CA in the wallet or by the URL of a Fabric
//! CA server (`https://host:port[/base/path]` or `http://…`, with its CA name, TLS root and
//! client TLS). [`resolve`] turns what a caller gave into a [`CaTarget`]: a URL or name given
//! wins; else the wallet's default CA ([`set_default`]), with the TLS and CA-name settings
//! given on top; else the only embedded CA in the wallet. [`CaTarget::open`] gives the
//! [`CaService`], so the code that uses a CA is the same for both kinds.
//!
//! The default is one record in the wallet (kind `settings`, name `default-ca`), so it
//! travels with the wallet on every backend. It holds the URL, the CA name, the MSP ID and
//! the PEM of the TLS root and client TLS pair (the client key is as well protected there as
//! the identities' keys: each backend protects its records at rest).

use super::{CaError, CaService, CertificateAuthority};
use crate::backend::{Expect, RecordKey};
use crate::error::{Error, Result};
use crate::wallet::Wallet;
use std::sync::Arc;
use zeroize::Zeroizing;

/// Record kind of wallet-wide settings.
pub const SETTINGS_KIND: &str = "settings";
/// Record name of the default CA.
pub const DEFAULT_CA_RECORD: &str = "default-ca";

/// A Fabric CA server and how to reach it.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RemoteTarget {
    /// `https://host:port[/base/path]` or `http://…`.
    pub url: String,
    /// The CA on a multi-CA server; `None` = its default CA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_name: Option<String>,
    /// MSP ID given to identities it enrols (Fabric CA does not know it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msp_id: Option<String>,
    /// PEM root(s) its TLS certificate chains to; `None` = the public web roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_root_pem: Option<String>,
    /// PEM client TLS certificate, for a server that requires client authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_cert_pem: Option<String>,
    /// PEM client TLS key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key_pem: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for RemoteTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteTarget")
            .field("url", &self.url)
            .field("ca_name", &self.ca_name)
            .field("msp_id", &self.msp_id)
            .field("tls_root", &self.tls_root_pem.is_some())
            .field("client_cert", &self.client_cert_pem.is_some())
            .field("client_key", &self.client_key_pem.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A CA: embedded in the wallet, or a Fabric CA server.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum CaTarget {
    /// The embedded CA of this name; `None` = the only one in the wallet.
    Embedded {
        /// Its name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// A Fabric CA server.
    Remote(RemoteTarget),
}

/// Settings given for this one call, laid over the named or default CA. Each applies to a
/// Fabric CA only; giving one for an embedded CA is refused.
#[derive(Clone, Default)]
pub struct TargetOverrides {
    /// CA name on the server.
    pub ca_name: Option<String>,
    /// MSP ID of enrolled identities.
    pub msp_id: Option<String>,
    /// PEM TLS root(s).
    pub tls_root_pem: Option<String>,
    /// PEM client TLS certificate.
    pub client_cert_pem: Option<String>,
    /// PEM client TLS key.
    pub client_key_pem: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for TargetOverrides {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TargetOverrides")
            .field("ca_name", &self.ca_name)
            .field("msp_id", &self.msp_id)
            .field("tls_root", &self.tls_root_pem.is_some())
            .field("client_cert", &self.client_cert_pem.is_some())
            .field("client_key", &self.client_key_pem.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl TargetOverrides {
    /// Whether any setting is given. The MSP ID is not counted: it is harmless for an
    /// embedded CA, which knows its own.
    fn any_remote(&self) -> bool {
        self.ca_name.is_some()
            || self.tls_root_pem.is_some()
            || self.client_cert_pem.is_some()
            || self.client_key_pem.is_some()
    }

    fn apply(self, target: &mut RemoteTarget) {
        let TargetOverrides { ca_name, msp_id, tls_root_pem, client_cert_pem, client_key_pem } = self;
        if ca_name.is_some() {
            target.ca_name = ca_name;
        }
        if msp_id.is_some() {
            target.msp_id = msp_id;
        }
        if tls_root_pem.is_some() {
            target.tls_root_pem = tls_root_pem;
        }
        if client_cert_pem.is_some() || client_key_pem.is_some() {
            target.client_cert_pem = client_cert_pem;
            target.client_key_pem = client_key_pem;
        }
    }
}

/// Whether `spec` names a Fabric CA by URL rather than an embedded CA by name.
pub fn is_url(spec: &str) -> bool {
    spec.contains("://")
}

impl CaTarget {
    /// A URL (`scheme://…`) names a Fabric CA server, anything else an embedded CA.
    pub fn parse(spec: &str) -> Self {
        if is_url(spec) {
            CaTarget::Remote(RemoteTarget { url: spec.into(), ..Default::default() })
        } else {
            CaTarget::Embedded { name: Some(spec.into()) }
        }
    }

    /// Whether this is a Fabric CA server.
    pub fn is_remote(&self) -> bool {
        matches!(self, CaTarget::Remote(_))
    }

    /// What messages show: the URL, or the embedded CA's name.
    pub fn display(&self) -> String {
        match self {
            CaTarget::Embedded { name: Some(n) } => n.clone(),
            CaTarget::Embedded { name: None } => "the wallet's CA".into(),
            CaTarget::Remote(r) => match &r.ca_name {
                Some(n) => format!("{} (CA {n})", r.url),
                None => r.url.clone(),
            },
        }
    }

    /// Open it on `wallet`. Nothing is sent to a remote server yet.
    pub fn open(&self, wallet: Arc<Wallet>) -> Result<Box<dyn CaService>> {
        match self {
            CaTarget::Embedded { name } => Ok(Box::new(CertificateAuthority::open_default(wallet, name.as_deref())?)),
            CaTarget::Remote(r) => open_remote(wallet, r),
        }
    }
}

#[cfg(feature = "remote-ca")]
fn open_remote(wallet: Arc<Wallet>, r: &RemoteTarget) -> Result<Box<dyn CaService>> {
    use super::remote::{RemoteCa, RemoteCaOptions};
    let mut options = RemoteCaOptions::new(&r.url, r.msp_id.as_deref().unwrap_or_default());
    options.ca_name = r.ca_name.clone();
    options.tls_root_pem = r.tls_root_pem.as_ref().map(|p| p.as_bytes().to_vec());
    options.client_cert_pem = r.client_cert_pem.as_ref().map(|p| p.as_bytes().to_vec());
    options.client_key_pem = r.client_key_pem.as_ref().map(|p| Zeroizing::new(p.as_bytes().to_vec()));
    Ok(Box::new(RemoteCa::connect(wallet, options)?))
}

#[cfg(not(feature = "remote-ca"))]
fn open_remote(_: Arc<Wallet>, r: &RemoteTarget) -> Result<Box<dyn CaService>> {
    Err(Error::Unsupported(format!(
        "{} is a Fabric CA server, and this build has no Fabric CA client (cargo feature remote-ca)",
        r.url
    )))
}

fn record_key() -> RecordKey {
    RecordKey::new(SETTINGS_KIND, DEFAULT_CA_RECORD)
}

/// The wallet's default CA, if one is set.
pub fn default_ca(wallet: &Wallet) -> Result<Option<CaTarget>> {
    let Some(rec) = wallet.backend().get(&record_key())? else { return Ok(None) };
    let target = serde_json::from_slice(&rec.value).map_err(|e| CaError::Registry {
        record: record_key().to_string(),
        detail: format!("the default CA setting does not parse ({e})"),
    })?;
    Ok(Some(target))
}

/// Make `target` the wallet's default CA (replacing any). A named embedded CA must exist; a
/// remote one is only checked for its form here (see [`CaTarget::open`]).
pub fn set_default(wallet: &Wallet, target: &CaTarget) -> Result<()> {
    if let CaTarget::Embedded { name: Some(name) } = target {
        if !CertificateAuthority::list(wallet)?.contains(name) {
            return Err(CaError::UnknownCa { name: name.clone(), location: wallet.location() }.into());
        }
    }
    let value = Zeroizing::new(serde_json::to_vec(target).expect("a CA target always serializes"));
    wallet.backend().put(&record_key(), &value, Expect::Any)?;
    Ok(())
}

/// Forget the wallet's default CA; `false` if none was set.
pub fn clear_default(wallet: &Wallet) -> Result<bool> {
    wallet.backend().delete(&record_key(), Expect::Any)
}

/// The CA to use: `named` (a URL or an embedded CA's name) if given, else the wallet's
/// default, else the only embedded CA; `overrides` laid over a Fabric CA's settings.
pub fn resolve(wallet: &Wallet, named: Option<&str>, overrides: TargetOverrides) -> Result<CaTarget> {
    let mut target = match named {
        Some(spec) => CaTarget::parse(spec),
        None => default_ca(wallet)?.unwrap_or(CaTarget::Embedded { name: None }),
    };
    match &mut target {
        CaTarget::Remote(r) => overrides.apply(r),
        CaTarget::Embedded { .. } if overrides.any_remote() => {
            return Err(Error::from(CaError::InvalidParameter {
                what: "CA settings".into(),
                detail: format!(
                "a CA name on the server, a TLS root and client TLS apply to a Fabric CA URL, and {} is an embedded CA",
                target.display()
            ),
            }))
        }
        CaTarget::Embedded { .. } => {}
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::MemoryBackend;

    fn wallet() -> Wallet {
        Wallet::from_backend(Box::new(MemoryBackend::new()))
    }

    #[test]
    fn a_default_remote_ca_is_kept_and_overlaid() {
        let w = wallet();
        assert_eq!(resolve(&w, None, TargetOverrides::default()).unwrap(), CaTarget::Embedded { name: None });
        let remote = CaTarget::Remote(RemoteTarget {
            url: "https://ca.example.com:7054/base".into(),
            msp_id: Some("Org1MSP".into()),
            tls_root_pem: Some("ROOT".into()),
            client_key_pem: Some(Zeroizing::new("KEY".into())),
            ..Default::default()
        });
        set_default(&w, &remote).unwrap();
        assert_eq!(default_ca(&w).unwrap().as_ref(), Some(&remote));
        // Flags for this call override the stored settings, the rest stays.
        let got = resolve(&w, None, TargetOverrides { ca_name: Some("ca2".into()), ..Default::default() }).unwrap();
        let CaTarget::Remote(r) = got else { panic!("{got:?}") };
        assert_eq!((r.ca_name.as_deref(), r.tls_root_pem.as_deref()), (Some("ca2"), Some("ROOT")));
        // A name or URL given wins over the default.
        assert_eq!(
            resolve(&w, Some("org1-ca"), TargetOverrides::default()).unwrap(),
            CaTarget::Embedded { name: Some("org1-ca".into()) }
        );
        // The key never shows in Debug.
        assert!(!format!("{remote:?}").contains("KEY"));
        assert!(clear_default(&w).unwrap());
        assert!(!clear_default(&w).unwrap());
        assert_eq!(default_ca(&w).unwrap(), None);
    }

    #[test]
    fn tls_settings_for_an_embedded_ca_and_unknown_names_are_refused() {
        let w = wallet();
        let tls = || TargetOverrides { tls_root_pem: Some("ROOT".into()), ..Default::default() };
        let e = resolve(&w, Some("org1-ca"), tls()).unwrap_err();
        assert!(e.to_string().contains("apply to a Fabric CA URL"), "{e}");
        let e = resolve(&w, None, tls()).unwrap_err();
        assert!(e.to_string().contains("embedded CA"), "{e}");
        let e = set_default(&w, &CaTarget::parse("nope")).unwrap_err();
        assert!(matches!(e, Error::Ca(CaError::UnknownCa { .. })), "{e}");
        assert_eq!(default_ca(&w).unwrap(), None);
    }
}
