//! Bootstrap in one step, and what a crash after any of its writes leaves: nothing visible, and
//! a rerun that yields a working CA. Also choosing the only CA, and the CA as a service.

use super::*;
use crate::backend::{Backend, BatchPut, Capabilities, Expect, MemoryBackend, RecordKey, Version, Versioned};
use crate::{Error, Result, Wallet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use time::macros::datetime;

/// A store over a shared memory backend that dies at its `fail_at`-th write (1-based; 0 =
/// never): that write and everything after it fail, as if the process had stopped there.
/// Atomic or not, as told: without, a batch is written record by record, each a write.
#[derive(Debug)]
struct Crashing {
    inner: Arc<MemoryBackend>,
    atomic: bool,
    fail_at: usize,
    writes: AtomicUsize,
}

impl Crashing {
    fn wallet(inner: &Arc<MemoryBackend>, atomic: bool, fail_at: usize) -> (Arc<Wallet>, Arc<Crashing>) {
        let store = Arc::new(Crashing { inner: inner.clone(), atomic, fail_at, writes: AtomicUsize::new(0) });
        (Arc::new(Wallet::from_backend(Box::new(Shared(store.clone())))), store)
    }

    fn write(&self) -> Result<()> {
        let n = self.writes.fetch_add(1, Ordering::SeqCst) + 1;
        if self.fail_at != 0 && n >= self.fail_at {
            return Err(crate::backend::BackendError::unavailable("crashing", format!("crashed at write {n}")).into());
        }
        Ok(())
    }
}

/// The wallet's handle on a [`Crashing`] store, so the test keeps one to count writes.
#[derive(Debug)]
struct Shared(Arc<Crashing>);

impl Backend for Shared {
    fn location(&self) -> String {
        "crashing:".into()
    }
    fn capabilities(&self) -> Capabilities {
        self.0.inner.capabilities().with_atomic_batch(self.0.atomic)
    }
    fn get(&self, key: &RecordKey) -> Result<Option<Versioned>> {
        self.0.inner.get(key)
    }
    fn put(&self, key: &RecordKey, value: &[u8], expect: Expect) -> Result<Version> {
        self.0.write()?;
        self.0.inner.put(key, value, expect)
    }
    fn put_batch(&self, writes: &[BatchPut<'_>]) -> Result<Vec<Version>> {
        if self.0.atomic {
            self.0.write()?;
            return self.0.inner.put_batch(writes);
        }
        writes.iter().map(|w| self.put(w.key, w.value, w.expect)).collect()
    }
    fn delete(&self, key: &RecordKey, expect: Expect) -> Result<bool> {
        self.0.write()?;
        self.0.inner.delete(key, expect)
    }
    fn list(&self, kind: &str, prefix: &str) -> Result<Vec<String>> {
        self.0.inner.list(kind, prefix)
    }
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(datetime!(2026-11-23 21:51:40 UTC)))
}

fn root_options() -> BootstrapOptions<'static> {
    BootstrapOptions::root(CaOptions::new("org1-ca", "Org1MSP")).with_clock(clock())
}

/// Every record in the store, by kind and name.
fn records(store: &MemoryBackend) -> Vec<(String, String)> {
    let kinds = ["ca", "ca-key", "ca-aff", "ca-id", "ca-cert", "ca-revoked", "ca-crl", "identity"];
    kinds.iter().flat_map(|k| store.list(k, "").unwrap().into_iter().map(|n| (k.to_string(), n))).collect()
}

