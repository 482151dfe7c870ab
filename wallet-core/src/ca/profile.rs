//! The bytes Fabric CA 1.5 writes: certificate profiles, subjects, CSRs and CRLs.
//!
//! Built by hand on `x509-cert` types rather than with a certificate builder, because Fabric CA
//! puts all OUs in one multi-valued RDN and orders extensions as Go's `crypto/x509` does, and a
//! Fabric peer should not be able to tell our certificates from Fabric CA's.

use super::{CaError, OuLayout, SubjectNames};
use crate::crypto::{self, PublicKey, Signer};
use crate::error::{Error, FormatError, Result};
use crate::identity::{public_key_spki_der, Certificate, FABRIC_ATTRS_OID};
use const_oid::db::{rfc4519, rfc5280, rfc5912};
use der::asn1::{Any, BitString, Ia5String, OctetString, SetOfVec};
use der::{Decode, Encode, Tag, Tagged};
use rand_core::{OsRng, RngCore};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use time::OffsetDateTime;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use x509_cert::{TbsCertificate, Version};

/// OID of the subject `serialNumber` attribute.
const SERIAL_NUMBER_OID: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("2.5.4.5");

fn der_err(what: &str) -> impl Fn(der::Error) -> Error + '_ {
    move |e| FormatError::certificate_caused(what, format!("encoding failed: {e}"), e).into()
}

/// `ecdsa-with-SHA256`, parameters absent (RFC 5758).
pub(crate) fn ecdsa_sha256() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid: rfc5912::ECDSA_WITH_SHA_256, parameters: None }
}

/// 20 random bytes with the top bit cleared, as cfssl makes serial numbers (≤ 159 bits).
pub(crate) fn random_serial() -> [u8; 20] {
    let mut serial = [0u8; 20];
    OsRng.fill_bytes(&mut serial);
    serial[0] &= 0x7f;
    if serial.iter().all(|&b| b == 0) {
        serial[19] = 1; // zero is not a valid serial; 2^-159 odds, but cheap to rule out
    }
    serial
}

/// Normalise user-given hex as Fabric CA does: lower case, `:` removed, leading zeros trimmed.
pub(crate) fn normalize_hex(s: &str) -> String {
    let s: String = s.chars().filter(|&c| c != ':').collect::<String>().to_ascii_lowercase();
    let trimmed = s.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.into()
    }
}

/// Go's `time.Round(time.Minute)`: to the nearest minute, halves up.
pub(crate) fn round_to_minute(t: OffsetDateTime) -> OffsetDateTime {
    let secs = t.unix_timestamp();
    let within = secs.rem_euclid(60) as i128 * 1_000_000_000 + t.nanosecond() as i128;
    let floor = secs - secs.rem_euclid(60);
    let rounded = if within >= 30_000_000_000 { floor + 60 } else { floor };
    OffsetDateTime::from_unix_timestamp(rounded).unwrap_or(t)
}

/// UTCTime before 2050, GeneralizedTime from then on (RFC 5280 §4.1.2.5).
pub(crate) fn x509_time(t: OffsetDateTime) -> Result<Time> {
    let secs = u64::try_from(t.unix_timestamp())
        .map_err(|_| CaError::InvalidParameter { what: "time".into(), detail: format!("{t} is before 1970") })?;
    let d = std::time::Duration::from_secs(secs);
    let time = if t.year() < 2050 {
        der::asn1::UtcTime::from_unix_duration(d).map(Time::UtcTime)
    } else {
        der::asn1::GeneralizedTime::from_unix_duration(d).map(Time::GeneralTime)
    };
    time.map_err(|e| {
        Error::from(CaError::InvalidParameter { what: "time".into(), detail: format!("{t} cannot be encoded: {e}") })
    })
}

/// Characters of ASN.1 PrintableString.
fn is_printable(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b))
}

/// A directory string as Go writes it: PrintableString when possible, else UTF8String.
fn directory_string(s: &str) -> der::Result<Any> {
    if is_printable(s) {
        Any::new(Tag::PrintableString, s.as_bytes())
    } else {
        Any::new(Tag::Utf8String, s.as_bytes())
    }
}

