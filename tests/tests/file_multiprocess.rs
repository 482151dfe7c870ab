//! Several processes write one file wallet at once: compare-and-swap evaluated under the
//! cross-process lock loses no update, and the index ends up naming every record.

use std::process::Command;
use wallet_core::backend::file::{FileBackend, KdfParams};
use wallet_core::backend::{Backend, Expect, OpenOptions, Passphrase, RecordKey};
use wallet_core::env::WALLET_PASSPHRASE;

const WORKERS: usize = 4;
const INCREMENTS: usize = 15;
const CREATES: usize = 10;

#[test]
fn processes_share_a_file_wallet_without_losing_updates() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("wallet");
    let options = OpenOptions::new().with_passphrase(Passphrase::new("multi-process")).with_kdf(KdfParams {
        m_cost_kib: 256,
        t_cost: 1,
        p_cost: 1,
    });
    let backend = FileBackend::create(&dir, &options).unwrap();
    let counter = RecordKey::new("ca", "counter");
    backend.put(&counter, b"0", Expect::Absent).unwrap();

    let children: Vec<_> = (0..WORKERS)
        .map(|w| {
            Command::new(env!("CARGO_BIN_EXE_file-backend-worker"))
                .args([dir.to_str().unwrap(), &format!("w{w}"), &INCREMENTS.to_string(), &CREATES.to_string()])
                .env(WALLET_PASSPHRASE, "multi-process")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    std::fs::write(tmp.path().join("go"), b"").unwrap();
    let mut conflicts = 0u64;
    for (w, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "worker {w} failed: {stderr}");
        conflicts += String::from_utf8_lossy(&out.stdout).trim().parse::<u64>().unwrap();
    }
    eprintln!("{WORKERS} workers retried {conflicts} conflicts");

    let total = (WORKERS * INCREMENTS) as u64;
    let reopened = FileBackend::open(&dir, &options).unwrap();
    for b in [&backend, &reopened] {
        let last = b.get(&counter).unwrap().unwrap();
        assert_eq!((last.value.as_slice(), last.version), (total.to_string().as_bytes(), total + 1));
        let mut want: Vec<String> =
            (0..WORKERS).flat_map(|w| (0..CREATES).map(move |i| format!("w{w}/{i:03}"))).collect();
        want.sort();
        assert_eq!(b.list("worker", "").unwrap(), want);
        for name in &want {
            assert_eq!(b.get(&RecordKey::new("worker", name)).unwrap().unwrap().value.as_slice(), name.as_bytes());
        }
    }
    assert_eq!(std::fs::metadata(dir.join("wallet.lock")).unwrap().len(), 0, "a journal was left behind");
}