/// The CA works: its admin (label "admin") registers and enrols a user who signs; the registry
/// holds exactly the admin's and the user's certificates, each enrolment counted once.
fn assert_works(ca: &CertificateAuthority, wallet: &Arc<Wallet>, context: &str) {
    let admin = wallet.get("admin").unwrap_or_else(|e| panic!("{context}: {e}"));
    assert_eq!(admin.chain(), [ca.certificate().clone()], "{context}");
    let service: &dyn CaService = ca;
    let request = RegistrationRequest { id: "u".into(), affiliation: Some("org1".into()), ..Default::default() };
    let secret = service.register("admin", &request).unwrap_or_else(|e| panic!("{context}: {e}"));
    let user = service.enroll(&EnrollRequest { id: "u".into(), secret: Some(secret), ..Default::default() }).unwrap();
    crate::crypto::verify(&user.certificate().public_key().unwrap(), b"m", &user.sign(b"m").unwrap()).unwrap();
    let admin_info = ca.identity("admin").unwrap();
    assert_eq!((admin_info.enrollments, admin_info.certificates.len()), (1, 1), "{context}");
    assert_eq!(admin_info.certificates[0], admin.certificate().serial_hex(), "{context}");
    let issued: Vec<String> = ca.certificates(None).unwrap().into_iter().map(|c| c.id).collect();
    assert_eq!(issued.len(), 2, "{context}: {issued:?}");
    assert_eq!(CertificateAuthority::list(wallet).unwrap(), ["org1-ca"], "{context}");
    let again = CertificateAuthority::open(wallet.clone(), "org1-ca").unwrap_or_else(|e| panic!("{context}: {e}"));
    assert_eq!(again.certificate(), ca.certificate(), "{context}");
}