fn rdn(values: &[(const_oid::ObjectIdentifier, &str)]) -> der::Result<RelativeDistinguishedName> {
    let atvs = values
        .iter()
        .map(|(oid, v)| Ok(AttributeTypeAndValue { oid: *oid, value: directory_string(v)? }))
        .collect::<der::Result<Vec<_>>>()?;
    // SetOfVec sorts by DER encoding, as X.690 requires for SET OF and as Go does.
    Ok(RelativeDistinguishedName(SetOfVec::try_from(atvs)?))
}

/// A subject in the order Go's `pkix.Name.ToRDNSequence` writes it: C, ST, L, O, OU (all values
/// in one multi-valued RDN), CN, serialNumber.
pub(crate) fn build_name(
    names: &SubjectNames,
    ous: &[String],
    cn: Option<&str>,
    serial_number: Option<&str>,
) -> Result<Name> {
    build_name_with(names, ous, OuLayout::Fabric, cn, serial_number)
}

/// [`build_name`] with the OUs laid out as `layout` says: in one RDN (Fabric CA's), or one RDN
/// each, in the order given.
pub(crate) fn build_name_with(
    names: &SubjectNames,
    ous: &[String],
    layout: OuLayout,
    cn: Option<&str>,
    serial_number: Option<&str>,
) -> Result<Name> {
    let mut rdns = vec![];
    let mut single = |oid, v: &Option<String>| -> der::Result<()> {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            rdns.push(rdn(&[(oid, v)])?);
        }
        Ok(())
    };
    let enc = der_err("subject");
    single(rfc4519::C, &names.country).map_err(&enc)?;
    single(rfc4519::ST, &names.state).map_err(&enc)?;
    single(rfc4519::L, &names.locality).map_err(&enc)?;
    single(rfc4519::O, &names.organization).map_err(&enc)?;
    let ous: Vec<_> = ous.iter().filter(|o| !o.is_empty()).map(|o| (rfc4519::OU, o.as_str())).collect();
    match layout {
        OuLayout::Fabric if !ous.is_empty() => rdns.push(rdn(&ous).map_err(&enc)?),
        OuLayout::Fabric => {}
        OuLayout::Strict => {
            for ou in &ous {
                rdns.push(rdn(std::slice::from_ref(ou)).map_err(&enc)?);
            }
        }
    }
    if let Some(cn) = cn {
        rdns.push(rdn(&[(rfc4519::CN, cn)]).map_err(&enc)?);
    }
    if let Some(sn) = serial_number {
        rdns.push(rdn(&[(SERIAL_NUMBER_OID, sn)]).map_err(&enc)?);
    }
    Ok(RdnSequence(rdns))
}

/// Read C/ST/L/O, the CN and serialNumber out of a name (OUs are ignored: Fabric CA replaces them).
pub(crate) fn split_name(name: &Name) -> (SubjectNames, Option<String>, Option<String>) {
    let mut names = SubjectNames::default();
    let (mut cn, mut sn) = (None, None);
    for atv in name.0.iter().flat_map(|r| r.0.iter()) {
        let Some(v) = any_string(&atv.value) else { continue };
        match atv.oid {
            o if o == rfc4519::C => names.country = Some(v),
            o if o == rfc4519::ST => names.state = Some(v),
            o if o == rfc4519::L => names.locality = Some(v),
            o if o == rfc4519::O => names.organization = Some(v),
            o if o == rfc4519::CN => cn = Some(v),
            o if o == SERIAL_NUMBER_OID => sn = Some(v),
            _ => {}
        }
    }
    (names, cn, sn)
}

fn any_string(v: &Any) -> Option<String> {
    match v.tag() {
        Tag::PrintableString | Tag::Utf8String | Tag::Ia5String | Tag::TeletexString => {
            std::str::from_utf8(v.value()).ok().map(str::to_owned)
        }
        _ => None,
    }
}

