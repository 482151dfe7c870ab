//! Real X.509 certificates made on the spot: a root CA, intermediates, and enrolment
//! certificates shaped like Fabric CA's (CN = enrollment ID, OU = type).

use der::{Decode, Encode};
use p256::ecdsa::{DerSignature, SigningKey};
use std::str::FromStr;
use std::time::Duration;
use wallet_core::crypto::{PublicKey, Signer, SoftwareKey};
use wallet_core::identity::public_key_spki_der;
use wallet_core::{Certificate, Identity, IdentityKey};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;

/// A certificate authority whose key is in memory.
pub struct TestCa {
    key: SigningKey,
    name: Name,
    /// The CA's own certificate.
    pub cert: Certificate,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa").field("cert", &self.cert).finish_non_exhaustive()
    }
}

fn serial() -> SerialNumber {
    let mut bytes = [0u8; 20];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x01; // positive, no leading zero byte
    SerialNumber::new(&bytes).expect("20 bytes is a valid serial")
}

fn build(profile: Profile, subject: &Name, pk: &PublicKey, signer: &SigningKey) -> Certificate {
    let spki = SubjectPublicKeyInfoOwned::from_der(&public_key_spki_der(pk)).expect("valid SPKI");
    let validity = Validity::from_now(Duration::from_secs(365 * 86_400)).expect("validity");
    let builder = CertificateBuilder::new(profile, serial(), validity, subject.clone(), spki, signer)
        .expect("certificate builder");
    let cert = builder.build::<DerSignature>().expect("signed certificate");
    Certificate::from_der(&cert.to_der().expect("DER"), "test certificate").expect("parses")
}

fn name(dn: &str) -> Name {
    Name::from_str(dn).unwrap_or_else(|e| panic!("bad DN {dn}: {e}"))
}

impl TestCa {
    /// A self-signed root CA.
    pub fn root(cn: &str) -> Self {
        let key = SigningKey::random(&mut rand_core::OsRng);
        let name = name(&format!("CN={cn},O=Hyperledger,ST=North Carolina,C=US"));
        let cert = build(Profile::Root, &name, &PublicKey::from(key.verifying_key()), &key);
        Self { key, name, cert }
    }

    /// An intermediate CA signed by this one.
    pub fn intermediate(&self, cn: &str) -> Self {
        let key = SigningKey::random(&mut rand_core::OsRng);
        let name = name(&format!("CN={cn},O=Hyperledger,ST=North Carolina,C=US"));
        let profile = Profile::SubCA { issuer: self.name.clone(), path_len_constraint: Some(0) };
        let cert = build(profile, &name, &PublicKey::from(key.verifying_key()), &self.key);
        Self { key, name, cert }
    }

    /// An end-entity certificate for `pk` with subject `dn`.
    pub fn issue(&self, pk: &PublicKey, dn: &str) -> Certificate {
        let profile =
            Profile::Leaf { issuer: self.name.clone(), enable_key_agreement: false, enable_key_encipherment: false };
        build(profile, &name(dn), pk, &self.key)
    }

    /// A new identity with a fresh software key, its certificate issued by this CA.
    /// `chain` is what the identity carries as issuers (nearest first).
    pub fn enroll(&self, label: &str, msp_id: &str, chain: Vec<Certificate>) -> Identity {
        let key = SoftwareKey::generate();
        let cert = self.issue(&key.public_key(), &format!("CN={label},OU=client,O=Hyperledger,C=US"));
        Identity::new(label, msp_id, cert, chain, IdentityKey::software(key)).expect("key matches certificate")
    }
}