#[test]
fn bootstrap_makes_a_root_ca_and_its_enrolled_admin_in_one_batch() {
    let store = Arc::new(MemoryBackend::new());
    let (wallet, counter) = Crashing::wallet(&store, true, 0);
    let done = CertificateAuthority::bootstrap(wallet.clone(), &root_options()).unwrap();
    assert_eq!(counter.writes.load(Ordering::SeqCst), 1, "one batch");
    let admin = done.admin.expect("the admin is enrolled");
    assert_eq!(admin.label(), "admin");
    assert_eq!(admin.certificate().subject(), "CN=admin,OU=client,O=Hyperledger,ST=North Carolina,C=US");
    assert_eq!(wallet.get("admin").unwrap().certificate(), admin.certificate());
    // The secret still enrols the admin elsewhere (unlimited enrolments by default).
    let again = done
        .ca
        .enroll(&EnrollRequest {
            id: "admin".into(),
            secret: Some(done.admin_secret.clone()),
            label: Some("admin2".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(again.fabric_info().enrollment_id, "admin");
    wallet.remove("admin2").unwrap();
    // Works; the second admin certificate is the only extra.
    let issued = done.ca.certificates(None).unwrap().len();
    assert_eq!(issued, 2);
}

#[test]
fn a_crash_after_any_write_leaves_no_ca_and_a_rerun_finishes() {
    for atomic in [false, true] {
        // How many writes a whole bootstrap makes on this kind of store.
        let total = {
            let store = Arc::new(MemoryBackend::new());
            let (wallet, counter) = Crashing::wallet(&store, atomic, 0);
            CertificateAuthority::bootstrap(wallet, &root_options()).unwrap();
            counter.writes.load(Ordering::SeqCst)
        };
        assert_eq!(total, if atomic { 1 } else { 6 }, "atomic={atomic}");
        for fail_at in 1..=total {
            let context = format!("atomic={atomic}, crash at write {fail_at} of {total}");
            let store = Arc::new(MemoryBackend::new());
            let (wallet, _) = Crashing::wallet(&store, atomic, fail_at);
            let e = CertificateAuthority::bootstrap(wallet.clone(), &root_options()).unwrap_err();
            assert!(
                matches!(&e, Error::Backend(crate::backend::BackendError::Unavailable { detail, .. }) if detail.contains("crashed")),
                "{context}: {e}"
            );
            // Nothing visible: no CA listed or openable.
            assert!(CertificateAuthority::list(&wallet).unwrap().is_empty(), "{context}");
            let e = CertificateAuthority::open(wallet.clone(), "org1-ca").unwrap_err();
            assert!(matches!(e, Error::Ca(CaError::UnknownCa { .. })), "{context}: {e}");
            if atomic {
                assert!(records(&store).is_empty(), "{context}: {:?}", records(&store));
            }
            // The process died; another runs the same bootstrap over what is left.
            let (wallet, _) = Crashing::wallet(&store, atomic, 0);
            let done = CertificateAuthority::bootstrap(wallet.clone(), &root_options())
                .unwrap_or_else(|e| panic!("{context}: rerun: {e}"));
            assert_works(&done.ca, &wallet, &context);
        }
    }
}

#[test]
fn leftovers_of_a_store_without_batches_are_replaced_in_one_batch_on_a_store_with() {
    // What the old four-write install left after its first write, or a non-atomic crash.
    for fail_at in 2..=6 {
        let store = Arc::new(MemoryBackend::new());
        let (wallet, _) = Crashing::wallet(&store, false, fail_at);
        CertificateAuthority::bootstrap(wallet, &root_options()).unwrap_err();
        assert!(records(&store).iter().any(|(k, _)| k == "ca-key"));
        let (wallet, _) = Crashing::wallet(&store, true, 0);
        let done = CertificateAuthority::bootstrap(wallet.clone(), &root_options()).unwrap();
        assert_works(&done.ca, &wallet, &format!("leftovers of write {fail_at}"));
    }
}

#[test]
fn the_admin_label_of_someone_else_is_refused_before_anything_is_written() {
    let store = Arc::new(MemoryBackend::new());
    let (wallet, _) = Crashing::wallet(&store, true, 0);
    let other = CertificateAuthority::bootstrap(
        wallet.clone(),
        &BootstrapOptions::root(CaOptions::new("other-ca", "Org2MSP")).with_clock(clock()),
    )
    .unwrap();
    let before = records(&store);
    let e = CertificateAuthority::bootstrap(wallet.clone(), &root_options()).unwrap_err();
    assert!(matches!(&e, Error::AlreadyExists { kind: "identity", name, .. } if name == "admin"), "{e}");
    assert_eq!(records(&store), before);
    // Under another label it goes through; registering only needs no label at all.
    let done = CertificateAuthority::bootstrap(
        wallet.clone(),
        &root_options().admin(AdminEnrolment::Enroll { label: Some("org1-admin".into()) }),
    )
    .unwrap();
    assert_eq!(done.admin.unwrap().label(), "org1-admin");
    let e = CertificateAuthority::bootstrap(wallet.clone(), &root_options()).unwrap_err();
    assert!(matches!(e, Error::Ca(CaError::CaExists { .. })), "{e}");
    let _ = other;
}

#[test]
fn an_intermediate_is_bootstrapped_with_its_admin_and_survives_a_crash() {
    let store = Arc::new(MemoryBackend::new());
    let (wallet, _) = Crashing::wallet(&store, false, 0);
    let root = CertificateAuthority::bootstrap(wallet.clone(), &root_options()).unwrap().ca;
    let mut options = CaOptions::new("org1-int", "Org1MSP");
    options.admin_id = "int-admin".into();
    // The parent records its certificate (2 writes), then the new CA crashes at its third.
    let (crashing, _) = Crashing::wallet(&store, false, 5);
    let parent = CertificateAuthority::open(crashing.clone(), "org1-ca").unwrap().with_clock(clock());
    let bootstrap = BootstrapOptions::intermediate(options.clone(), &parent, "admin");
    CertificateAuthority::bootstrap(crashing, &bootstrap).unwrap_err();
    assert_eq!(CertificateAuthority::list(&wallet).unwrap(), ["org1-ca"]);
    let done =
        CertificateAuthority::bootstrap(wallet.clone(), &BootstrapOptions::intermediate(options, &root, "admin"))
            .unwrap();
    let admin = done.admin.unwrap();
    assert_eq!(admin.label(), "int-admin");
    assert_eq!(admin.chain(), [done.ca.certificate().clone(), root.certificate().clone()]);
    assert_eq!(done.ca.parent(), Some("org1-ca"));
    // The parent issued two CA certificates: the one the crash left unused, and this one.
    let by_parent: Vec<_> = root.certificates(Some("admin")).unwrap().into_iter().map(|c| c.serial).collect();
    assert_eq!(by_parent.len(), 3, "the admin's own and two CA certificates");
    assert!(by_parent.contains(&done.ca.certificate().serial_hex()));
}

#[test]
fn open_default_opens_the_only_ca_and_lists_them_when_there_are_several() {
    let wallet = Arc::new(Wallet::from_backend(Box::new(MemoryBackend::new())));
    let e = CertificateAuthority::open_default(wallet.clone(), None).unwrap_err();
    assert!(matches!(e, Error::Ca(CaError::NoCa { .. })), "{e}");
    CertificateAuthority::bootstrap(wallet.clone(), &root_options()).unwrap();
    assert_eq!(CertificateAuthority::open_default(wallet.clone(), None).unwrap().name(), "org1-ca");
    let second = BootstrapOptions::root(CaOptions::new("org2-ca", "Org2MSP")).admin(AdminEnrolment::RegisterOnly);
    CertificateAuthority::bootstrap(wallet.clone(), &second).unwrap();
    let e = CertificateAuthority::open_default(wallet.clone(), None).unwrap_err();
    assert!(matches!(&e, Error::Ca(CaError::AmbiguousCa { names, .. }) if names == &["org1-ca", "org2-ca"]), "{e}");
    assert!(e.to_string().contains("org1-ca, org2-ca"), "{e}");
    assert_eq!(CertificateAuthority::open_default(wallet.clone(), Some("org2-ca")).unwrap().name(), "org2-ca");
    let e = CertificateAuthority::open_default(wallet, Some("org3-ca")).unwrap_err();
    assert!(matches!(e, Error::Ca(CaError::UnknownCa { .. })), "{e}");
}

#[test]
fn service_queries_with_a_caller_show_what_it_may_manage() {
    let wallet = Arc::new(Wallet::from_backend(Box::new(MemoryBackend::new())));
    let ca = CertificateAuthority::bootstrap(wallet.clone(), &root_options()).unwrap().ca;
    let service: &dyn CaService = &ca;
    let enrol = |id: &str, ty: &str, aff: &str, attrs: Vec<Attribute>| {
        let request = RegistrationRequest {
            id: id.into(),
            identity_type: Some(ty.into()),
            affiliation: Some(aff.into()),
            attributes: attrs,
            ..Default::default()
        };
        let secret = service.register("admin", &request).unwrap();
        service.enroll(&EnrollRequest { id: id.into(), secret: Some(secret), ..Default::default() }).unwrap();
    };
    enrol("dept1-reg", "client", "org1.department1", vec![Attribute::new("hf.Registrar.Roles", "client", false)]);
    enrol("c1", "client", "org1.department1", vec![]);
    enrol("p1", "peer", "org1.department1", vec![]);
    enrol("c2", "client", "org2", vec![]);
    let ids = |caller| -> Vec<String> { service.identities(caller).unwrap().into_iter().map(|i| i.id).collect() };
    assert_eq!(ids(None), ["admin", "c1", "c2", "dept1-reg", "p1"]);
    assert_eq!(ids(Some("admin")), ["admin", "c1", "c2", "dept1-reg", "p1"]);
    assert_eq!(ids(Some("dept1-reg")), ["c1", "dept1-reg"]);
    assert!(service.identity(Some("dept1-reg"), "c2").is_err());
    assert_eq!(service.identity(Some("dept1-reg"), "c1").unwrap().id, "c1");
    assert_eq!(service.affiliations(Some("dept1-reg")).unwrap(), ["org1.department1"]);
    let certs = service.certificates(Some("dept1-reg"), &CertificateFilter::default()).unwrap();
    let mut owners: Vec<String> = certs.into_iter().map(|c| c.id).collect();
    owners.sort();
    assert_eq!(owners, ["c1", "dept1-reg"]);
    let c1 = wallet.get("c1").unwrap().certificate().serial_hex();
    let filter = CertificateFilter { serial: Some(c1.to_uppercase()), ..Default::default() };
    assert_eq!(service.certificates(None, &filter).unwrap().len(), 1);
    service.revoke("admin", &RevokeTarget::Identity("c1".into()), RevocationReason::KeyCompromise).unwrap();
    let filter = CertificateFilter { exclude_revoked: true, ..Default::default() };
    assert!(service.certificates(None, &filter).unwrap().iter().all(|c| c.id != "c1"));
    // An identity this CA did not enrol cannot query.
    let e = service.identities(Some("nobody")).unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e}");
    let info = service.info().unwrap();
    assert_eq!((info.name.as_str(), info.msp_id.as_deref()), ("org1-ca", Some("Org1MSP")));
    assert_eq!(info.chain, [ca.certificate().clone()]);
}