/// RFC 3280 upper bounds Fabric CA enforces on CSR subjects.
pub(crate) fn check_name_lengths(names: &SubjectNames, cn: &str, sn: Option<&str>) -> Result<(), CaError> {
    let checks = [
        ("C", names.country.as_deref(), 2),
        ("ST", names.state.as_deref(), 128),
        ("L", names.locality.as_deref(), 128),
        ("O", names.organization.as_deref(), 64),
        ("CN", Some(cn), 64),
        ("serialNumber", sn, 64),
    ];
    for (what, v, max) in checks {
        if let Some(v) = v {
            if v.chars().count() > max {
                return Err(CaError::InvalidParameter {
                    what: format!("subject {what}"),
                    detail: format!("{v:?} is longer than {max} characters (RFC 3280)"),
                });
            }
        }
    }
    Ok(())
}

/// SAN entries from `hosts`, classified as cfssl does: IP address, e-mail address, URI, else DNS name.
pub(crate) fn general_names(hosts: &[String]) -> Result<Vec<GeneralName>> {
    let bad = |h: &str, e: der::Error| CaError::InvalidParameter { what: format!("host {h:?}"), detail: e.to_string() };
    hosts
        .iter()
        .filter(|h| !h.is_empty())
        .map(|h| {
            Ok(if let Ok(ip) = h.parse::<std::net::IpAddr>() {
                let bytes = match ip {
                    std::net::IpAddr::V4(v4) => v4.octets().to_vec(),
                    std::net::IpAddr::V6(v6) => v6.octets().to_vec(),
                };
                GeneralName::IpAddress(OctetString::new(bytes).map_err(|e| bad(h, e))?)
            } else if h.contains('@') && !h.contains("://") {
                GeneralName::Rfc822Name(Ia5String::new(h).map_err(|e| bad(h, e))?)
            } else if h.contains("://") {
                GeneralName::UniformResourceIdentifier(Ia5String::new(h).map_err(|e| bad(h, e))?)
            } else {
                GeneralName::DnsName(Ia5String::new(h).map_err(|e| bad(h, e))?)
            })
        })
        .collect()
}

fn general_name_string(n: &GeneralName) -> Option<String> {
    Some(match n {
        GeneralName::DnsName(d) => d.to_string(),
        GeneralName::Rfc822Name(m) => m.to_string(),
        GeneralName::UniformResourceIdentifier(u) => u.to_string(),
        GeneralName::IpAddress(ip) => match ip.as_bytes().len() {
            4 => std::net::IpAddr::from(<[u8; 4]>::try_from(ip.as_bytes()).ok()?).to_string(),
            16 => std::net::IpAddr::from(<[u8; 16]>::try_from(ip.as_bytes()).ok()?).to_string(),
            _ => return None,
        },
        _ => return None,
    })
}

fn extension(oid: const_oid::ObjectIdentifier, critical: bool, value: Vec<u8>) -> Result<Extension> {
    Ok(Extension { extn_id: oid, critical, extn_value: OctetString::new(value).map_err(der_err("extension"))? })
}

/// What distinguishes one certificate from another of the same profile.
pub(crate) struct CertSpec<'a> {
    pub serial: [u8; 20],
    pub subject: Name,
    pub public_key: &'a PublicKey,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub kind: CertKind,
    pub sans: Vec<GeneralName>,
    /// Raw JSON for extension 1.2.3.4.5.6.7.8.1.
    pub attrs_json: Option<Vec<u8>>,
}

/// Which profile.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CertKind {
    /// An enrolment certificate: KU digitalSignature, CA:FALSE.
    Enrollment,
    /// A CA certificate: KU keyCertSign + cRLSign, CA:TRUE with this path length.
    Ca { path_len: Option<u8> },
}

/// The issuer side: its subject and key identifier, or `None` issuer for a self-signed root.
pub(crate) struct IssuerRef<'a> {
    pub subject: &'a Name,
    /// The issuer's SKI (the AKI of what it signs); `None` for a self-signed root (Go omits
    /// the AKI there, as the fixture `ca-cert.pem` shows).
    pub key_id: Option<Vec<u8>>,
    pub signer: &'a dyn Signer,
}

