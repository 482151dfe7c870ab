//! Migration between stores, with OpenBao in the middle: file → vault → memory → file keeps
//! every record bit for bit and the CA keeps issuing; a migration killed half-way and rerun
//! ends with the same result.

#[path = "../vault/harness.rs"]
mod harness;

use harness::{shared_dev, unique_prefix, ROOT_TOKEN};
use std::io::BufRead;
use std::process::{Command, Stdio};
use std::sync::Arc;
use wallet_core::backend::file::KdfParams;
use wallet_core::backend::{Backend, Expect, MemoryBackend, OpenOptions, Passphrase, RecordKey, Secret as Token};
use wallet_core::ca::*;
use wallet_core::migrate::{migrate, MigrateOptions, Outcome, KINDS};
use wallet_core::Wallet;
use wallet_tests::self_signed_identity;

fn file_options() -> OpenOptions {
    OpenOptions::new().with_passphrase(Passphrase::new("migrate")).with_kdf(KdfParams {
        m_cost_kib: 256,
        t_cost: 1,
        p_cost: 1,
    })
}

fn vault_options() -> OpenOptions {
    OpenOptions::new().with_token(Token::new(ROOT_TOKEN))
}

/// Every record of every kind, with its bytes.
fn contents(b: &dyn Backend) -> Vec<(RecordKey, Vec<u8>)> {
    let mut out = vec![];
    for kind in KINDS {
        for name in b.list(kind, "").unwrap() {
            let k = RecordKey::new(kind, &name);
            let v = b.get(&k).unwrap().unwrap().value.to_vec();
            out.push((k, v));
        }
    }
    out
}

/// A file wallet with identities (one with a chain), one whose key is a reference to another
/// store, and a CA with enrolments, an affiliation, a revocation and a CRL.
fn populated(uri: &str) -> Arc<Wallet> {
    let wallet = Arc::new(Wallet::create(uri, &file_options()).unwrap());
    for label in ["alice", "Bob Org1 ü", "carol@org1.example.com"] {
        wallet.put(&self_signed_identity(label, "Org1MSP"), false).unwrap();
    }
    let external =
        br#"{"v":1,"msp_id":"Org1MSP","certs":[],"key":{"type":"ref","scheme":"transit","id":"org1-hsm-admin"}}"#;
    wallet.backend().put(&RecordKey::new("identity", "hsm-admin"), external, Expect::Absent).unwrap();
    let (ca, secret) = CertificateAuthority::create_root(
        wallet.clone(),
        &CaOptions::new("org1-ca", "Org1MSP"),
        std::sync::Arc::new(SystemClock),
    )
    .unwrap();
    ca.enroll(&EnrollRequest { id: "admin".into(), secret: Some(secret), ..Default::default() }).unwrap();
    for i in 0..5 {
        let s = ca.register("admin", &RegistrationRequest { id: format!("peer{i}"), ..Default::default() }).unwrap();
        ca.enroll(&EnrollRequest { id: format!("peer{i}"), secret: Some(s), ..Default::default() }).unwrap();
    }
    ca.add_affiliation("admin", "org1.department9", false).unwrap();
    ca.revoke("admin", &RevokeTarget::Identity("peer3".into()), RevocationReason::Superseded).unwrap();
    ca.generate_crl("admin", &CrlOptions::default()).unwrap();
    drop(ca);
    wallet
}

