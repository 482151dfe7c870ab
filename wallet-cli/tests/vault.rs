//! The `wallet` binary on a real OpenBao: a whole CA tour in a vault:// wallet, `wallet
//! migrate` to a file wallet and back (rerun-safe), and the errors a user sees.

#[path = "../../tests/vault/harness.rs"]
mod harness;

use assert_cmd::Command;
use predicates::prelude::*;

const PASSPHRASE: &str = "correct horse battery staple";
const FAST_KDF: &str = "19456,2,1";

fn wallet(uri: &str) -> Command {
    let mut cmd = Command::cargo_bin("wallet").unwrap();
    cmd.env_remove("WALLET_PASSPHRASE")
        .env_remove("BAO_TOKEN")
        .env("VAULT_TOKEN", harness::ROOT_TOKEN)
        .env("WALLET_KDF_PARAMS", FAST_KDF)
        .args(["--wallet", uri]);
    cmd
}

fn labels(uri: &str, passphrase: Option<&str>) -> serde_json::Value {
    let mut cmd = wallet(uri);
    if let Some(p) = passphrase {
        cmd.env("WALLET_PASSPHRASE", p);
    }
    let out = cmd.args(["--output", "json", "list"]).assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn quickstart_in_vault_then_migrate_to_a_file_wallet_and_rerun() {
    let dev = harness::shared_dev();
    let uri = dev.uri(&harness::unique_prefix("cli"));
    wallet(&uri).arg("init").assert().success();
    wallet(&uri).arg("quickstart").assert().success();
    let in_vault = labels(&uri, None);
    assert!(in_vault.to_string().contains("user1"), "{in_vault}");

    let tmp = tempfile::tempdir().unwrap();
    let file = format!("file:{}", tmp.path().join("w").display());
    let migrate = |extra: &[&str]| {
        let mut cmd = wallet(&uri);
        cmd.env("WALLET_TO_PASSPHRASE", PASSPHRASE).args(["migrate", "--to", &file]).args(extra);
        cmd.assert()
    };
    migrate(&[]).success().stdout(predicate::str::contains("copied").and(predicate::str::contains("0 already there")));
    migrate(&[]).success().stdout(predicate::str::contains(" 0 copied"));
    assert_eq!(labels(&file, Some(PASSPHRASE)), in_vault);
    // The copy's CA keeps issuing: enrol another user with it.
    let out = wallet(&file)
        .env("WALLET_PASSPHRASE", PASSPHRASE)
        .args(["ca", "register", "user2", "--type", "client", "--affiliation", "org1.department1"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let secret = String::from_utf8(out).unwrap().trim().to_owned();
    wallet(&file)
        .env("WALLET_PASSPHRASE", PASSPHRASE)
        .env("WALLET_ENROLL_SECRET", secret)
        .args(["ca", "enroll", "user2"])
        .assert()
        .success();
    assert!(labels(&file, Some(PASSPHRASE)).to_string().contains("user2"));
    // The source is kept. Once the copy's registry changes (user1 revoked there), migrating
    // it back over the original is refused record by record, unless forced.
    assert_eq!(labels(&uri, None), in_vault);
    wallet(&file)
        .env("WALLET_PASSPHRASE", PASSPHRASE)
        .args(["ca", "revoke", "--id", "user1", "--reason", "keycompromise"])
        .assert()
        .success();
    let back = {
        let mut cmd = wallet(&file);
        cmd.env("WALLET_PASSPHRASE", PASSPHRASE).args(["migrate", "--to", &uri]);
        cmd.assert()
    };
    back.failure().stderr(predicate::str::contains("differ in the target").and(predicate::str::contains("--force")));
}

#[test]
fn errors_say_what_to_do() {
    let port = harness::free_port();
    wallet(&format!("vault+http://127.0.0.1:{port}/secret/w?retry_for=0.3"))
        .arg("list")
        .assert()
        .failure()
        .stderr(predicate::str::contains("unreachable").and(predicate::str::contains(port.to_string())));
    let dev = harness::shared_dev();
    wallet(&dev.uri(&harness::unique_prefix("none")))
        .arg("list")
        .assert()
        .failure()
        .stderr(predicate::str::contains("no wallet at").and(predicate::str::contains("wallet init")));
    wallet(&dev.uri("w"))
        .env("VAULT_TOKEN", "s.expired-or-never-valid")
        .arg("list")
        .assert()
        .failure()
        .stderr(predicate::str::contains("expired, revoked or invalid").and(predicate::str::contains("log in again")));
    wallet("vault+http://10.1.2.3:8200/secret/w")
        .arg("list")
        .assert()
        .failure()
        .stderr(predicate::str::contains("only for a server on this machine"));
}

#[path = "support/kill.rs"]
mod kill;

/// Crash consistency on OpenBao: `wallet` commands SIGKILLed at random moments
/// (`support/kill.rs`), every kill checked. 50 kills here; `WALLET_KILLS=500` is the long run,
/// `WALLET_KILL_SEED=N` replays a reported seed.
#[test]
fn commands_killed_at_random_moments_leave_a_whole_vault_wallet() {
    let kills = std::env::var("WALLET_KILLS").map_or(50, |v| v.parse().expect("WALLET_KILLS is a number"));
    let seed = std::env::var("WALLET_KILL_SEED").map_or_else(
        |_| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64,
        |v| v.parse().expect("WALLET_KILL_SEED is a number"),
    );
    let dev = harness::shared_dev();
    let work = tempfile::tempdir().unwrap();
    let store = kill::Store {
        uri: dev.uri(&harness::unique_prefix("kill")),
        passphrases: None,
        env: vec![("VAULT_TOKEN".into(), harness::ROOT_TOKEN.into())],
        token: Some(harness::ROOT_TOKEN.into()),
        folder: None,
        work: work.path().to_owned(),
    };
    let started = std::time::Instant::now();
    let report = kill::run(&store, kills, seed);
    eprintln!("OpenBao wallet, seed {seed}: {report:?} in {:?}", started.elapsed());
    assert_eq!(report.kills, kills);
    assert!(report.kills - report.finished_first >= kills / 2, "most kills must land mid-command: {report:?}");
}