impl IssuerRef<'_> {
    /// The issuer of certificates signed by `ca_cert`'s key.
    pub(crate) fn key_id_of(ca_cert: &Certificate) -> Result<Vec<u8>> {
        match ca_cert.subject_key_id() {
            Some(ski) => Ok(ski),
            None => Ok(crypto::subject_key_id(&ca_cert.public_key()?).to_vec()),
        }
    }
}

/// Build and sign a certificate. Extensions in Go's order: KU, BC, SKI, AKI, SAN, then ours.
pub(crate) fn issue(spec: CertSpec<'_>, issuer: &IssuerRef<'_>) -> Result<Certificate> {
    let enc = der_err("certificate");
    let mut exts = vec![];
    let (usage, bc) = match spec.kind {
        CertKind::Enrollment => {
            (KeyUsages::DigitalSignature.into(), BasicConstraints { ca: false, path_len_constraint: None })
        }
        CertKind::Ca { path_len } => {
            (KeyUsages::KeyCertSign | KeyUsages::CRLSign, BasicConstraints { ca: true, path_len_constraint: path_len })
        }
    };
    exts.push(extension(rfc5280::ID_CE_KEY_USAGE, true, KeyUsage(usage).to_der().map_err(&enc)?)?);
    exts.push(extension(rfc5280::ID_CE_BASIC_CONSTRAINTS, true, bc.to_der().map_err(&enc)?)?);
    let ski = crypto::subject_key_id(spec.public_key);
    let ski_der = SubjectKeyIdentifier(OctetString::new(ski.to_vec()).map_err(&enc)?).to_der().map_err(&enc)?;
    exts.push(extension(rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER, false, ski_der)?);
    if let Some(key_id) = &issuer.key_id {
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(key_id.clone()).map_err(&enc)?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        exts.push(extension(rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER, false, aki.to_der().map_err(&enc)?)?);
    }
    if !spec.sans.is_empty() {
        let mut sans = spec.sans;
        // cfssl fills DNSNames, EmailAddresses, IPAddresses, URIs and Go writes them in that order.
        sans.sort_by_key(|n| match n {
            GeneralName::DnsName(_) => 0,
            GeneralName::Rfc822Name(_) => 1,
            GeneralName::IpAddress(_) => 2,
            _ => 3,
        });
        exts.push(extension(rfc5280::ID_CE_SUBJECT_ALT_NAME, false, SubjectAltName(sans).to_der().map_err(&enc)?)?);
    }
    if let Some(json) = spec.attrs_json {
        exts.push(extension(FABRIC_ATTRS_OID, false, json)?);
    }
    let spki = SubjectPublicKeyInfoOwned::from_der(&public_key_spki_der(spec.public_key)).map_err(&enc)?;
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(&spec.serial).map_err(&enc)?,
        signature: ecdsa_sha256(),
        issuer: issuer.subject.clone(),
        validity: Validity { not_before: x509_time(spec.not_before)?, not_after: x509_time(spec.not_after)? },
        subject: spec.subject,
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(exts),
    };
    let tbs_der = tbs.to_der().map_err(&enc)?;
    let signature = issuer.signer.sign(&tbs_der)?;
    let cert = x509_cert::Certificate {
        tbs_certificate: tbs,
        signature_algorithm: ecdsa_sha256(),
        signature: BitString::from_bytes(&signature).map_err(&enc)?,
    };
    Certificate::from_signed_x509(cert, &tbs_der, "issued certificate")
}

/// A verified certificate signing request.
#[derive(Debug)]
pub(crate) struct ParsedCsr {
    pub subject_names: SubjectNames,
    pub common_name: Option<String>,
    pub serial_number: Option<String>,
    pub public_key: PublicKey,
    pub hosts: Vec<String>,
    pub is_ca: bool,
}

