//! The SIGKILL harness (issue 13): runs `wallet` commands that write (bulk enrolment, import,
//! `passwd`, migration, renewal, CA revocation) and kills each at a random moment, then checks
//! the store the way a user would find it:
//!
//! - the wallet opens (with the old or the new passphrase after a killed `passwd`);
//! - every identity in it is whole: its key matches its certificate, signs, and the signature
//!   verifies;
//! - nothing is half-written: every record of every kind the library writes opens, and (file
//!   wallets) the records folder holds exactly the records the index lists, with no stray files;
//! - the CA registry agrees with the issued certificates: each identity the CA issued is in its
//!   certificate list under its enrollment ID, and no serial is listed twice;
//! - a migration's target, where one was started, passes the same checks;
//! - the same command, run again to the end, succeeds.
//!
//! Used by `cli/kill.rs` (file wallet) and `vault.rs` (OpenBao). The kill moments come from a
//! seeded generator so that a failure reproduces: the seed is printed with every finding.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use wallet_core::backend::{OpenOptions, Passphrase, RecordKey, Secret};
use wallet_core::ca::{CaService as _, CertificateAuthority};
use wallet_core::Wallet;

/// Where the harness runs: a store URI, its credentials, and a scratch folder.
pub struct Store {
    pub uri: String,
    /// The two passphrases `passwd` alternates between (`None`: a store without one).
    pub passphrases: Option<[String; 2]>,
    /// Extra environment of every command (a Vault token).
    pub env: Vec<(String, String)>,
    /// The Vault token, for the checks made through the library.
    pub token: Option<String>,
    /// The file wallet's folder, for the checks of its files.
    pub folder: Option<PathBuf>,
    /// Scratch space: CSV files, the import folder, the migration target.
    pub work: PathBuf,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Report {
    pub kills: usize,
    /// Commands that had finished before their kill landed.
    pub finished_first: usize,
    pub checks: usize,
    pub identities_checked: usize,
    pub records_checked: usize,
}

/// The commands killed, in turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    BulkEnroll,
    Import,
    Passwd,
    Migrate,
    Renew,
    Revoke,
}

const FAST_KDF: &str = "19456,2,1";
const ROWS: usize = 6;

/// splitmix64: the kill moments only, never key material.
struct Moments(u64);

impl Moments {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n.max(1)
    }
}

struct Run<'a> {
    store: &'a Store,
    /// Index into `store.passphrases` of the one that opens the wallet now.
    current: usize,
    round: usize,
    seed: u64,
    migrate_target: String,
    report: Report,
}

/// Kill `kills` commands, checking after each; panics with the seed and the finding.
pub fn run(store: &Store, kills: usize, seed: u64) -> Report {
    let ops: Vec<Op> = [Op::BulkEnroll, Op::Import, Op::Passwd, Op::Migrate, Op::Renew, Op::Revoke]
        .into_iter()
        .filter(|op| *op != Op::Passwd || store.passphrases.is_some())
        .collect();
    let migrate_target = format!("file:{}", store.work.join("migrated").display());
    let mut run = Run { store, current: 0, round: 0, seed, migrate_target, report: Report::default() };
    run.setup();
    // How long each command takes when left alone: kills land anywhere in that span.
    let mut spans = Vec::new();
    for &op in &ops {
        let started = Instant::now();
        run.finish(op);
        spans.push(started.elapsed());
        run.check(op, "after an uninterrupted run");
    }
    let mut moments = Moments(seed);
    for kill in 0..kills {
        let which = kill % ops.len();
        let (op, span) = (ops[which], spans[which]);
        run.round += 1;
        if op == Op::BulkEnroll {
            run.forget_bulk_identities();
        }
        let delay = Duration::from_micros(moments.below(span.as_micros() as u64 * 11 / 10 + 1));
        let finished = run.kill(op, delay);
        run.report.kills += 1;
        run.report.finished_first += usize::from(finished);
        run.check(op, &format!("after kill {kill} ({op:?} at {delay:?})"));
        if op != Op::Passwd {
            run.finish(op);
            run.check(op, &format!("after rerunning {op:?} killed by kill {kill}"));
        }
    }
    run.report
}

