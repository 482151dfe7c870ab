//! Identities: a label, an MSP ID, an enrolment certificate with its chain, and a private key
//! (held by reference: see [`IdentityKey`]).
//!
//! The Fabric view of an identity (enrollment ID, type, affiliation, attributes) is read from the
//! certificate on demand, exactly as Fabric CA wrote it.

use crate::crypto::{KeyError, KeyRef, PublicKey, Signer, SoftwareKey, StoredKey};
use crate::error::{Error, FormatError, Result};
use const_oid::ObjectIdentifier;
use der::Decode;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use time::OffsetDateTime;
use x509_cert::ext::pkix::name::GeneralName;

/// OID of Fabric CA's attribute extension, whose value is raw JSON `{"attrs":{…}}`.
pub const FABRIC_ATTRS_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.3.4.5.6.7.8.1");

/// Longest label a new identity may take, in bytes: 255 (a file name's limit on the common file
/// systems) less the `.id` that `wallet export --all` appends, so every label can be exported.
pub const MAX_LABEL_LEN: usize = 252;

/// Longest label looked up: identities stored before [`MAX_LABEL_LEN`] was lowered stay reachable.
const MAX_STORED_LABEL_LEN: usize = 255;

/// Characters that reorder the text around them (bidirectional embeddings, overrides, isolates
/// and marks): a label holding one can display as another label (Trojan Source, CVE-2021-42574).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A label as the wallet keeps it: in Unicode normalization form C, so the precomposed and the
/// decomposed spelling of "é" name the same identity.
pub fn normalize_label(label: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::{is_nfc, UnicodeNormalization};
    if is_nfc(label) {
        std::borrow::Cow::Borrowed(label)
    } else {
        std::borrow::Cow::Owned(label.nfc().collect())
    }
}

/// Check that a label can name a new identity everywhere it goes: files, keychains, URLs,
/// terminals. Identities keep it in [`normalize_label`]'s form.
pub fn validate_label(label: &str) -> Result<()> {
    check_label(label, MAX_LABEL_LEN)
}

/// [`validate_label`] for a label being looked up, which may predate the current length limit.
pub(crate) fn validate_stored_label(label: &str) -> Result<()> {
    check_label(label, MAX_STORED_LABEL_LEN)
}

fn check_label(label: &str, max_len: usize) -> Result<()> {
    let bad = |reason| Err(Error::InvalidLabel { label: label.to_owned(), reason });
    if label.is_empty() {
        return bad("it is empty");
    }
    if label.len() > max_len {
        return bad(if max_len == MAX_LABEL_LEN {
            "it is longer than 252 bytes (255, a file name's limit, less the \".id\" an export adds)"
        } else {
            "it is longer than 255 bytes"
        });
    }
    if label == "." || label == ".." {
        return bad("it is a path component ('.' or '..')");
    }
    if label.contains(['/', '\\']) {
        return bad("it contains a path separator");
    }
    if label.chars().any(char::is_control) {
        return bad("it contains a control character");
    }
    if label.chars().any(is_bidi_control) {
        return bad("it contains a bidirectional control character (it could display as another label)");
    }
    if label.trim() != label {
        return bad("it starts or ends with white space");
    }
    Ok(())
}

/// An X.509 certificate: its DER bytes and a parsed view. Cloning is cheap (the two are shared):
/// every identity carries its CA chain, and an enrolment clones both.
#[derive(Clone)]
pub struct Certificate(Arc<CertificateParts>);

struct CertificateParts {
    der: Vec<u8>,
    parsed: x509_cert::Certificate,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate").field("subject", &self.subject()).field("serial", &self.serial_hex()).finish()
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.0.der == other.0.der
    }
}
impl Eq for Certificate {}

impl Certificate {
    /// Parse DER. `what` names the source in errors.
    pub fn from_der(der: &[u8], what: &str) -> Result<Self> {
        let parsed = x509_cert::Certificate::from_der(der)
            .map_err(|e| FormatError::certificate_caused(what, format!("not an X.509 certificate ({e})"), e))?;
        Ok(Self(Arc::new(CertificateParts { der: der.to_vec(), parsed })))
    }