/// Parse a PEM (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`) or DER CSR and check its
/// self-signature, so that nobody gets a certificate for a key they do not hold.
pub(crate) fn parse_csr(input: &[u8]) -> Result<ParsedCsr, CaError> {
    let bad = |detail: String| CaError::InvalidCsr { detail };
    let der = if input.first() == Some(&0x30) {
        input.to_vec()
    } else {
        let blocks = pem::parse_many(input).map_err(|e| bad(format!("not PEM: {e}")))?;
        let block = blocks
            .into_iter()
            .find(|b| matches!(b.tag(), "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST"))
            .ok_or_else(|| bad("no CERTIFICATE REQUEST block".into()))?;
        block.into_contents()
    };
    let req = x509_cert::request::CertReq::from_der(&der).map_err(|e| bad(format!("not a PKCS#10 request ({e})")))?;
    if req.algorithm.oid != rfc5912::ECDSA_WITH_SHA_256 {
        return Err(bad(format!("signature algorithm {} is not ecdsa-with-SHA256", req.algorithm.oid)));
    }
    let point = req.info.public_key.subject_public_key.raw_bytes();
    let public_key = PublicKey::from_sec1_bytes(point).map_err(|_| bad("the public key is not ECDSA P-256".into()))?;
    let info_der = req.info.to_der().map_err(|e| bad(format!("cannot re-encode the request ({e})")))?;
    let sig = req.signature.as_bytes().ok_or_else(|| bad("the signature bit string is not whole bytes".into()))?;
    crypto::verify(&public_key, &info_der, sig)
        .map_err(|_| bad("its self-signature does not verify (it was not signed by the key it names)".into()))?;
    let (subject_names, common_name, serial_number) = split_name(&req.info.subject);
    let mut hosts = vec![];
    let mut is_ca = false;
    for attr in req.info.attributes.iter().filter(|a| a.oid == const_oid::db::rfc5912::ID_EXTENSION_REQ) {
        for value in attr.values.iter() {
            let exts: Vec<Extension> =
                value.decode_as().map_err(|e| bad(format!("malformed extension request ({e})")))?;
            for ext in exts {
                if ext.extn_id == rfc5280::ID_CE_SUBJECT_ALT_NAME {
                    let san = SubjectAltName::from_der(ext.extn_value.as_bytes())
                        .map_err(|e| bad(format!("malformed SAN ({e})")))?;
                    hosts.extend(san.0.iter().filter_map(general_name_string));
                } else if ext.extn_id == rfc5280::ID_CE_BASIC_CONSTRAINTS {
                    let bc = BasicConstraints::from_der(ext.extn_value.as_bytes())
                        .map_err(|e| bad(format!("malformed basic constraints ({e})")))?;
                    is_ca |= bc.ca;
                }
            }
        }
    }
    Ok(ParsedCsr { subject_names, common_name, serial_number, public_key, hosts, is_ca })
}

/// Make a PEM CSR for `signer`'s key with `CN=common_name`, the given C/ST/L/O and SANs.
pub fn build_csr(signer: &dyn Signer, common_name: &str, names: &SubjectNames, hosts: &[String]) -> Result<String> {
    use x509_cert::request::{CertReq, CertReqInfo, ExtensionReq};
    let enc = der_err("certificate request");
    let subject = build_name(names, &[], Some(common_name), None)?;
    let spki = SubjectPublicKeyInfoOwned::from_der(&public_key_spki_der(&signer.public_key())).map_err(&enc)?;
    let mut attributes = SetOfVec::new();
    let sans = general_names(hosts)?;
    if !sans.is_empty() {
        let san = extension(rfc5280::ID_CE_SUBJECT_ALT_NAME, false, SubjectAltName(sans).to_der().map_err(&enc)?)?;
        attributes.insert(ExtensionReq(vec![san]).try_into().map_err(&enc)?).map_err(&enc)?;
    }
    let info = CertReqInfo { version: x509_cert::request::Version::V1, subject, public_key: spki, attributes };
    let signature = signer.sign(&info.to_der().map_err(&enc)?)?;
    let req = CertReq { info, algorithm: ecdsa_sha256(), signature: BitString::from_bytes(&signature).map_err(&enc)? };
    let der = req.to_der().map_err(&enc)?;
    Ok(pem::encode_config(
        &pem::Pem::new("CERTIFICATE REQUEST", der),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    ))
}