#[test]
fn file_to_vault_to_memory_to_file_is_bit_for_bit_and_the_ca_keeps_issuing() {
    let tmp = tempfile::tempdir().unwrap();
    let source = populated(&format!("file:{}", tmp.path().join("a").display()));
    let original = contents(source.backend());
    let kinds: std::collections::BTreeSet<&str> = original.iter().map(|(k, _)| k.kind.as_str()).collect();
    for kind in ["identity", "ca", "ca-key", "ca-id", "ca-cert", "ca-aff", "ca-revoked", "ca-crl"] {
        assert!(kinds.contains(kind), "the fixture has no {kind} record");
    }

    let vault = Arc::new(Wallet::create(&shared_dev().uri(&unique_prefix("migrate")), &vault_options()).unwrap());
    let memory = Arc::new(Wallet::from_backend(Box::new(MemoryBackend::new())));
    let back = Arc::new(Wallet::create(&format!("file:{}", tmp.path().join("b").display()), &file_options()).unwrap());
    for (from, to) in [(&source, &vault), (&vault, &memory), (&memory, &back)] {
        let mut last = None;
        let report = migrate(from, to, &MigrateOptions::new(), &mut |p| last = Some((p.done, p.total))).unwrap();
        assert!(report.is_complete());
        assert_eq!(report.copied, original.len(), "{} → {}", from.location(), to.location());
        assert_eq!(last, Some((original.len(), original.len())));
        assert_eq!(report.external_keys, [("hsm-admin".to_owned(), "transit:org1-hsm-admin".to_owned())]);
        assert_eq!(contents(to.backend()), original, "{} → {}", from.location(), to.location());
    }
    assert_eq!(contents(source.backend()), original, "the source is untouched");

    // Identities load whole and sign; the CA opens from the copies and keeps issuing, with
    // serials new to the registry.
    for wallet in [&vault, &back] {
        let alice = wallet.get("alice").unwrap();
        assert_eq!(alice.certificate().der(), source.get("alice").unwrap().certificate().der());
        alice.sign(b"still mine").unwrap();
        let ca = CertificateAuthority::open(Arc::clone(wallet), "org1-ca").unwrap();
        let before: std::collections::BTreeSet<String> =
            ca.certificates(None).unwrap().into_iter().map(|c| c.serial).collect();
        let s = ca.register("admin", &RegistrationRequest { id: "newcomer".into(), ..Default::default() }).unwrap();
        let issued =
            ca.enroll(&EnrollRequest { id: "newcomer".into(), secret: Some(s), ..Default::default() }).unwrap();
        assert!(!before.contains(&issued.certificate().serial_hex()));
        assert_eq!(ca.identity("peer3").unwrap().state, IdentityState::Revoked);
        ca.generate_crl("admin", &CrlOptions::default()).unwrap();
    }
}

/// The worker: migrates `MIGRATE_FROM` (a file wallet) to `MIGRATE_TO` (a vault store),
/// printing one line per record, until the parent kills it.
#[test]
fn migrate_worker() {
    let (Ok(from), Ok(to)) = (std::env::var("MIGRATE_FROM"), std::env::var("MIGRATE_TO")) else { return };
    let from = Wallet::open(&from, &file_options()).unwrap();
    let to = Wallet::open(&to, &vault_options()).unwrap();
    migrate(&from, &to, &MigrateOptions::new(), &mut |p| println!("done {}", p.done)).unwrap();
    println!("finished");
}

#[test]
fn a_migration_killed_half_way_and_rerun_ends_the_same() {
    const IDENTITIES: usize = 400;
    let tmp = tempfile::tempdir().unwrap();
    let from_uri = format!("file:{}", tmp.path().join("src").display());
    let source = Wallet::create(&from_uri, &file_options()).unwrap();
    for i in 0..IDENTITIES {
        source.put(&self_signed_identity(&format!("id{i:04}"), "Org1MSP"), false).unwrap();
    }
    let original = contents(source.backend());
    let to_uri = shared_dev().uri(&unique_prefix("killed"));
    Wallet::create(&to_uri, &vault_options()).unwrap();

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "migrate_worker", "--nocapture", "--test-threads", "1"])
        .env("MIGRATE_FROM", &from_uri)
        .env("MIGRATE_TO", &to_uri)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    while let Some(Ok(line)) = lines.next() {
        if line.strip_prefix("done ").and_then(|n| n.parse::<usize>().ok()).is_some_and(|n| n >= IDENTITIES / 3) {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL, wherever it is
    child.wait().unwrap();
    let target = Wallet::open(&to_uri, &vault_options()).unwrap();
    let copied = target.list().unwrap().len();
    assert!((IDENTITIES / 3..IDENTITIES).contains(&copied), "killed half-way: {copied} of {IDENTITIES} copied");

    let mut outcomes = std::collections::BTreeMap::new();
    let report = migrate(&source, &target, &MigrateOptions::new(), &mut |p| {
        *outcomes.entry(format!("{:?}", p.outcome)).or_insert(0) += 1;
        assert_ne!(p.outcome, Outcome::Differs);
    })
    .unwrap();
    assert!(report.is_complete());
    assert_eq!(report.identical, copied, "the rerun skips what the killed run stored");
    assert_eq!(report.copied + report.identical, IDENTITIES);
    assert_eq!(contents(target.backend()), original, "same result as an uninterrupted run");
    // A third run changes nothing.
    let third = migrate(&source, &target, &MigrateOptions::new(), &mut |_| {}).unwrap();
    assert_eq!((third.copied, third.identical), (0, IDENTITIES));
}