    /// A certificate this process has just built and signed, whose `tbs_der` (the encoding of
    /// its `tbs_certificate`) is what was signed: the certificate's DER is assembled around it
    /// rather than parsed back or encoded again (DER is canonical, so the structure is what a
    /// parse would give, and the TBS part is not encoded twice).
    pub(crate) fn from_signed_x509(parsed: x509_cert::Certificate, tbs_der: &[u8], what: &str) -> Result<Self> {
        use der::{Encode, Header, Tag};
        let enc = |e: der::Error| FormatError::certificate_caused(what, format!("cannot be encoded ({e})"), e);
        let algorithm = parsed.signature_algorithm.to_der().map_err(enc)?;
        let signature = parsed.signature.to_der().map_err(enc)?;
        let body = tbs_der.len() + algorithm.len() + signature.len();
        let mut der = Header::new(Tag::Sequence, body).and_then(|h| h.to_der()).map_err(enc)?;
        der.reserve_exact(body);
        der.extend_from_slice(tbs_der);
        der.extend_from_slice(&algorithm);
        der.extend_from_slice(&signature);
        Ok(Self(Arc::new(CertificateParts { der, parsed })))
    }

    /// Parse every `CERTIFICATE` block of PEM text, in order (LF or CRLF).
    pub fn parse_pem_chain(pem_text: &[u8], what: &str) -> Result<Vec<Self>> {
        let blocks = pem::parse_many(pem_text).map_err(|e| FormatError::pem_parse(what, e))?;
        let certs: Vec<_> = blocks
            .iter()
            .filter(|b| b.tag() == "CERTIFICATE")
            .map(|b| Self::from_der(b.contents(), what))
            .collect::<Result<_>>()?;
        if certs.is_empty() {
            return Err(FormatError::pem(what, "no CERTIFICATE block").into());
        }
        Ok(certs)
    }

    /// Parse the first `CERTIFICATE` block of PEM text.
    pub fn from_pem(pem_text: &[u8], what: &str) -> Result<Self> {
        Ok(Self::parse_pem_chain(pem_text, what)?.remove(0))
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.0.der
    }