/// One CRL entry.
pub(crate) struct CrlEntry {
    pub serial: Vec<u8>,
    pub revoked_at: OffsetDateTime,
    pub reason: super::RevocationReason,
}

/// A v2 CRL with AKI and CRL number, and a reason code on every entry whose reason is not
/// `unspecified` (RFC 5280 §5.3.1 asks to omit the extension rather than say "unspecified").
pub(crate) fn build_crl(
    issuer: &IssuerRef<'_>,
    entries: &[CrlEntry],
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
    number: u64,
) -> Result<Vec<u8>> {
    use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
    use x509_cert::ext::pkix::CrlNumber;
    let enc = der_err("CRL");
    let revoked = entries
        .iter()
        .map(|e| {
            let exts = if e.reason == super::RevocationReason::Unspecified {
                None
            } else {
                Some(vec![extension(rfc5280::ID_CE_CRL_REASONS, false, e.reason.to_x509().to_der().map_err(&enc)?)?])
            };
            Ok(RevokedCert {
                serial_number: SerialNumber::new(&e.serial).map_err(&enc)?,
                revocation_date: x509_time(e.revoked_at)?,
                crl_entry_extensions: exts,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut crl_exts = vec![];
    if let Some(key_id) = &issuer.key_id {
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(key_id.clone()).map_err(&enc)?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        crl_exts.push(extension(rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER, false, aki.to_der().map_err(&enc)?)?);
    }
    let number = der::asn1::Uint::new(&number.to_be_bytes()).map_err(&enc)?;
    crl_exts.push(extension(rfc5280::ID_CE_CRL_NUMBER, false, CrlNumber(number).to_der().map_err(&enc)?)?);
    let tbs = TbsCertList {
        version: Version::V2,
        signature: ecdsa_sha256(),
        issuer: issuer.subject.clone(),
        this_update: x509_time(this_update)?,
        next_update: Some(x509_time(next_update)?),
        revoked_certificates: if revoked.is_empty() { None } else { Some(revoked) },
        crl_extensions: Some(crl_exts),
    };
    let signature = issuer.signer.sign(&tbs.to_der().map_err(&enc)?)?;
    let crl = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: ecdsa_sha256(),
        signature: BitString::from_bytes(&signature).map_err(&enc)?,
    };
    crl.to_der().map_err(&enc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn rounding_follows_go() {
        assert_eq!(round_to_minute(datetime!(2026-11-23 21:51:29.999 UTC)), datetime!(2026-11-23 21:51:00 UTC));
        assert_eq!(round_to_minute(datetime!(2026-11-23 21:51:30 UTC)), datetime!(2026-11-23 21:52:00 UTC));
        assert_eq!(round_to_minute(datetime!(2026-11-23 21:52:00 UTC)), datetime!(2026-11-23 21:52:00 UTC));
    }

    #[test]
    fn hex_forms() {
        assert_eq!(normalize_hex("02:77:B7"), "277b7");
        assert_eq!(normalize_hex("000"), "0");
    }

    #[test]
    fn serials_are_positive_and_at_most_20_bytes() {
        for _ in 0..64 {
            let s = random_serial();
            assert!(s[0] < 0x80);
            assert!(SerialNumber::<x509_cert::certificate::Rfc5280>::new(&s).is_ok());
        }
    }

    #[test]
    fn times_switch_to_generalized_in_2050() {
        assert!(matches!(x509_time(datetime!(2049-12-31 23:59:59 UTC)).unwrap(), Time::UtcTime(_)));
        assert!(matches!(x509_time(datetime!(2050-01-01 00:00:00 UTC)).unwrap(), Time::GeneralTime(_)));
    }

    #[test]
    fn issued_certificates_hold_what_their_der_parses_to() {
        // `issue` keeps the structure it built instead of parsing its own DER back: they must
        // agree, for every profile (multi-valued OU RDN, SANs, attributes, AKI or none).
        let ca_key = crypto::SoftwareKey::generate();
        let ca_name = build_name(&SubjectNames::fabric_default(), &["Fabric".into()], Some("ca"), None).unwrap();
        let key = crypto::SoftwareKey::generate();
        let public_key = key.public_key();
        let sans = vec![GeneralName::DnsName(der::asn1::Ia5String::new("peer0.org1.example.com").unwrap())];
        for (kind, key_id, sans, attrs) in [
            (CertKind::Enrollment, Some(vec![7u8; 20]), sans, Some(br#"{"attrs":{"a":"b"}}"#.to_vec())),
            (CertKind::Ca { path_len: Some(1) }, None, vec![], None),
        ] {
            let spec = CertSpec {
                serial: random_serial(),
                subject: build_name(
                    &SubjectNames::fabric_default(),
                    &["client".into(), "org1".into(), "department1".into()],
                    Some("user1"),
                    None,
                )
                .unwrap(),
                public_key: &public_key,
                not_before: datetime!(2026-01-01 00:00:00 UTC),
                not_after: datetime!(2027-01-01 00:00:00 UTC),
                kind,
                sans,
                attrs_json: attrs,
            };
            let issuer = IssuerRef { subject: &ca_name, key_id, signer: &ca_key };
            let cert = issue(spec, &issuer).unwrap();
            let reparsed = Certificate::from_der(cert.der(), "again").unwrap();
            assert_eq!(cert.x509(), reparsed.x509());
            assert_eq!(cert.x509().to_der().unwrap(), cert.der());
            let tbs = cert.x509().tbs_certificate.to_der().unwrap();
            let sig = cert.x509().signature.as_bytes().unwrap();
            assert_eq!(crypto::verify(&ca_key.public_key(), &tbs, sig).unwrap(), crypto::SignatureForm::LowS);
        }
    }

    #[test]
    fn csr_round_trip_and_tamper() {
        let key = crypto::SoftwareKey::generate();
        let hosts = vec!["peer0.org1.example.com".to_string(), "10.0.0.1".into(), "a@b.c".into()];
        let pem = build_csr(&key, "user1", &SubjectNames::fabric_default(), &hosts).unwrap();
        let csr = parse_csr(pem.as_bytes()).unwrap();
        assert_eq!(csr.common_name.as_deref(), Some("user1"));
        assert_eq!(csr.subject_names, SubjectNames::fabric_default());
        assert_eq!(csr.public_key, key.public_key());
        assert_eq!(csr.hosts, hosts);
        assert!(!csr.is_ca);
        // Flip one byte inside the subject: the self-signature no longer verifies.
        let mut der = pem::parse(pem.as_bytes()).unwrap().into_contents();
        let pos = der.windows(5).position(|w| w == b"user1").unwrap();
        der[pos] = b'v';
        assert!(matches!(parse_csr(&der), Err(CaError::InvalidCsr { .. })));
    }

    #[test]
    fn parses_fabric_ca_client_csr() {
        // The CSR fabric-ca-client 1.5.21 sent for user2 (http-transcript.jsonl, enroll).
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        let text = std::fs::read_to_string(root.join("fabric-ca-1.5.21/http-transcript.jsonl")).unwrap();
        let mut seen = 0;
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let Some(body) = v["req_body"].as_str() else { continue };
            let Ok(body) = serde_json::from_str::<serde_json::Value>(body) else { continue };
            let Some(csr) = body["certificate_request"].as_str() else { continue };
            let parsed = parse_csr(csr.as_bytes()).unwrap();
            assert!(matches!(parsed.common_name.as_deref(), Some("admin" | "user2")));
            assert_eq!(parsed.subject_names, SubjectNames::fabric_default());
            seen += 1;
        }
        assert!(seen >= 4);
    }
}
