//! The transactions of each operation, through the wallet's own API: [`Wallet`] for get, put
//! and list, the embedded [`CertificateAuthority`] for enrolment (register, then enrol with the
//! secret), and [`crate::sign`] for signing.
//!
//! A benchmark writes only under its own names: the CA `bench-ca`, its admin `bench-ca-admin`,
//! the signing identity `bench-signer`, filler identities `fill-NNNNNNNN`, and per session
//! `enrol-SESSION-…` and `put-SESSION-…`.

use super::config::Operation;
use crate::ca::{
    AdminEnrolment, BootstrapOptions, CaOptions, CertificateAuthority, EnrollRequest, RegistrationRequest,
};
use crate::crypto::PublicKey;
use crate::error::Result;
use crate::identity::Identity;
use crate::sign::{sign, SignInput};
use crate::wallet::Wallet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The CA a benchmark enrols with.
pub const CA_NAME: &str = "bench-ca";
/// The wallet label of its admin, the registrar of every enrolment.
const REGISTRAR: &str = "bench-ca-admin";
/// The identity that signs.
pub const SIGNER: &str = "bench-signer";
/// Labels of filler identities start so.
pub const FILL_PREFIX: &str = "fill-";

/// The label of filler identity `i`.
pub fn fill_label(i: u64) -> String {
    format!("{FILL_PREFIX}{i:08}")
}

/// What every transaction needs, made once per benchmark.
#[derive(Debug)]
pub struct Workload {
    wallet: Arc<Wallet>,
    ca: CertificateAuthority,
    signer: Identity,
    public: PublicKey,
    message: Vec<u8>,
    digest: [u8; 32],
    signature: Vec<u8>,
    session: String,
    fills: AtomicU64,
    draws: AtomicU64,
}

impl Workload {
    /// Open (or create) the benchmark's CA in `wallet` and enrol (or load) its signing identity.
    pub fn prepare(wallet: Arc<Wallet>) -> Result<Workload> {
        let ca = if CertificateAuthority::list(&wallet)?.iter().any(|n| n == CA_NAME) {
            CertificateAuthority::open(wallet.clone(), CA_NAME)?
        } else {
            let options = BootstrapOptions::root(CaOptions::new(CA_NAME, "Org1MSP"))
                .admin(AdminEnrolment::Enroll { label: Some(REGISTRAR.into()) });
            CertificateAuthority::bootstrap(wallet.clone(), &options)?.ca
        };
        let signer = match wallet.try_get(SIGNER)? {
            Some(identity) => identity,
            None => enrol(&ca, SIGNER)?,
        };
        let public = signer.certificate().public_key()?;
        let message: Vec<u8> = (0..512u32).map(|i| (i * 31 % 251) as u8).collect();
        let digest = crate::crypto::sha256(&message);
        let signature = sign(signer.signer(), SignInput::Digest(&digest))?.signature;
        let fills = wallet.backend().list(crate::wallet::IDENTITY_KIND, FILL_PREFIX)?.len() as u64;
        let mut session = [0u8; 4];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut session);
        Ok(Workload {
            wallet,
            ca,
            signer,
            public,
            message,
            digest,
            signature,
            session: hex::encode(session),
            fills: AtomicU64::new(fills),
            draws: AtomicU64::new(0),
        })
    }

    /// The wallet under test.
    pub fn wallet(&self) -> &Arc<Wallet> {
        &self.wallet
    }

    /// The identity stored under every filler label (and, relabelled, by `put`).
    pub fn template(&self) -> &Identity {
        &self.signer
    }

    /// How many filler identities the wallet holds.
    pub fn fills(&self) -> u64 {
        self.fills.load(Ordering::Relaxed)
    }

    /// Count `n` more filler identities (after [`super::fill::grow`] stored them).
    pub fn add_fills(&self, n: u64) {
        self.fills.fetch_add(n, Ordering::Relaxed);
    }

    /// Transaction `n` of round `round` (numbered over the whole run) doing `op`.
    pub fn transaction(&self, op: Operation, round: usize, n: u64) -> Result<()> {
        match op {
            Operation::Enrol => enrol(&self.ca, &format!("enrol-{}-{round}-{n}", self.session)).map(drop),
            Operation::Sign => sign(self.signer.signer(), SignInput::Message(&self.message)).map(drop),
            Operation::SignDigest => sign(self.signer.signer(), SignInput::Digest(&self.digest)).map(drop),
            Operation::Verify => crate::crypto::verify(&self.public, &self.message, &self.signature).map(drop),
            Operation::Get => self.wallet.get(&self.random_label()).map(drop),
            Operation::Put => {
                let identity = self.signer.clone().with_label(&format!("put-{}-{round}-{n}", self.session))?;
                self.wallet.put(&identity, false)
            }
            Operation::List => self.wallet.list().map(drop),
        }
    }

    /// A filler label drawn at random (the signer's while there are none). Not for secrets: a
    /// SplitMix64 sequence, so drawing costs nothing next to the read it picks for.
    fn random_label(&self) -> String {
        let fills = self.fills();
        if fills == 0 {
            return SIGNER.to_owned();
        }
        let mut z = self.draws.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        fill_label((z ^ (z >> 31)) % fills)
    }
}

/// Register `id` as a client of `ca` and enrol it with the secret the CA gave.
fn enrol(ca: &CertificateAuthority, id: &str) -> Result<Identity> {
    let secret = ca.register(
        REGISTRAR,
        &RegistrationRequest {
            id: id.to_owned(),
            identity_type: Some("client".into()),
            affiliation: Some("org1.department1".into()),
            ..Default::default()
        },
    )?;
    ca.enroll(&EnrollRequest { id: id.to_owned(), secret: Some(secret), ..Default::default() })
}
