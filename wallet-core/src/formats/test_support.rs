//! Certificates made on the spot for unit tests: a root CA, intermediates and leaves.

use crate::crypto::{PublicKey, SoftwareKey};
use crate::identity::{public_key_spki_der, Certificate, Identity, IdentityKey};
use der::{Decode, Encode};
use p256::ecdsa::{DerSignature, SigningKey};
use std::str::FromStr;
use std::time::Duration;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;

/// A certificate authority whose key is in memory.
pub(crate) struct TestCa {
    key: SigningKey,
    name: Name,
    pub(crate) cert: Certificate,
}

fn spki(pk: &PublicKey) -> SubjectPublicKeyInfoOwned {
    SubjectPublicKeyInfoOwned::from_der(&public_key_spki_der(pk)).unwrap()
}

fn serial() -> SerialNumber {
    let mut bytes = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    SerialNumber::new(&bytes).unwrap()
}

fn build(profile: Profile, subject: &Name, pk: &PublicKey, signer: &SigningKey) -> Certificate {
    let validity = Validity::from_now(Duration::from_secs(86_400)).unwrap();
    let builder = CertificateBuilder::new(profile, serial(), validity, subject.clone(), spki(pk), signer).unwrap();
    let cert = builder.build::<DerSignature>().unwrap();
    Certificate::from_der(&cert.to_der().unwrap(), "test certificate").unwrap()
}

impl TestCa {
    /// A self-signed root.
    pub(crate) fn root(cn: &str) -> Self {
        let key = SigningKey::random(&mut rand_core::OsRng);
        let name = Name::from_str(&format!("CN={cn},O=Test,C=US")).unwrap();
        let cert = build(Profile::Root, &name, &PublicKey::from(key.verifying_key()), &key);
        Self { key, name, cert }
    }

    /// An intermediate CA signed by this one.
    pub(crate) fn intermediate(&self, cn: &str) -> Self {
        let key = SigningKey::random(&mut rand_core::OsRng);
        let name = Name::from_str(&format!("CN={cn},O=Test,C=US")).unwrap();
        let profile = Profile::SubCA { issuer: self.name.clone(), path_len_constraint: Some(0) };
        let cert = build(profile, &name, &PublicKey::from(key.verifying_key()), &self.key);
        Self { key, name, cert }
    }

    /// An end-entity certificate for `pk`.
    pub(crate) fn issue(&self, pk: &PublicKey, subject: &str) -> Certificate {
        let profile =
            Profile::Leaf { issuer: self.name.clone(), enable_key_agreement: false, enable_key_encipherment: false };
        build(profile, &Name::from_str(subject).unwrap(), pk, &self.key)
    }
}

/// A fresh identity issued by `ca`, with `chain` as its issuers.
pub(crate) fn identity_from(ca: &TestCa, chain: Vec<Certificate>, label: &str, msp_id: &str) -> Identity {
    identity_with_key(ca, chain, label, msp_id, IdentityKey::software(SoftwareKey::generate()))
}

/// An identity issued by `ca` for a key made elsewhere (a key store's).
pub(crate) fn identity_with_key(
    ca: &TestCa,
    chain: Vec<Certificate>,
    label: &str,
    msp_id: &str,
    key: IdentityKey,
) -> Identity {
    let cert = ca.issue(&key.signer().public_key(), &format!("CN={label},OU=client,O=Org1,C=US"));
    Identity::new(label, msp_id, cert, chain, key).unwrap()
}

/// A fresh identity issued directly by a new root.
pub(crate) fn identity(label: &str, msp_id: &str) -> Identity {
    let root = TestCa::root("Test Root");
    identity_from(&root, vec![root.cert.clone()], label, msp_id)
}
