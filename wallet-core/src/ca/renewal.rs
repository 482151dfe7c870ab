//! Keeping identities renewed: find the certificates that expire soon, and reenrol each one
//! with the CA that issued it, embedded or remote alike.
//!
//! Each renewal is one reenrolment, and a CA replaces the wallet record only once the new
//! certificate is in hand, so an identity is always either its old self or its new self. A run
//! that stops half-way (killed, server gone) is finished by running it again: what was renewed
//! has left the expiry window, what was not is still in it.

use super::ReenrollOptions;
use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::wallet::Wallet;
use std::time::Duration;
use time::OffsetDateTime;

/// An identity whose certificate is up for renewal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expiring {
    /// Its label in the wallet.
    pub label: String,
    /// The certificate's subject.
    pub subject: String,
    /// The certificate's end of validity.
    pub not_after: OffsetDateTime,
    /// Whether that is already past.
    pub expired: bool,
    /// The certificate's AKI (hex): which CA key issued it.
    pub issuer_key_id: Option<String>,
}

/// Which identities a renewal covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// Every identity (issued by the CA in question).
    All,
    /// Those whose certificate ends within this long from now (or has ended).
    Within(Duration),
}

/// The identities whose certificates end before `now + within` (expired ones included),
/// soonest first.
pub fn expiring(wallet: &Wallet, within: Duration, now: OffsetDateTime) -> Result<Vec<Expiring>> {
    select(wallet, Selection::Within(within), None, now)
}

/// The identities `selection` covers, issued by the CA key `issuer_key_id` when given, soonest
/// expiry first.
pub fn select(
    wallet: &Wallet,
    selection: Selection,
    issuer_key_id: Option<&[u8]>,
    now: OffsetDateTime,
) -> Result<Vec<Expiring>> {
    let horizon = match selection {
        Selection::All => None,
        Selection::Within(d) => Some(now + time::Duration::try_from(d).unwrap_or(time::Duration::MAX)),
    };
    let mut out = vec![];
    for label in wallet.list()? {
        let identity = wallet.get(&label)?;
        let cert = identity.certificate();
        let aki = cert.authority_key_id();
        if issuer_key_id.is_some_and(|want| aki.as_deref() != Some(want)) {
            continue;
        }
        if horizon.is_some_and(|h| cert.not_after() > h) {
            continue;
        }
        out.push(Expiring {
            label,
            subject: cert.subject(),
            not_after: cert.not_after(),
            expired: cert.not_after() <= now,
            issuer_key_id: aki.map(hex::encode),
        });
    }
    out.sort_by(|a, b| a.not_after.cmp(&b.not_after).then_with(|| a.label.cmp(&b.label)));
    Ok(out)
}

/// What became of one identity.
#[derive(Debug)]
pub struct Renewal {
    /// Its label.
    pub label: String,
    /// The end of validity before.
    pub old_not_after: OffsetDateTime,
    /// The renewed identity's new end of validity, or why it was not renewed (the identity
    /// is unchanged then).
    pub result: std::result::Result<OffsetDateTime, Error>,
}

