//! A client of a remote Fabric CA server (`fabric-ca-server` 1.4+, or a managed service that
//! speaks its REST API), with the same operations, request types and results as the embedded
//! [`CertificateAuthority`](crate::ca::CertificateAuthority).
//!
//! As with the embedded CA, the caller of every authenticated operation is the label of an
//! identity in the wallet: its certificate and its [`Signer`](crate::crypto::Signer) make the
//! request token, so a key that never leaves a vault or an HSM can act as a registrar.
//! Enrolment makes the key locally and sends only a CSR; the identity lands in the wallet
//! with the CA chain the server returned. Nothing is written to the wallet unless the server
//! said yes and the answer is complete.
//!
//! ```no_run
//! use wallet_core::ca::remote::{RemoteCa, RemoteCaOptions};
//! use wallet_core::ca::{EnrollRequest, RegistrationRequest, Secret};
//! use wallet_core::{backend::OpenOptions, Wallet};
//!
//! let wallet = Wallet::open("memory:", &OpenOptions::default())?;
//! let ca = RemoteCa::connect(std::sync::Arc::new(wallet), RemoteCaOptions::new("https://ca.org1.example.com:7054", "Org1MSP"))?;
//! ca.enroll(&EnrollRequest { id: "admin".into(), secret: Some(Secret::new("adminpw")), ..Default::default() })?;
//! let secret = ca.register("admin", &RegistrationRequest { id: "user1".into(), ..Default::default() })?;
//! # Ok::<(), wallet_core::Error>(())
//! ```

mod api;
mod service;
pub mod token;
mod transport;

pub use super::IdentityUpdate;
pub use crate::error::RemoteError;
pub use token::TokenForm;

use super::authority::forget_key_on_error;
use super::{
    Attribute, AttributeRequest, CaError, CertificateFilter, CertificateInfo, Crl, CrlOptions, EnrollRequest,
    IdentityInfo, IdentityState, ReenrollOptions, RegistrationRequest, RevocationReason, RevokeTarget,
    RevokedCertificate, Secret, SubjectNames,
};
use crate::error::{Error, Result};
use crate::identity::{validate_label, Certificate, Identity, IdentityKey};
use crate::wallet::Wallet;
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use std::sync::Arc;
use std::time::Duration;
use transport::{encode, Auth, TlsFiles, Transport};
use ureq::http::Method;
use zeroize::Zeroizing;

/// Default time limit of one request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default time limit of connecting.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the server is and how to talk to it.
#[derive(Clone)]
pub struct RemoteCaOptions {
    /// `https://host:port[/base/path]` or `http://…`. No user name or secret in it.
    pub url: String,
    /// The CA to address on a multi-CA server (`?ca=` / `caname`); `None` = the default CA.
    pub ca_name: Option<String>,
    /// MSP ID given to the identities enrolled through this client (Fabric CA does not know it).
    /// May be empty for a client that only reenrols (identities keep theirs), queries or
    /// registers; enrolment then asks for it.
    pub msp_id: String,
    /// PEM root(s) that the server's TLS certificate must chain to; `None` = the public web roots.
    pub tls_root_pem: Option<Vec<u8>>,
    /// PEM client TLS certificate, for servers that require client authentication.
    pub client_cert_pem: Option<Vec<u8>>,
    /// PEM client TLS key.
    pub client_key_pem: Option<Zeroizing<Vec<u8>>>,
    /// Limit on one whole request.
    pub timeout: Duration,
    /// Limit on connecting.
    pub connect_timeout: Duration,
    /// Which token to sign (the legacy one only for servers older than 1.4).
    pub token_form: TokenForm,
}

impl RemoteCaOptions {
    /// Options for a server at `url` whose identities belong to `msp_id`.
    pub fn new(url: &str, msp_id: &str) -> Self {
        Self {
            url: url.into(),
            ca_name: None,
            msp_id: msp_id.into(),
            tls_root_pem: None,
            client_cert_pem: None,
            client_key_pem: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            token_form: TokenForm::Current,
        }
    }
}

impl std::fmt::Debug for RemoteCaOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteCaOptions")
            .field("url", &self.url)
            .field("ca_name", &self.ca_name)
            .field("msp_id", &self.msp_id)
            .field("tls_root", &self.tls_root_pem.is_some())
            .field("client_cert", &self.client_cert_pem.is_some())
            .field("client_key", &self.client_key_pem.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("token_form", &self.token_form)
            .finish()
    }
}