/// The checks alone, on a store `run` has set up (for the tests that the checks can fail).
#[allow(dead_code)] // cli/kill.rs uses it; vault.rs does not
pub fn check(store: &Store, seed: u64) {
    let migrate_target = format!("file:{}", store.work.join("migrated").display());
    let mut run = Run { store, current: 0, round: 0, seed, migrate_target, report: Report::default() };
    run.check(Op::Passwd, "checking a store");
}

impl Run<'_> {
    fn passphrase(&self) -> Option<&str> {
        self.store.passphrases.as_ref().map(|p| p[self.current].as_str())
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wallet"));
        for var in ["WALLET_URI", "WALLET_PASSPHRASE", "WALLET_NEW_PASSPHRASE", "XDG_DATA_HOME"] {
            cmd.env_remove(var);
        }
        cmd.env("HOME", &self.store.work).env("WALLET_KDF_PARAMS", FAST_KDF).env("NO_COLOR", "1");
        cmd.envs(self.store.env.iter().map(|(k, v)| (k, v)));
        if let Some(p) = self.passphrase() {
            cmd.env("WALLET_PASSPHRASE", p);
        }
        cmd.args(["--wallet", &self.store.uri]).stdin(Stdio::null());
        cmd
    }

    fn must(&self, mut cmd: Command, what: &str) -> String {
        let out = cmd.output().expect("the wallet binary runs");
        assert!(
            out.status.success(),
            "seed {}: {what} failed ({}):\n{}{}",
            self.seed,
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    fn setup(&mut self) {
        self.must(self.command_with(&["init"]), "init");
        self.must(self.command_with(&["ca", "init", "org1-ca", "--msp-id", "Org1MSP"]), "ca init");
        // The import folder: the good identities of the Node SDK wallet fixture, renamed so that
        // none replaces the CA's admin.
        let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/fabric-network-2.2.20/wallet");
        let import = self.store.work.join("import");
        std::fs::create_dir_all(&import).expect("the import folder");
        for name in ["appUser", "nodePkcs8", "nodeSec1"] {
            std::fs::copy(sdk.join(format!("{name}.id")), import.join(format!("imported-{name}.id")))
                .expect("a fixture .id file");
        }
    }

    fn command_with(&self, args: &[&str]) -> Command {
        let mut cmd = self.command();
        cmd.args(args);
        cmd
    }

    /// The command of `op` in this round.
    fn op_command(&self, op: Op) -> Command {
        match op {
            Op::BulkEnroll => {
                let csv = self.store.work.join(format!("rows-{}.csv", self.round));
                let rows: String = (0..ROWS).map(|i| format!("k{}-{i},client,org1,\n", self.round)).collect();
                std::fs::write(&csv, rows).expect("the CSV file");
                let mut cmd = self.command_with(&["ca", "bulk-enroll", "--csv"]);
                cmd.arg(csv);
                cmd
            }
            Op::Import => {
                let mut cmd = self.command_with(&["import", "--force"]);
                cmd.arg(self.store.work.join("import"));
                cmd
            }
            Op::Passwd => {
                let next = self.store.passphrases.as_ref().expect("a passphrase store")[1 - self.current].clone();
                let mut cmd = self.command_with(&["passwd"]);
                cmd.env("WALLET_NEW_PASSPHRASE", next);
                cmd
            }
            Op::Migrate => {
                let mut cmd = self.command_with(&["migrate", "--force", "--to", &self.migrate_target]);
                cmd.env("WALLET_TO_PASSPHRASE", "migration target passphrase");
                cmd
            }
            Op::Renew => self.command_with(&["renew", "--all"]),
            Op::Revoke => {
                // The last row enrolled by the latest bulk enrolment that is not yet revoked.
                let id = format!("k{}-{}", self.latest_bulk_round(), ROWS - 1);
                self.command_with(&["ca", "revoke", "--id", &id, "--reason", "superseded"])
            }
        }
    }

    fn latest_bulk_round(&self) -> usize {
        // Bulk enrolment and revocation alternate in a fixed order; the round of the latest bulk
        // enrolment is the latest round whose CSV exists.
        (0..=self.round).rev().find(|r| self.store.work.join(format!("rows-{r}.csv")).exists()).unwrap_or(0)
    }

    /// Run `op` to the end.
    fn finish(&mut self, op: Op) {
        let out = self.op_command(op).output().expect("the wallet binary runs");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let ok = out.status.success()
            // A revocation rerun after the kill landed late finds the identity revoked already.
            || (op == Op::Revoke && text.contains("revoked"));
        assert!(ok, "seed {}: {op:?} run to the end failed ({}):\n{text}", self.seed, out.status);
        if op == Op::Passwd {
            self.current = 1 - self.current;
        }
    }

    /// Start `op`, SIGKILL it after `delay`; whether it had already finished.
    fn kill(&mut self, op: Op, delay: Duration) -> bool {
        let mut child = self.op_command(op).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("spawns");
        std::thread::sleep(delay);
        let finished = child.try_wait().expect("waits").is_some();
        let _ = child.kill();
        child.wait().expect("reaped");
        finished
    }

    /// Every check of the module docs, on the wallet and on the migration target.
    fn check(&mut self, op: Op, when: &str) {
        let context = format!("seed {}, {when}", self.seed);
        if op == Op::Passwd {
            // The wallet opens with exactly one of the two passphrases.
            let opens: Vec<usize> = (0..2).filter(|&i| self.open_with(i).is_ok()).collect();
            assert_eq!(opens.len(), 1, "{context}: the wallet opens with passphrases {opens:?} of the two");
            self.current = opens[0];
        }
        let wallet =
            self.open_with(self.current).unwrap_or_else(|e| panic!("{context}: the wallet does not open: {e}"));
        let wallet = std::sync::Arc::new(wallet);
        self.check_wallet(&wallet, &context, self.store.folder.as_deref());
        self.check_registry(&wallet, &context);
        if op == Op::Migrate {
            let target = self.store.work.join("migrated");
            if target.join("wallet.header").exists() {
                let copy = Wallet::open(
                    &self.migrate_target,
                    &OpenOptions::new().with_passphrase(Passphrase::new("migration target passphrase")),
                )
                .unwrap_or_else(|e| panic!("{context}: the migration target does not open: {e}"));
                self.check_wallet(&copy, &format!("{context} (migration target)"), Some(&target));
                self.check_copy(&wallet, &copy, &context);
            }
        }
        self.report.checks += 1;
    }

    /// Remove the identities of earlier bulk enrolments from the wallet (their registry records
    /// stay), so that the wallet, and the time `renew --all` takes, stay the same size.
    fn forget_bulk_identities(&self) {
        let wallet = self.open_with(self.current).expect("the wallet opens");
        for label in wallet.list().expect("labels") {
            if label.starts_with('k') {
                wallet.remove(&label).expect("an old bulk identity is removed");
            }
        }
    }

    fn open_with(&self, which: usize) -> wallet_core::Result<Wallet> {
        let mut options = OpenOptions::new();
        if let Some(p) = &self.store.passphrases {
            options = options.with_passphrase(Passphrase::new(p[which].clone()));
        }
        if let Some(t) = &self.store.token {
            options = options.with_token(Secret::new(t.clone()));
        }
        Wallet::open(&self.store.uri, &options)
    }

    fn check_wallet(&mut self, wallet: &Wallet, context: &str, folder: Option<&Path>) {
        let mut listed = 0;
        for kind in wallet_core::migrate::KINDS {
            let names = wallet.backend().list(kind, "").unwrap_or_else(|e| panic!("{context}: list {kind}: {e}"));
            for name in names {
                let record = wallet.backend().get(&RecordKey::new(kind, &name));
                match record {
                    Ok(Some(_)) => {}
                    Ok(None) => panic!("{context}: {kind} {name:?} is listed but absent"),
                    Err(e) => panic!("{context}: {kind} {name:?} does not open: {e}"),
                }
                listed += 1;
            }
        }
        self.report.records_checked += listed;
        for label in wallet.list().unwrap_or_else(|e| panic!("{context}: list: {e}")) {
            let identity = wallet.get(&label).unwrap_or_else(|e| panic!("{context}: identity {label:?}: {e}"));
            let public = identity.key().signer().public_key();
            assert_eq!(
                identity.certificate().public_key().ok(),
                Some(public),
                "{context}: the key of {label:?} is not its certificate's"
            );
            let signature =
                identity.sign(b"kill harness").unwrap_or_else(|e| panic!("{context}: {label:?} signs: {e}"));
            wallet_core::crypto::verify(&public, b"kill harness", &signature)
                .unwrap_or_else(|e| panic!("{context}: {label:?}'s signature does not verify: {e}"));
            self.report.identities_checked += 1;
        }
        if let Some(folder) = folder {
            let files: Vec<String> = std::fs::read_dir(folder.join("records"))
                .expect("records/")
                .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(files.len(), listed, "{context}: records/ holds {} files, the index {listed}", files.len());
            let stray: Vec<_> = std::fs::read_dir(folder)
                .expect("the wallet folder")
                .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
                .filter(|n| {
                    !["records", "wallet.header", "wallet.index", "wallet.ilog", "wallet.lock"].contains(&n.as_str())
                })
                .collect();
            assert!(stray.is_empty(), "{context}: stray files in the wallet folder: {stray:?}");
        }
    }

    /// Each identity the CA issued is in its certificate list under its own ID; no serial twice.
    fn check_registry(&self, wallet: &std::sync::Arc<Wallet>, context: &str) {
        let ca = CertificateAuthority::open(wallet.clone(), "org1-ca")
            .unwrap_or_else(|e| panic!("{context}: the CA does not open: {e}"));
        let certs = ca.certificates(None).unwrap_or_else(|e| panic!("{context}: the CA's certificate list: {e}"));
        let mut serials = BTreeSet::new();
        for c in &certs {
            assert!(serials.insert(c.serial.clone()), "{context}: serial {} is listed twice", c.serial);
        }
        let ca_cert = ca.info().expect("the CA's info").chain.first().expect("the CA certificate").clone();
        for label in wallet.list().expect("labels") {
            let identity = wallet.get(&label).expect("checked above");
            let cert = identity.certificate();
            if cert.issuer() != ca_cert.subject() || label.starts_with("imported-") {
                continue;
            }
            let serial = cert.serial_hex();
            let entry = certs.iter().find(|c| c.serial == serial);
            let entry =
                entry.unwrap_or_else(|| panic!("{context}: {label:?}'s certificate {serial} is not in the registry"));
            assert_eq!(entry.id, label, "{context}: certificate {serial} of {label:?} is registered to {}", entry.id);
        }
    }

    /// Every identity in the migration target is the source's, bit for bit.
    fn check_copy(&self, source: &Wallet, copy: &Wallet, context: &str) {
        for label in copy.list().expect("the target's labels") {
            let there = copy.get(&label).expect("checked");
            // The harness removes old bulk identities from the source; the target keeps them.
            let Some(here) = source.try_get(&label).expect("the source reads") else { continue };
            // The source moves on (renewals) after a copy; a copy is one of its past states.
            if here.certificate().der() == there.certificate().der() {
                assert_eq!(here.key_ref(), there.key_ref(), "{context}: {label:?} was copied with another key");
            }
        }
    }
}
