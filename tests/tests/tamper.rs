//! Tampering (issue 13): every single-byte change of every file of a sample file wallet
//! (header, index, index log, records) is either refused with an error or changes nothing a
//! reader sees; none lets a reader get a wrong or missing identity silently. Errors about a
//! record name it. A record copied over another label's file, or into another wallet, is refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use wallet_core::backend::{file::KdfParams, OpenOptions, Passphrase};
use wallet_core::Wallet;
use wallet_tests::self_signed_identity;

fn options() -> OpenOptions {
    // Cheap key derivation: thousands of opens; the KDF is not what is tested here.
    OpenOptions::new().with_passphrase(Passphrase::new("tamper")).with_kdf(KdfParams {
        m_cost_kib: 256,
        t_cost: 1,
        p_cost: 1,
    })
}

/// What a reader sees: every label with its certificate and MSP ID, each key checked against
/// its certificate. `Err` with the first error met.
fn view(dir: &Path) -> Result<BTreeMap<String, (Vec<u8>, String)>, String> {
    let wallet = Wallet::open(&format!("file:{}", dir.display()), &options()).map_err(|e| e.to_string())?;
    let mut seen = BTreeMap::new();
    for label in wallet.list().map_err(|e| e.to_string())? {
        let identity = wallet.get(&label).map_err(|e| e.to_string())?;
        let sig = identity.sign(b"tamper").map_err(|e| e.to_string())?;
        wallet_core::crypto::verify(&identity.certificate().public_key().unwrap(), b"tamper", &sig)
            .map_err(|e| format!("{label}: the key no longer signs for its certificate: {e}"))?;
        seen.insert(label, (identity.certificate().der().to_vec(), identity.msp_id().to_owned()));
    }
    Ok(seen)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn copy_dir(from: &Path, to: &Path) {
    for f in files(from) {
        let target = to.join(f.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&f, &target).unwrap();
    }
}

#[test]
fn every_single_byte_change_is_refused_or_harmless() {
    let tmp = tempfile::tempdir().unwrap();
    let sample = tmp.path().join("sample");
    let wallet = Wallet::create(&format!("file:{}", sample.display()), &options()).unwrap();
    for label in ["alice", "bob"] {
        wallet.put(&self_signed_identity(label, "Org1MSP"), false).unwrap();
    }
    drop(wallet);
    let expected = view(&sample).unwrap();
    assert_eq!(expected.len(), 2);

    let work = tmp.path().join("work");
    let (mut tried, mut refused, mut harmless, mut unnamed) = (0, 0, 0, vec![]);
    let mut misses = vec![];
    for file in files(&sample) {
        let rel = file.strip_prefix(&sample).unwrap().to_path_buf();
        let original = std::fs::read(&file).unwrap();
        for offset in 0..original.len() {
            let _ = std::fs::remove_dir_all(&work);
            copy_dir(&sample, &work);
            let mut bytes = original.clone();
            bytes[offset] ^= 0x01;
            std::fs::write(work.join(&rel), &bytes).unwrap();
            tried += 1;
            match view(&work) {
                Err(e) => {
                    refused += 1;
                    // A damaged record's error names it (its label, or its file).
                    if rel.starts_with("records")
                        && !(e.contains("alice") || e.contains("bob") || e.contains("records"))
                    {
                        unnamed.push(format!("{} @ {offset}: {e}", rel.display()));
                    }
                }
                Ok(seen) if seen == expected => harmless += 1,
                Ok(seen) => misses.push(format!("{} @ {offset}: read {:?}", rel.display(), seen.keys())),
            }
        }
    }
    eprintln!(
        "tamper: {tried} single-byte changes over {} files: {refused} refused, {harmless} changed nothing a reader sees, {} missed",
        files(&sample).len(),
        misses.len()
    );
    assert!(misses.is_empty(), "changes read back as other content: {misses:#?}");
    assert!(unnamed.is_empty(), "errors that do not name the damaged record: {unnamed:#?}");
    assert!(refused > tried / 2, "most changes must be refused ({refused} of {tried})");
}

#[test]
fn a_record_moved_to_another_label_or_wallet_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for dir in [&a, &b] {
        let wallet = Wallet::create(&format!("file:{}", dir.display()), &options()).unwrap();
        for label in ["alice", "bob"] {
            wallet.put(&self_signed_identity(label, "Org1MSP"), false).unwrap();
        }
    }
    let records = |dir: &Path| -> Vec<PathBuf> { files(&dir.join("records")) };
    // bob's record file copied over alice's, in the same wallet.
    let (ra, rb) = (records(&a), records(&b));
    assert_eq!(ra.len(), 2);
    let backup = std::fs::read(&ra[0]).unwrap();
    std::fs::copy(&ra[1], &ra[0]).unwrap();
    let err = view(&a).unwrap_err();
    assert!(err.contains("integrity") || err.contains("moved"), "{err}");
    std::fs::write(&ra[0], backup).unwrap();
    view(&a).unwrap();
    // The same label's record from another wallet (same passphrase).
    let name = ra[0].file_name().unwrap();
    let other = rb.iter().find(|p| p.file_name().unwrap() == name);
    let from_b = other.cloned().unwrap_or_else(|| rb[0].clone());
    std::fs::copy(&from_b, &ra[0]).unwrap();
    let err = view(&a).unwrap_err();
    assert!(err.contains("integrity") || err.contains("another") || err.contains("moved"), "{err}");
}
