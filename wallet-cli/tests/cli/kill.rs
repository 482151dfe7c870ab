//! Crash consistency of the file wallet: `wallet` commands SIGKILLed at random moments
//! (`support/kill.rs` says what is run and checked). 50 kills here; the long run is
//! `WALLET_KILLS=500 cargo test -p wallet-cli --test cli kill -- --nocapture`, and
//! `WALLET_KILL_SEED=N` replays the moments of a reported seed.

#[path = "../support/kill.rs"]
mod harness;

use crate::common::*;

/// The number of kills and the seed of their moments, from the environment or by default.
pub fn kills_and_seed(default_kills: usize) -> (usize, u64) {
    let kills = std::env::var("WALLET_KILLS").map(|v| v.parse().expect("WALLET_KILLS is a number"));
    let seed = std::env::var("WALLET_KILL_SEED").map(|v| v.parse().expect("WALLET_KILL_SEED is a number"));
    let seed = seed.unwrap_or_else(|_| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_nanos() as u64
    });
    (kills.unwrap_or(default_kills), seed)
}

fn file_store(dir: &std::path::Path) -> harness::Store {
    let folder = dir.join("wallet");
    harness::Store {
        uri: format!("file:{}", folder.display()),
        passphrases: Some([PASSPHRASE.to_owned(), "another horse battery staple".to_owned()]),
        env: vec![],
        token: None,
        folder: Some(folder),
        work: dir.to_owned(),
    }
}

#[test]
fn commands_killed_at_random_moments_leave_a_whole_wallet() {
    let (kills, seed) = kills_and_seed(50);
    let dir = tempfile::tempdir().unwrap();
    let store = file_store(dir.path());
    let started = std::time::Instant::now();
    let report = harness::run(&store, kills, seed);
    eprintln!("file wallet, seed {seed}: {report:?} in {:?}", started.elapsed());
    assert_eq!(report.kills, kills);
    assert!(report.kills - report.finished_first >= kills / 2, "most kills must land mid-command: {report:?}");
}

/// The harness's checks are not vacuous: each kind of damage a kill could leave fails them.
#[test]
fn the_checks_catch_a_half_written_or_damaged_wallet() {
    let dir = tempfile::tempdir().unwrap();
    let store = file_store(dir.path());
    harness::run(&store, 0, 7);
    harness::check(&store, 7);
    let folder = store.folder.clone().unwrap();
    let records: Vec<_> = std::fs::read_dir(folder.join("records")).unwrap().map(|e| e.unwrap().path()).collect();
    let fails = |what: &str| {
        let caught = std::panic::catch_unwind(|| harness::check(&store, 7));
        assert!(caught.is_err(), "the checks pass a wallet with {what}");
    };
    // A stray file (a temporary file left by a write).
    std::fs::write(folder.join("wallet.index.tmp"), b"x").unwrap();
    fails("a stray file");
    std::fs::remove_file(folder.join("wallet.index.tmp")).unwrap();
    // A record the index does not list (a create cut before its index entry).
    let extra = folder.join("records").join("00".repeat(32));
    std::fs::copy(&records[0], &extra).unwrap();
    fails("a record the index does not list");
    std::fs::remove_file(&extra).unwrap();
    // A damaged record.
    let mut bytes = std::fs::read(&records[0]).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&records[0], bytes).unwrap();
    fails("a damaged record");
}