/// Reenrol every identity in `targets` through `reenroll` (a CA's
/// [`reenroll`](crate::ca::CaService::reenroll)), one at a time. A failure is recorded and
/// the run goes on; `progress` is told after each identity (done, total, label).
pub fn renew(
    targets: &[Expiring],
    options: &ReenrollOptions,
    reenroll: &dyn Fn(&str, &ReenrollOptions) -> Result<Identity>,
    progress: &mut dyn FnMut(usize, usize, &str),
) -> Vec<Renewal> {
    let mut out = Vec::with_capacity(targets.len());
    for (i, target) in targets.iter().enumerate() {
        let result = reenroll(&target.label, options).map(|id| id.certificate().not_after());
        out.push(Renewal { label: target.label.clone(), old_not_after: target.not_after, result });
        progress(i + 1, targets.len(), &target.label);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::{CaOptions, CaPolicy, CertificateAuthority, Clock, EnrollRequest, FixedClock, RegistrationRequest};
    use std::sync::Arc;

    const DAY: Duration = Duration::from_secs(86_400);

    #[test]
    fn finds_and_renews_short_lived_certificates_and_a_rerun_finishes_a_stopped_run() {
        let wallet = Arc::new(Wallet::from_backend(Box::new(crate::backend::MemoryBackend::new())));
        let t0 = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let clock = Arc::new(FixedClock::new(t0));
        let mut options = CaOptions::new("ca1", "Org1MSP");
        options.policy = CaPolicy { ecert_validity_secs: 20 * 86_400, ..CaPolicy::default() };
        let (ca, admin_secret) = CertificateAuthority::create_root(wallet.clone(), &options, clock.clone()).unwrap();
        ca.enroll(&EnrollRequest { id: "admin".into(), secret: Some(admin_secret), ..Default::default() }).unwrap();
        for id in ["u1", "u2", "u3"] {
            let secret = ca
                .register(
                    "admin",
                    &RegistrationRequest { id: id.into(), affiliation: Some("org1".into()), ..Default::default() },
                )
                .unwrap();
            ca.enroll(&EnrollRequest { id: id.into(), secret: Some(secret), ..Default::default() }).unwrap();
        }
        let unrelated = crate::formats::test_support::identity("other", "Org2MSP");
        wallet.put(&unrelated, false).unwrap();

        assert!(expiring(&wallet, 10 * DAY, t0).unwrap().iter().all(|e| e.label == "other" || e.not_after > t0));
        let soon = expiring(&wallet, 30 * DAY, t0).unwrap();
        assert!(soon.iter().any(|e| e.label == "u1") && soon.len() >= 4, "{soon:?}");
        assert!(soon.iter().all(|e| !e.expired || e.label == "other"));
        let ski = ca.certificate().subject_key_id().unwrap();
        let mine = select(&wallet, Selection::Within(30 * DAY), Some(&ski), t0).unwrap();
        let labels: Vec<&str> = mine.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels.len(), 4, "{labels:?}");
        assert!(!labels.contains(&"other"), "another CA's identity is not this CA's to renew");

        // 15 days on, the run stops after the first renewal (the CA becomes unreachable).
        clock.advance(15 * DAY);
        let now = clock.now();
        let calls = std::cell::Cell::new(0);
        let stopping = |label: &str, o: &ReenrollOptions| {
            calls.set(calls.get() + 1);
            if calls.get() > 1 {
                return Err(crate::backend::BackendError::unavailable("test", "the CA went away").into());
            }
            ca.reenroll(label, o)
        };
        let mut seen = vec![];
        let first =
            renew(&mine, &ReenrollOptions::default(), &stopping, &mut |done, total, _| seen.push((done, total)));
        assert_eq!(seen, [(1, 4), (2, 4), (3, 4), (4, 4)]);
        assert_eq!(first.iter().filter(|r| r.result.is_ok()).count(), 1);
        for label in ["admin", "u1", "u2", "u3"] {
            let id = wallet.get(label).unwrap();
            crate::crypto::verify(&id.certificate().public_key().unwrap(), b"m", &id.sign(b"m").unwrap()).unwrap();
        }

        // The rerun finds only what is left, and finishes it.
        let left = select(&wallet, Selection::Within(10 * DAY), Some(&ski), now).unwrap();
        assert_eq!(left.len(), 3, "{left:?}");
        let second = renew(
            &left,
            &ReenrollOptions { reuse_key: true, ..Default::default() },
            &|l, o| ca.reenroll(l, o),
            &mut |_, _, _| {},
        );
        assert!(second.iter().all(|r| r.result.is_ok()), "{second:?}");
        assert!(select(&wallet, Selection::Within(10 * DAY), Some(&ski), now).unwrap().is_empty());
        for label in ["admin", "u1", "u2", "u3"] {
            let id = wallet.get(label).unwrap();
            assert!(id.certificate().not_after() > now + time::Duration::days(19));
            assert_eq!(id.certificate().public_key().unwrap(), id.signer().public_key());
        }
    }
}
