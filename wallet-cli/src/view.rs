//! Readable views of identities and certificates, shared by `show` and `list --long`.
//!
//! Each view is one serializable struct, so the text and the JSON output say the same things.

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use wallet_core::crypto::{keystore_ski, subject_key_id};
use wallet_core::{Certificate, FabricInfo, Identity};

/// Certificates expiring within this many days get a warning.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// Where a certificate stands in its validity period.
#[derive(Debug, Clone, Serialize)]
pub struct Validity {
    /// Start of validity (RFC 3339).
    pub not_before: String,
    /// End of validity (RFC 3339).
    pub not_after: String,
    /// Whether the end has passed.
    pub expired: bool,
    /// Whether the start is still to come.
    pub not_yet_valid: bool,
    /// Whole days left until the end (negative once expired).
    pub days_left: i64,
    /// A warning when expired, not yet valid, or expiring within 30 days.
    pub warning: Option<String>,
}

impl Validity {
    /// The validity of `cert` at `now`.
    pub fn of(cert: &Certificate, now: OffsetDateTime) -> Self {
        let (not_before, not_after) = (cert.not_before(), cert.not_after());
        let expired = now > not_after;
        let not_yet_valid = now < not_before;
        let days_left = (not_after - now).whole_days();
        let warning = if expired {
            Some(format!("expired {} ago", days(-days_left)))
        } else if not_yet_valid {
            Some(format!("becomes valid on {}", rfc3339(not_before)))
        } else if days_left < EXPIRY_WARNING_DAYS {
            Some(format!("expires in {}", days(days_left)))
        } else {
            None
        };
        Self {
            not_before: rfc3339(not_before),
            not_after: rfc3339(not_after),
            expired,
            not_yet_valid,
            days_left,
            warning,
        }
    }
}

fn days(n: i64) -> String {
    match n {
        0 => "less than a day".into(),
        1 => "1 day".into(),
        n => format!("{n} days"),
    }
}

/// A timestamp as RFC 3339 (UTC).
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// What `wallet show` prints about a certificate.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateView {
    pub subject: String,
    pub issuer: String,
    /// Lower-case hex, as Fabric CA prints it.
    pub serial: String,
    pub validity: Validity,
    pub subject_alt_names: Vec<String>,
    /// The Subject Key Identifier extension (hex), if present.
    pub subject_key_id: Option<String>,
    pub authority_key_id: Option<String>,
    pub is_ca: bool,
    pub self_signed: bool,
}

impl CertificateView {
    /// The view of `cert` at `now`.
    pub fn of(cert: &Certificate, now: OffsetDateTime) -> Self {
        Self {
            subject: cert.subject(),
            issuer: cert.issuer(),
            serial: cert.serial_hex(),
            validity: Validity::of(cert, now),
            subject_alt_names: cert.subject_alt_names(),
            subject_key_id: cert.subject_key_id().map(hex::encode),
            authority_key_id: cert.authority_key_id().map(hex::encode),
            is_ca: cert.is_ca(),
            self_signed: cert.is_self_signed(),
        }
    }
}

/// What `wallet show` prints about a key.
#[derive(Debug, Clone, Serialize)]
pub struct KeyView {
    /// Where the key lives.
    pub kind: String,
    /// SHA-1 of the public point: the SKI Fabric CA writes into certificates.
    pub subject_key_id: Option<String>,
    /// SHA-256 of the public point: Fabric's keystore key identifier (`keystore/<id>_sk`).
    pub keystore_id: Option<String>,
}

/// Everything `wallet show` prints.
#[derive(Debug, Clone, Serialize)]
pub struct IdentityView {
    pub label: String,
    pub msp_id: String,
    pub certificate: CertificateView,
    pub fabric: FabricInfo,
    pub key: KeyView,
    /// The issuers, nearest first.
    pub chain: Vec<CertificateView>,
}

impl IdentityView {
    /// The view of `identity` at `now`.
    pub fn of(identity: &Identity, now: OffsetDateTime) -> Self {
        let cert = identity.certificate();
        // The key was checked against the certificate when it was stored, so the certificate's
        // public key is the key's (and needs no scalar multiplication).
        let public = cert.public_key().ok();
        Self {
            label: identity.label().to_owned(),
            msp_id: identity.msp_id().to_owned(),
            certificate: CertificateView::of(cert, now),
            fabric: identity.fabric_info(),
            key: KeyView {
                kind: key_kind(identity),
                subject_key_id: public.as_ref().map(|k| hex::encode(subject_key_id(k))),
                keystore_id: public.as_ref().map(|k| hex::encode(keystore_ski(k))),
            },
            chain: identity.chain().iter().map(|c| CertificateView::of(c, now)).collect(),
        }
    }

    /// The readable form.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let mut line = |name: &str, value: &str| out.push_str(&format!("{name:<18}{value}\n"));
        let c = &self.certificate;
        line("Label:", &self.label);
        line("MSP ID:", &self.msp_id);
        line("Subject:", &c.subject);
        line("Issuer:", &c.issuer);
        line("Serial:", &c.serial);
        line("Valid from:", &c.validity.not_before);
        let until = match &c.validity.warning {
            Some(w) => format!("{}  (WARNING: {w})", c.validity.not_after),
            None => format!("{}  ({} days left)", c.validity.not_after, c.validity.days_left),
        };
        line("Valid until:", &until);
        line("SANs:", &none_if_empty(c.subject_alt_names.join(", ")));
        let f = &self.fabric;
        line("Enrollment ID:", &f.enrollment_id);
        line("Type:", f.identity_type.as_deref().unwrap_or("(unknown)"));
        line("Affiliation:", &affiliation_text(f));
        line("OUs:", &none_if_empty(f.ous.iter().cloned().collect::<Vec<_>>().join(", ")));
        let attrs: Vec<String> = f.attributes.iter().map(|(k, v)| format!("{k}={v}")).collect();
        line("Attributes:", &none_if_empty(attrs.join(", ")));
        line("Certificate SKI:", c.subject_key_id.as_deref().unwrap_or("(no extension)"));
        line("Key:", &self.key.kind);
        line("Keystore key ID:", self.key.keystore_id.as_deref().unwrap_or("(unknown)"));
        if self.chain.is_empty() {
            line("Chain:", "(none stored)");
        } else {
            line("Chain:", &format!("{} certificate(s), nearest issuer first", self.chain.len()));
            for (i, cc) in self.chain.iter().enumerate() {
                let role = match (cc.is_ca, cc.self_signed) {
                    (_, true) => "root",
                    (true, false) => "intermediate",
                    (false, false) => "not a CA",
                };
                let warn = cc.validity.warning.as_deref().map(|w| format!(", WARNING: {w}")).unwrap_or_default();
                line("", &format!("{}. {} ({role}, until {}{warn})", i + 1, cc.subject, cc.validity.not_after));
            }
        }
        out
    }
}

fn key_kind(identity: &Identity) -> String {
    if identity.key().is_software() {
        "software ECDSA P-256".into()
    } else {
        format!("ECDSA P-256 held by {} (not exportable)", identity.key_ref().describe())
    }
}

fn affiliation_text(f: &FabricInfo) -> String {
    match f.affiliation.as_deref() {
        Some(a) => wallet_core::ca::affiliation_shown(a).to_owned(),
        None => "(ambiguous: several OUs and no hf.Affiliation attribute)".into(),
    }
}

fn none_if_empty(s: String) -> String {
    if s.is_empty() {
        "(none)".into()
    } else {
        s
    }
}