    /// PEM with LF line endings and a final newline, as Fabric CA writes it.
    pub fn to_pem(&self) -> String {
        pem::encode_config(
            &pem::Pem::new("CERTIFICATE", self.0.der.clone()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        )
    }

    /// The parsed structure, for callers that need a field not exposed here.
    pub fn x509(&self) -> &x509_cert::Certificate {
        &self.0.parsed
    }

    /// Subject as an RFC 4514 string.
    pub fn subject(&self) -> String {
        self.0.parsed.tbs_certificate.subject.to_string()
    }

    /// Issuer as an RFC 4514 string.
    pub fn issuer(&self) -> String {
        self.0.parsed.tbs_certificate.issuer.to_string()
    }

    /// Serial number as lower-case hex, leading zero bytes trimmed (Fabric CA's form).
    pub fn serial_hex(&self) -> String {
        let bytes = self.0.parsed.tbs_certificate.serial_number.as_bytes();
        let hex = hex::encode(bytes);
        let trimmed = hex.trim_start_matches('0');
        if trimmed.is_empty() {
            "0".into()
        } else {
            trimmed.into()
        }
    }

    /// Start of validity.
    pub fn not_before(&self) -> OffsetDateTime {
        to_datetime(&self.0.parsed.tbs_certificate.validity.not_before)
    }

    /// End of validity.
    pub fn not_after(&self) -> OffsetDateTime {
        to_datetime(&self.0.parsed.tbs_certificate.validity.not_after)
    }

    /// The certified P-256 public key.
    pub fn public_key(&self) -> Result<PublicKey> {
        let spki = &self.0.parsed.tbs_certificate.subject_public_key_info;
        let bits = spki.subject_public_key.raw_bytes();
        PublicKey::from_sec1_bytes(bits).map_err(|e| {
            let detail = format!("public key is not ECDSA P-256 (algorithm {})", spki.algorithm.oid);
            FormatError::certificate_caused(self.subject(), detail, e).into()
        })
    }

    /// An extension by OID.
    pub fn extension(&self, oid: ObjectIdentifier) -> Option<&x509_cert::ext::Extension> {
        self.0.parsed.tbs_certificate.extensions.as_ref()?.iter().find(|e| e.extn_id == oid)
    }

    /// Subject Key Identifier extension value.
    pub fn subject_key_id(&self) -> Option<Vec<u8>> {
        let ext = self.extension(const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER)?;
        let ski = x509_cert::ext::pkix::SubjectKeyIdentifier::from_der(ext.extn_value.as_bytes()).ok()?;
        Some(ski.0.as_bytes().to_vec())
    }

    /// Authority Key Identifier (key id part).
    pub fn authority_key_id(&self) -> Option<Vec<u8>> {
        let ext = self.extension(const_oid::db::rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER)?;
        let aki = x509_cert::ext::pkix::AuthorityKeyIdentifier::from_der(ext.extn_value.as_bytes()).ok()?;
        Some(aki.key_identifier?.as_bytes().to_vec())
    }

    /// Whether Basic Constraints says CA:TRUE.
    pub fn is_ca(&self) -> bool {
        self.extension(const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS)
            .and_then(|e| x509_cert::ext::pkix::BasicConstraints::from_der(e.extn_value.as_bytes()).ok())
            .is_some_and(|bc| bc.ca)
    }

    /// Whether the issuer and subject are the same and the AKI is absent or equals the SKI
    /// (Fabric's test for a root certificate).
    pub fn is_self_signed(&self) -> bool {
        let tbs = &self.0.parsed.tbs_certificate;
        tbs.issuer == tbs.subject
            && (self.authority_key_id().is_none() || self.authority_key_id() == self.subject_key_id())
    }

    /// Subject Alternative Names as readable strings (`DNS:…`, `IP:…`, `email:…`, `URI:…`).
    pub fn subject_alt_names(&self) -> Vec<String> {
        let Some(ext) = self.extension(const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME) else { return vec![] };
        let Ok(san) = x509_cert::ext::pkix::SubjectAltName::from_der(ext.extn_value.as_bytes()) else { return vec![] };
        san.0
            .iter()
            .map(|n| match n {
                GeneralName::DnsName(d) => format!("DNS:{}", d.as_str()),
                GeneralName::Rfc822Name(m) => format!("email:{}", m.as_str()),
                GeneralName::UniformResourceIdentifier(u) => format!("URI:{}", u.as_str()),
                GeneralName::IpAddress(ip) => format_ip(ip.as_bytes()),
                other => format!("{other:?}"),
            })
            .collect()
    }

    /// Values of one attribute type in the subject, in encoding order.
    pub fn subject_values(&self, oid: ObjectIdentifier) -> Vec<String> {
        let mut out = vec![];
        for rdn in self.0.parsed.tbs_certificate.subject.0.iter() {
            for atv in rdn.0.iter() {
                if atv.oid == oid {
                    if let Some(s) = any_to_string(&atv.value) {
                        out.push(s);
                    }
                }
            }
        }
        out
    }

    /// Subject common name.
    pub fn common_name(&self) -> Option<String> {
        self.subject_values(const_oid::db::rfc4519::CN).into_iter().next()
    }

    /// Fabric CA attributes from extension 1.2.3.4.5.6.7.8.1 (empty when absent).
    pub fn fabric_attributes(&self) -> Result<BTreeMap<String, String>> {
        let Some(ext) = self.extension(FABRIC_ATTRS_OID) else { return Ok(BTreeMap::new()) };
        #[derive(serde::Deserialize)]
        struct Attrs {
            attrs: BTreeMap<String, String>,
        }
        let attrs: Attrs = serde_json::from_slice(ext.extn_value.as_bytes()).map_err(|e| {
            let detail = format!("attribute extension 1.2.3.4.5.6.7.8.1 is not {{\"attrs\":{{…}}}} JSON ({e})");
            FormatError::certificate_caused(self.subject(), detail, e)
        })?;
        Ok(attrs.attrs)
    }

    /// Fabric's view of this certificate.
    pub fn fabric_info(&self) -> FabricInfo {
        let attributes = self.fabric_attributes().unwrap_or_default();
        let ous: BTreeSet<String> = self.subject_values(const_oid::db::rfc4519::OU).into_iter().collect();
        let identity_type = attributes
            .get("hf.Type")
            .cloned()
            .or_else(|| ous.iter().find(|ou| NODE_OU_TYPES.contains(&ou.as_str())).cloned());
        let affiliation = attributes.get("hf.Affiliation").cloned().or_else(|| {
            // Without the attribute the order of affiliation parts is lost (one multi-valued RDN),
            // so only a single non-type OU can be named with certainty.
            let rest: Vec<_> = ous.iter().filter(|ou| Some(*ou) != identity_type.as_ref()).collect();
            match rest.as_slice() {
                [] => Some(String::new()),
                [one] => Some((*one).clone()),
                _ => None,
            }
        });
        FabricInfo {
            enrollment_id: self.common_name().unwrap_or_default(),
            identity_type,
            affiliation,
            ous,
            attributes,
        }
    }
}

/// Identity types Fabric recognises as NodeOUs (plus `user`, Fabric CA's `identity add` default).
const NODE_OU_TYPES: &[&str] = &["client", "peer", "admin", "orderer", "user"];

/// What Fabric reads from an enrolment certificate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FabricInfo {
    /// Subject CN, which Fabric CA forces to equal the enrollment ID.
    pub enrollment_id: String,
    /// `hf.Type`, or the OU that is a NodeOU type.
    pub identity_type: Option<String>,
    /// `hf.Affiliation` (empty = the root; serialized as
    /// [`ROOT_AFFILIATION`](crate::ca::ROOT_AFFILIATION)), or `None` when the OUs cannot say it
    /// unambiguously.
    #[serde(serialize_with = "serialize_affiliation")]
    pub affiliation: Option<String>,
    /// All subject OUs, as an unordered set (Fabric CA puts them in one RDN, sorted by DER).
    pub ous: BTreeSet<String>,
    /// Attributes from extension 1.2.3.4.5.6.7.8.1.
    pub attributes: BTreeMap<String, String>,
}