/// What `cainfo` tells.
#[derive(Debug, Clone)]
pub struct RemoteCaInfo {
    /// The CA's name on the server (empty for the default CA of a one-CA server).
    pub ca_name: String,
    /// Its chain, nearest first (the CA certificate, its issuers, the root last).
    pub chain: Vec<Certificate>,
    /// The server's version (e.g. `1.5.21`).
    pub version: String,
    /// Idemix issuer public key (protobuf bytes), if the CA has one.
    pub issuer_public_key: Vec<u8>,
    /// Idemix revocation public key (PEM bytes), if the CA has one.
    pub issuer_revocation_public_key: Vec<u8>,
}

/// More enrolment settings that only a remote CA has.
#[derive(Debug, Clone, Default)]
pub struct RemoteEnrollOptions {
    /// The signing profile (`tls` for a TLS certificate, `ca` for an intermediate CA).
    pub profile: Option<String>,
}

/// A Fabric CA server seen through one wallet, with one connection pool.
#[derive(Debug)]
pub struct RemoteCa {
    wallet: Arc<Wallet>,
    options: RemoteCaOptions,
    transport: Transport,
}

fn protocol(operation: &str, url: &str, detail: impl Into<String>) -> Error {
    RemoteError::Protocol { operation: operation.into(), url: url.into(), status: 0, detail: detail.into() }.into()
}

impl RemoteCa {
    /// A client for the server of `options`, storing enrolled identities in `wallet`. Nothing
    /// is sent yet.
    pub fn connect(wallet: Arc<Wallet>, options: RemoteCaOptions) -> Result<Self> {
        if !options.msp_id.is_empty() {
            crate::identity::validate_msp_id(&options.msp_id)?;
        }
        let transport = Transport::new(
            &options.url,
            &TlsFiles {
                root_pem: options.tls_root_pem.as_deref(),
                client_cert_pem: options.client_cert_pem.as_deref(),
                client_key_pem: options.client_key_pem.as_ref().map(|k| k.as_slice()),
            },
            options.timeout,
            options.connect_timeout,
        )?;
        Ok(Self { wallet, options, transport })
    }

    /// The options this client was made with.
    pub fn options(&self) -> &RemoteCaOptions {
        &self.options
    }

    /// The server's address as messages show it.
    pub fn url(&self) -> &str {
        self.transport.display()
    }

    /// The wallet identities are stored in and act from.
    pub fn wallet(&self) -> &Arc<Wallet> {
        &self.wallet
    }

    /// The MSP ID given to enrolled identities.
    pub fn msp_id(&self) -> &str {
        &self.options.msp_id
    }

    /// The file stem `fabric-ca-client` gives the CA certificate in `cacerts/`:
    /// `<host>-<port>[-<caname>]` with `.` and `:` turned into `-`.
    pub fn msp_file_stem(&self) -> String {
        let (host, port) = self.transport.host_port();
        let mut stem = format!("{host}-{port}");
        if let Some(name) = &self.options.ca_name {
            stem.push('-');
            stem.push_str(name);
        }
        stem.replace([':', '.'], "-")
    }

    fn ca_name(&self) -> Option<&str> {
        self.options.ca_name.as_deref()
    }

    /// `?ca=<name>` (or `&ca=`) when a CA name is set.
    fn with_ca(&self, target: &str) -> String {
        match self.ca_name() {
            Some(name) => {
                let sep = if target.contains('?') { '&' } else { '?' };
                format!("{target}{sep}ca={}", encode(name))
            }
            None => target.to_owned(),
        }
    }

    fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
        serde_json::to_vec(value).expect("request bodies always serialize")
    }

    fn decode<T: serde::de::DeserializeOwned>(&self, operation: &str, value: serde_json::Value) -> Result<T> {
        serde_json::from_value(value)
            .map_err(|e| protocol(operation, self.url(), format!("the result has an unexpected shape ({e})")))
    }

    fn b64_text(&self, operation: &str, field: &str, value: &str) -> Result<Vec<u8>> {
        B64.decode(value.trim()).map_err(|_| protocol(operation, self.url(), format!("{field} is not base64")))
    }

    /// Send a request as the wallet identity `caller`.
    fn call_as(
        &self,
        operation: &str,
        caller: &str,
        method: Method,
        target: &str,
        body: Option<&[u8]>,
    ) -> Result<serde_json::Value> {
        let identity = self.wallet.get(caller)?;
        self.call_with(operation, &identity, method, target, body)
    }

    fn call_with(
        &self,
        operation: &str,
        identity: &Identity,
        method: Method,
        target: &str,
        body: Option<&[u8]>,
    ) -> Result<serde_json::Value> {
        let cert_pem = identity.certificate().to_pem();
        let auth =
            Auth::Token { signer: identity.signer(), cert_pem: cert_pem.as_bytes(), form: self.options.token_form };
        Ok(self.transport.send(operation, method, target, body, auth)?.1)
    }

    // ----- cainfo, enrol, reenrol --------------------------------------------------------------

    /// The CA's chain and version (no authentication).
    pub fn cainfo(&self) -> Result<RemoteCaInfo> {
        #[derive(serde::Serialize)]
        struct Body<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            caname: Option<&'a str>,
        }
        let body = Self::json(&Body { caname: self.ca_name() });
        let (_, result) = self.transport.send("cainfo", Method::POST, "cainfo", Some(&body), Auth::None)?;
        let info: api::ServerInfo = self.decode("cainfo", result)?;
        self.ca_info("cainfo", &info)
    }

    fn ca_info(&self, operation: &str, info: &api::ServerInfo) -> Result<RemoteCaInfo> {
        let chain_pem = self.b64_text(operation, "CAChain", &info.ca_chain)?;
        let chain = if chain_pem.is_empty() {
            vec![]
        } else {
            Certificate::parse_pem_chain(&chain_pem, &format!("the CA chain from {}", self.url()))?
        };
        Ok(RemoteCaInfo {
            ca_name: info.ca_name.clone(),
            chain,
            version: info.version.clone(),
            issuer_public_key: self.b64_text(operation, "IssuerPublicKey", &info.issuer_public_key)?,
            issuer_revocation_public_key: self.b64_text(
                operation,
                "IssuerRevocationPublicKey",
                &info.issuer_revocation_public_key,
            )?,
        })
    }

    /// Enrol with a secret: make a key here, send a CSR, store the identity (key, certificate,
    /// the CA's chain) in the wallet under `request.label` (default: the enrollment ID).
    pub fn enroll(&self, request: &EnrollRequest) -> Result<Identity> {
        self.enroll_with(request, &RemoteEnrollOptions::default())
    }

    /// [`enroll`](Self::enroll) with remote-only settings (signing profile).
    pub fn enroll_with(&self, request: &EnrollRequest, extra: &RemoteEnrollOptions) -> Result<Identity> {
        let label = request.label.as_deref().unwrap_or(&request.id);
        validate_label(label)?;
        // Refuse before the server counts an enrolment.
        if !request.overwrite && self.wallet.contains(label)? {
            return Err(Error::AlreadyExists {
                kind: "identity",
                name: label.into(),
                location: self.wallet.location(),
            });
        }
        if self.options.msp_id.is_empty() {
            return Err(CaError::NoMspId { url: self.url().into() }.into());
        }
        let key = self.wallet.generate_key(label)?;
        let names = request.names.clone().unwrap_or_else(fabric_client_names);
        // A key made in a vault or an HSM for an enrolment that failed is deleted again.
        let made = self.enroll_key(request, extra, label, key.clone(), &names).and_then(|identity| {
            self.wallet.put(&identity, request.overwrite)?;
            Ok(identity)
        });
        forget_key_on_error(&self.wallet, &key, made)
    }

    /// Write the identity stored under `label` as the MSP folder `fabric-ca-client` writes for
    /// this server (`cacerts/<host>-<port>[-<caname>].pem` unless `options` names the stem).
    pub fn export_msp(
        &self,
        label: &str,
        dir: &std::path::Path,
        options: &crate::formats::msp::WriteOptions,
    ) -> Result<()> {
        let identity = self.wallet.get(label)?;
        let mut options = options.clone();
        options.ca_file_stem.get_or_insert_with(|| self.msp_file_stem());
        crate::formats::msp::write_dir(dir, &identity, &options)
    }

    fn enroll_key(
        &self,
        request: &EnrollRequest,
        extra: &RemoteEnrollOptions,
        label: &str,
        key: IdentityKey,
        names: &SubjectNames,
    ) -> Result<Identity> {
        let csr = super::build_csr(key.signer().as_ref(), &request.id, names, &request.hosts)?;
        let result = self.post_enroll(request, extra, &csr)?;
        self.identity_from("enroll", result, label, &self.options.msp_id, key)
    }

    fn post_enroll(
        &self,
        request: &EnrollRequest,
        extra: &RemoteEnrollOptions,
        csr_pem: &str,
    ) -> Result<serde_json::Value> {
        let body = Self::json(&api::EnrollBody {
            hosts: &request.hosts,
            certificate_request: csr_pem,
            profile: extra.profile.as_deref().or(request.profile.as_deref()),
            caname: self.ca_name(),
            attr_reqs: attr_reqs(request.attr_reqs.as_deref()),
        });
        let secret = request.secret.as_ref().map(Secret::expose).unwrap_or_default();
        let auth = Auth::Basic { id: &request.id, secret };
        Ok(self.transport.send("enroll", Method::POST, "enroll", Some(&body), auth)?.1)
    }

    /// Enrol for a key held elsewhere: send its PKCS#10 request (DER or PEM) and return the
    /// certificate. Nothing is stored. The server requires the CSR's CN to be the enrollment ID.
    pub fn enroll_csr(&self, request: &EnrollRequest, csr_der: &[u8]) -> Result<Certificate> {
        // PEM is read too, as the embedded CA does.
        let parsed;
        let csr_der = match std::str::from_utf8(csr_der).ok().filter(|t| t.trim_start().starts_with("-----BEGIN")) {
            Some(text) => {
                parsed = pem::parse(text).map_err(|e| CaError::InvalidCsr { detail: format!("not PEM ({e})") })?;
                if parsed.tag() != "CERTIFICATE REQUEST" && parsed.tag() != "NEW CERTIFICATE REQUEST" {
                    return Err(CaError::InvalidCsr { detail: format!("a PEM {} is no CSR", parsed.tag()) }.into());
                }
                parsed.contents()
            }
            None => csr_der,
        };
        let csr_pem = pem::encode_config(
            &pem::Pem::new("CERTIFICATE REQUEST", csr_der.to_vec()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        );
        let result = self.post_enroll(request, &RemoteEnrollOptions::default(), &csr_pem)?;
        let result: api::EnrollResult = self.decode("enroll", result)?;
        let cert_pem = self.b64_text("enroll", "Cert", &result.cert)?;
        Certificate::from_pem(&cert_pem, &format!("the certificate from {}", self.url()))
    }

    fn identity_from(
        &self,
        operation: &str,
        result: serde_json::Value,
        label: &str,
        msp_id: &str,
        key: IdentityKey,
    ) -> Result<Identity> {
        let result: api::EnrollResult = self.decode(operation, result)?;
        let cert_pem = self.b64_text(operation, "Cert", &result.cert)?;
        let cert = Certificate::from_pem(&cert_pem, &format!("the certificate from {}", self.url()))?;
        let info = self.ca_info(operation, &result.server_info)?;
        let chain = crate::formats::msp::order_chain(&cert, info.chain);
        Identity::new(label, msp_id, cert, chain, key)
    }

    /// Reenrol the identity stored under `label` with its current certificate: same subject,
    /// a new key unless `options.reuse_key`. Replaces the wallet entry only on success.
    ///
    /// `options.allow_expired` has no effect here: whether an expired certificate may reenrol
    /// is the server's setting (`ca.reenrollignorecertexpiry`).
    pub fn reenroll(&self, label: &str, options: &ReenrollOptions) -> Result<Identity> {
        self.reenroll_with(label, options, &RemoteEnrollOptions::default())
    }

    /// [`reenroll`](Self::reenroll) with remote-only settings (signing profile).
    pub fn reenroll_with(
        &self,
        label: &str,
        options: &ReenrollOptions,
        extra: &RemoteEnrollOptions,
    ) -> Result<Identity> {
        let current = self.wallet.get(label)?;
        let old = current.certificate();
        let id = old.common_name().ok_or_else(|| CaError::CallerCertificate {
            label: label.into(),
            ca: self.url().into(),
            detail: "the certificate has no common name (enrollment ID)".into(),
        })?;
        let (names, _, _) = super::profile::split_name(&old.x509().tbs_certificate.subject);
        let key = if options.reuse_key { current.key().clone() } else { self.wallet.generate_key(label)? };
        let hosts = match &options.hosts {
            Some(h) => h.clone(),
            None => {
                old.subject_alt_names().iter().map(|s| s.split_once(':').map_or(s.clone(), |(_, v)| v.into())).collect()
            }
        };
        let made = self.reenroll_key(&current, label, &id, &names, &hosts, options, extra, key.clone());
        if options.reuse_key {
            made
        } else {
            forget_key_on_error(&self.wallet, &key, made)
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn reenroll_key(
        &self,
        current: &Identity,
        label: &str,
        id: &str,
        names: &SubjectNames,
        hosts: &[String],
        options: &ReenrollOptions,
        extra: &RemoteEnrollOptions,
        key: IdentityKey,
    ) -> Result<Identity> {
        let csr = super::build_csr(key.signer().as_ref(), id, names, hosts)?;
        let body = Self::json(&api::EnrollBody {
            hosts,
            certificate_request: &csr,
            profile: extra.profile.as_deref(),
            caname: self.ca_name(),
            attr_reqs: attr_reqs(options.attr_reqs.as_deref()),
        });
        let result = self.call_with("reenroll", current, Method::POST, "reenroll", Some(&body))?;
        // The identity keeps its MSP ID.
        let identity = self.identity_from("reenroll", result, label, current.msp_id(), key)?;
        self.wallet.put(&identity, true)?;
        Ok(identity)
    }

    // ----- registration --------------------------------------------------------------------------

    /// Register an identity, acting as `registrar`. Returns the secret (the one given, or the
    /// one the server generated).
    pub fn register(&self, registrar: &str, request: &RegistrationRequest) -> Result<Secret> {
        self.post_registration("register", registrar, "register", request)
    }

    /// Add an identity through the identities API (`fabric-ca-client identity add`): the same
    /// as [`register`](Self::register) at another endpoint.
    pub fn add_identity(&self, registrar: &str, request: &RegistrationRequest) -> Result<Secret> {
        self.post_registration("identity add", registrar, "identities", request)
    }

    fn post_registration(
        &self,
        operation: &str,
        registrar: &str,
        endpoint: &str,
        request: &RegistrationRequest,
    ) -> Result<Secret> {
        let body = Self::json(&api::RegisterBody {
            id: &request.id,
            identity_type: request.identity_type.as_deref(),
            secret: request.secret.as_ref().map(Secret::expose),
            max_enrollments: request.max_enrollments,
            affiliation: request.affiliation.as_deref(),
            attrs: &request.attributes,
            caname: self.ca_name(),
        });
        let body = Zeroizing::new(body);
        let result = self.call_as(operation, registrar, Method::POST, endpoint, Some(&body))?;
        let result: api::SecretResult = self.decode(operation, result)?;
        Ok(Secret::new(result.secret))
    }

    // ----- identities ----------------------------------------------------------------------------

    /// One registered identity, as `caller` may see it.
    pub fn identity(&self, caller: &str, id: &str) -> Result<IdentityInfo> {
        let target = self.with_ca(&format!("identities/{}", encode(id)));
        let result = self.call_as("identity get", caller, Method::GET, &target, None)?;
        Ok(identity_info(self.decode("identity get", result)?))
    }

    /// Every registered identity `caller` may see, sorted by ID.
    pub fn identities(&self, caller: &str) -> Result<Vec<IdentityInfo>> {
        let result = self.call_as("identity list", caller, Method::GET, &self.with_ca("identities"), None)?;
        let list: api::IdentitiesResult = self.decode("identity list", result)?;
        let mut out: Vec<IdentityInfo> = list.identities.into_iter().map(identity_info).collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    /// Change a registered identity, acting as `registrar`. Returns it as changed.
    pub fn modify_identity(&self, registrar: &str, id: &str, update: &IdentityUpdate) -> Result<IdentityInfo> {
        let body = Zeroizing::new(Self::json(&api::ModifyIdentityBody {
            identity_type: update.identity_type.as_deref(),
            affiliation: update.affiliation.as_deref(),
            attrs: &update.attributes,
            max_enrollments: update.max_enrollments,
            secret: update.secret.as_ref().map(Secret::expose),
            caname: self.ca_name(),
        }));
        let target = format!("identities/{}", encode(id));
        let result = self.call_as("identity modify", registrar, Method::PUT, &target, Some(&body))?;
        Ok(identity_info(self.decode("identity modify", result)?))
    }

    /// Remove a registered identity (the server must allow it: `cfg.identities.allowremove`);
    /// `force` is needed to remove the caller itself. Returns what was removed.
    pub fn remove_identity(&self, registrar: &str, id: &str, force: bool) -> Result<IdentityInfo> {
        let mut target = format!("identities/{}", encode(id));
        if force {
            target.push_str("?force=true");
        }
        let result = self.call_as("identity remove", registrar, Method::DELETE, &self.with_ca(&target), None)?;
        Ok(identity_info(self.decode("identity remove", result)?))
    }

    // ----- affiliations --------------------------------------------------------------------------

    /// Every affiliation `caller` may see, dotted, sorted.
    pub fn affiliations(&self, caller: &str) -> Result<Vec<String>> {
        let result = self.call_as("affiliation list", caller, Method::GET, &self.with_ca("affiliations"), None)?;
        let tree: api::AffiliationJson = self.decode("affiliation list", result)?;
        Ok(tree.names())
    }

    /// Add an affiliation, acting as `registrar`; `force` adds missing parents too.
    pub fn add_affiliation(&self, registrar: &str, name: &str, force: bool) -> Result<()> {
        let body = Self::json(&api::AffiliationBody { name, force, caname: self.ca_name() });
        let target = if force { "affiliations?force=true" } else { "affiliations" };
        self.call_as("affiliation add", registrar, Method::POST, target, Some(&body))?;
        Ok(())
    }

    /// Rename an affiliation (and everything below it); `force` also moves the identities.
    pub fn modify_affiliation(&self, registrar: &str, name: &str, new_name: &str, force: bool) -> Result<()> {
        let body = Self::json(&api::AffiliationBody { name: new_name, force, caname: self.ca_name() });
        let mut target = format!("affiliations/{}", encode(name));
        if force {
            target.push_str("?force=true");
        }
        self.call_as("affiliation modify", registrar, Method::PUT, &target, Some(&body))?;
        Ok(())
    }

    /// Remove an affiliation (the server must allow it: `cfg.affiliations.allowremove`);
    /// `force` also removes what is below it and the identities in it.
    pub fn remove_affiliation(&self, registrar: &str, name: &str, force: bool) -> Result<()> {
        let mut target = format!("affiliations/{}", encode(name));
        if force {
            target.push_str("?force=true");
        }
        self.call_as("affiliation remove", registrar, Method::DELETE, &self.with_ca(&target), None)?;
        Ok(())
    }

    // ----- certificates, revocation, CRLs --------------------------------------------------------

    /// Certificates the CA issued that `caller` may see, matching `filter`, sorted by serial.
    pub fn certificates(&self, caller: &str, filter: &CertificateFilter) -> Result<Vec<CertificateInfo>> {
        let mut params = vec![];
        for (name, value) in [("id", &filter.id), ("serial", &filter.serial)] {
            if let Some(v) = value {
                params.push(format!("{name}={}", encode(v)));
            }
        }
        if filter.exclude_expired {
            params.push("notexpired=true".into());
        }
        if filter.exclude_revoked {
            params.push("notrevoked=true".into());
        }
        let target =
            if params.is_empty() { "certificates".to_owned() } else { format!("certificates?{}", params.join("&")) };
        let result = self.call_as("certificate list", caller, Method::GET, &self.with_ca(&target), None)?;
        let list: api::CertificatesResult = self.decode("certificate list", result)?;
        let mut out = vec![];
        for c in list.certs {
            let cert = Certificate::from_pem(c.pem.as_bytes(), &format!("a certificate listed by {}", self.url()))?;
            out.push(CertificateInfo {
                serial: cert.serial_hex(),
                aki: cert.authority_key_id().map(hex::encode).unwrap_or_default(),
                id: cert.common_name().unwrap_or_default(),
                not_before: cert.not_before(),
                not_after: cert.not_after(),
                revoked_at: None,
                reason: None,
                pem: c.pem,
            });
        }
        out.sort_by(|a, b| a.serial.cmp(&b.serial));
        Ok(out)
    }

    /// Revoke, acting as `registrar`: an identity (and all its certificates) or one certificate.
    pub fn revoke(
        &self,
        registrar: &str,
        target: &RevokeTarget,
        reason: RevocationReason,
    ) -> Result<Vec<RevokedCertificate>> {
        Ok(self.revoke_with_crl(registrar, target, reason, false)?.0)
    }

    /// [`revoke`](Self::revoke), and with `gencrl` also get the new CRL in the same call.
    pub fn revoke_with_crl(
        &self,
        registrar: &str,
        target: &RevokeTarget,
        reason: RevocationReason,
        gencrl: bool,
    ) -> Result<(Vec<RevokedCertificate>, Option<Crl>)> {
        let (id, serial, aki) = match target {
            RevokeTarget::Identity(id) => (id.as_str(), "", ""),
            RevokeTarget::Certificate { serial, aki } => ("", serial.as_str(), aki.as_str()),
        };
        let body =
            Self::json(&api::RevokeBody { id, serial, aki, reason: reason.name(), caname: self.ca_name(), gencrl });
        let result = self.call_as("revoke", registrar, Method::POST, "revoke", Some(&body))?;
        let result: api::RevokeResult = self.decode("revoke", result)?;
        let revoked = result
            .revoked_certs
            .unwrap_or_default()
            .into_iter()
            .map(|r| RevokedCertificate { serial: r.serial.to_ascii_lowercase(), aki: r.aki.to_ascii_lowercase() })
            .collect();
        let crl = match result.crl.as_deref().map(str::trim) {
            Some(b64) if !b64.is_empty() => Some(self.crl_from("revoke", b64)?),
            _ => None,
        };
        Ok((revoked, crl))
    }

    /// A CRL of the revoked, not yet expired certificates, acting as `registrar` (needs
    /// `hf.GenCRL`). The server sets its lifetime (`crl.expiry`), so `options.validity` must be
    /// `None`; `expired_before_excluded` becomes the server's `expireafter` filter.
    pub fn generate_crl(&self, registrar: &str, options: &CrlOptions) -> Result<Crl> {
        if options.validity.is_some() {
            return Err(CaError::InvalidParameter {
                what: "CRL validity".into(),
                detail: "a Fabric CA server sets the CRL lifetime itself (crl.expiry in its configuration)".into(),
            }
            .into());
        }
        let rfc3339 = |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).ok();
        let body = Self::json(&api::GenCrlBody {
            caname: self.ca_name(),
            revokedafter: None,
            revokedbefore: None,
            expireafter: options.expired_before_excluded.and_then(rfc3339),
            expirebefore: None,
        });
        let result = self.call_as("gencrl", registrar, Method::POST, "gencrl", Some(&body))?;
        let result: api::CrlResult = self.decode("gencrl", result)?;
        self.crl_from("gencrl", &result.crl)
    }

    fn crl_from(&self, operation: &str, b64: &str) -> Result<Crl> {
        use der::Decode;
        let pem_text = self.b64_text(operation, "CRL", b64)?;
        let block =
            pem::parse(&pem_text).map_err(|e| protocol(operation, self.url(), format!("the CRL is not PEM ({e})")))?;
        let der = block.contents().to_vec();
        let crl = x509_cert::crl::CertificateList::from_der(&der)
            .map_err(|e| protocol(operation, self.url(), format!("the CRL does not parse ({e})")))?;
        let number = crl
            .tbs_cert_list
            .crl_extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_CRL_NUMBER)
            .and_then(|e| x509_cert::ext::pkix::CrlNumber::from_der(e.extn_value.as_bytes()).ok())
            .map_or(0, |n| n.0.as_bytes().iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)));
        let entries = crl.tbs_cert_list.revoked_certificates.map_or(0, |r| r.len());
        Ok(Crl { der, number, entries })
    }
}

/// The subject `fabric-ca-client` puts in its CSRs by default (`C=US, ST=North Carolina,
/// O=Hyperledger`; its `OU=Fabric` is dropped by the server anyway).
fn fabric_client_names() -> SubjectNames {
    SubjectNames::fabric_default()
}

fn attr_reqs(reqs: Option<&[AttributeRequest]>) -> Option<Vec<api::AttrReq<'_>>> {
    reqs.map(|r| r.iter().map(|a| api::AttrReq { name: &a.name, optional: a.optional }).collect())
}

fn identity_info(j: api::IdentityJson) -> IdentityInfo {
    IdentityInfo {
        id: j.id,
        identity_type: j.identity_type,
        affiliation: j.affiliation,
        attrs: j.attrs.into_iter().map(|a| Attribute { name: a.name, value: a.value, ecert: a.ecert }).collect(),
        max_enrollments: j.max_enrollments,
        // The server does not tell these.
        enrollments: 0,
        state: IdentityState::Active,
        locked: false,
        certificates: vec![],
    }
}