fn serialize_affiliation<S: serde::Serializer>(affiliation: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match affiliation {
        Some(a) => s.serialize_str(crate::ca::affiliation_shown(a)),
        None => s.serialize_none(),
    }
}

fn to_datetime(t: &x509_cert::time::Time) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t.to_unix_duration().as_secs() as i64).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn format_ip(b: &[u8]) -> String {
    match b.len() {
        4 => format!("IP:{}", std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3])),
        16 => {
            let arr: [u8; 16] = b.try_into().expect("length checked");
            format!("IP:{}", std::net::Ipv6Addr::from(arr))
        }
        _ => format!("IP:{}", hex::encode(b)),
    }
}

fn any_to_string(v: &der::Any) -> Option<String> {
    use der::asn1::{Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef};
    v.decode_as::<Utf8StringRef<'_>>()
        .map(|s| s.as_str().to_owned())
        .or_else(|_| v.decode_as::<PrintableStringRef<'_>>().map(|s| s.as_str().to_owned()))
        .or_else(|_| v.decode_as::<Ia5StringRef<'_>>().map(|s| s.as_str().to_owned()))
        .or_else(|_| v.decode_as::<TeletexStringRef<'_>>().map(|s| s.as_str().to_owned()))
        .ok()
}

/// An identity's private key: where it lives (what the identity record stores) and how it
/// signs. The key itself may never be readable (a Transit key, an HSM key): only the store that
/// holds it can sign with it.
#[derive(Debug, Clone)]
pub struct IdentityKey {
    reference: KeyRef,
    signer: Arc<dyn Signer>,
}

impl IdentityKey {
    /// A key found by `reference` that signs through `signer`. They must name the same key: the
    /// record stores `reference`, and the next load rebuilds the signer from it.
    pub fn new(reference: KeyRef, signer: Arc<dyn Signer>) -> Self {
        Self { reference, signer }
    }

    /// A software key (the record holds its scalar, sealed by the backend).
    pub fn software(key: SoftwareKey) -> Self {
        Self { reference: KeyRef::software(&key), signer: Arc::new(key) }
    }

    /// Where the key lives.
    pub fn reference(&self) -> &KeyRef {
        &self.reference
    }

    /// How the key signs.
    pub fn signer(&self) -> &Arc<dyn Signer> {
        &self.signer
    }

    /// Whether the key is in the record itself (a software key) rather than in another store.
    pub fn is_software(&self) -> bool {
        matches!(self.reference, KeyRef::Software { .. })
    }
}

impl From<StoredKey> for IdentityKey {
    fn from(key: StoredKey) -> Self {
        Self { reference: key.reference, signer: key.signer }
    }
}

impl From<SoftwareKey> for IdentityKey {
    fn from(key: SoftwareKey) -> Self {
        Self::software(key)
    }
}

/// A usable identity: label, MSP ID, certificate chain and private key.
#[derive(Debug, Clone)]
pub struct Identity {
    label: String,
    msp_id: String,
    certificate: Certificate,
    chain: Vec<Certificate>,
    key: IdentityKey,
}

impl Identity {
    /// Assemble an identity, refusing a key that does not match the certificate.
    ///
    /// `chain` holds the issuers, nearest first (intermediates, then the root); it may be empty.
    pub fn new(
        label: &str,
        msp_id: &str,
        certificate: Certificate,
        chain: Vec<Certificate>,
        key: IdentityKey,
    ) -> Result<Self> {
        let label = normalize_label(label);
        validate_label(&label)?;
        validate_msp_id(msp_id)?;
        if certificate.public_key()? != key.signer().public_key() {
            return Err(KeyError::Mismatch { label: label.into_owned() }.into());
        }
        Ok(Self { label: label.into_owned(), msp_id: msp_id.to_owned(), certificate, chain, key })
    }

    /// Assemble without the key/certificate check, for records whose integrity the backend
    /// already proved (they were checked when they were stored).
    pub(crate) fn from_trusted_parts(
        label: String,
        msp_id: String,
        certificate: Certificate,
        chain: Vec<Certificate>,
        key: IdentityKey,
    ) -> Self {
        Self { label, msp_id, certificate, chain, key }
    }

    /// The label that names this identity in its wallet.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The same identity under another label.
    pub fn with_label(mut self, label: &str) -> Result<Self> {
        let label = normalize_label(label);
        validate_label(&label)?;
        self.label = label.into_owned();
        Ok(self)
    }

    /// The MSP ID of the organisation this identity belongs to.
    pub fn msp_id(&self) -> &str {
        &self.msp_id
    }

    /// The enrolment certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The issuers' certificates, nearest first.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The private key: where it lives and how it signs.
    pub fn key(&self) -> &IdentityKey {
        &self.key
    }

    /// Where the private key lives (what the identity record stores).
    pub fn key_ref(&self) -> &KeyRef {
        &self.key.reference
    }

    /// The key as a signer.
    pub fn signer(&self) -> &dyn Signer {
        self.key.signer.as_ref()
    }

    /// Sign a message as this identity (SHA-256 + ECDSA, DER, low S).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        Ok(self.sign_input(crate::sign::SignInput::Message(message))?.signature)
    }

    /// Sign a message or a digest as this identity (see [`crate::sign`]).
    pub fn sign_input(&self, input: crate::sign::SignInput<'_>) -> Result<crate::sign::Signed> {
        crate::sign::sign(self.signer(), input)
    }

    /// Fabric's view of the certificate.
    pub fn fabric_info(&self) -> FabricInfo {
        self.certificate.fabric_info()
    }
}

/// Check an MSP ID: non-empty, no control characters.
pub fn validate_msp_id(msp_id: &str) -> Result<()> {
    if msp_id.is_empty() || msp_id.chars().any(char::is_control) || msp_id.len() > 255 {
        return Err(FormatError::invalid(
            "MSP ID",
            format!("{msp_id:?}"),
            "an MSP ID must be 1–255 bytes without control characters",
        )
        .into());
    }
    Ok(())
}

/// Encode a public key as a SubjectPublicKeyInfo DER (used by CSRs and certificates).
pub fn public_key_spki_der(key: &PublicKey) -> Vec<u8> {
    use p256::pkcs8::EncodePublicKey;
    key.to_public_key_der().expect("P-256 keys always encode").as_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        for ok in ["alice", "user1@org1.example.com", "Admin Org1", "é-ü_1.2"] {
            validate_label(ok).unwrap();
        }
        validate_label(&"x".repeat(MAX_LABEL_LEN)).unwrap();
        let too_long = "x".repeat(MAX_LABEL_LEN + 1);
        for bad in
            ["", ".", "..", "a/b", "a\\b", "a\nb", "a\0b", "a\u{7f}", "a\u{1b}[31m", " lead", "trail ", &too_long]
        {
            assert!(validate_label(bad).is_err(), "{bad:?} accepted");
        }
        // Bidirectional overrides and isolates (Trojan Source): "user\u{202E}nimda" shows as "useradmin".
        for bad in ["user\u{202E}nimda", "a\u{2066}b", "a\u{200F}", "\u{061C}x"] {
            let e = validate_label(bad).unwrap_err().to_string();
            assert!(e.contains("bidirectional"), "{bad:?}: {e}");
        }
        // Looked-up labels may be as long as before the limit was lowered.
        validate_stored_label(&"x".repeat(255)).unwrap();
        assert!(validate_stored_label(&"x".repeat(256)).is_err());
    }

    #[test]
    fn labels_are_kept_in_normalization_form_c() {
        let (composed, decomposed) = ("caf\u{e9}", "cafe\u{301}");
        assert_eq!(normalize_label(decomposed), composed);
        assert!(matches!(normalize_label(composed), std::borrow::Cow::Borrowed(_)));
        validate_label(composed).unwrap();
    }
}

#[cfg(test)]
mod fixture_tests {
    use super::*;

    fn fixture(path: &str) -> Vec<u8> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        std::fs::read(root.join(path)).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
    }

    #[test]
    fn reads_fabric_ca_enrolment_certificate() {
        let cert = Certificate::from_pem(&fixture("fabric-ca-1.5.21/msp-user2/signcerts/cert.pem"), "user2").unwrap();
        let info = cert.fabric_info();
        assert_eq!(info.enrollment_id, "user2");
        assert_eq!(info.identity_type.as_deref(), Some("client"));
        assert_eq!(info.affiliation.as_deref(), Some("org1.department1"));
        let ous: Vec<_> = info.ous.iter().map(String::as_str).collect();
        assert_eq!(ous, ["client", "department1", "org1"]);
        assert_eq!(info.attributes.get("role").map(String::as_str), Some("auditor"));
        let pk = cert.public_key().unwrap();
        assert_eq!(cert.subject_key_id().unwrap(), crate::crypto::subject_key_id(&pk).to_vec());
        assert!(!cert.is_ca());
        assert!(cert.not_after() > cert.not_before());
    }

    #[test]
    fn reads_admin_certificate_without_attributes() {
        let cert = Certificate::from_pem(&fixture("fabric-ca-1.5.21/msp-admin/signcerts/cert.pem"), "admin").unwrap();
        let info = cert.fabric_info();
        assert_eq!(info.enrollment_id, "admin");
        assert_eq!(info.identity_type.as_deref(), Some("client"));
        assert!(info.attributes.is_empty());
        assert_eq!(cert.subject_alt_names(), ["DNS:peer0.org1.example.com"]);
        let ca = Certificate::from_pem(&fixture("fabric-ca-1.5.21/ca-cert.pem"), "ca").unwrap();
        assert!(ca.is_ca() && ca.is_self_signed());
        assert_eq!(cert.authority_key_id(), ca.subject_key_id());
    }

    /// A certificate assembled around its signed TBS bytes is byte for byte the one Fabric CA
    /// wrote (and what encoding the whole structure gives).
    #[test]
    fn a_certificate_assembled_around_its_tbs_is_its_der() {
        use der::Encode;
        for path in ["fabric-ca-1.5.21/msp-user2/signcerts/cert.pem", "fabric-ca-1.5.21/ca-cert.pem"] {
            let original = Certificate::from_pem(&fixture(path), path).unwrap();
            let parsed = original.x509().clone();
            let tbs_der = parsed.tbs_certificate.to_der().unwrap();
            let whole = parsed.to_der().unwrap();
            let assembled = Certificate::from_signed_x509(parsed, &tbs_der, path).unwrap();
            assert_eq!(assembled.der(), original.der(), "{path}");
            assert_eq!(assembled.der(), whole, "{path}");
        }
    }
}
