//! Help texts, completions, and errors that need no wallet.

use crate::common::*;
use predicates::prelude::*;

/// The subcommand names listed under "Commands:" in a help text.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|name| name != "help")
        .collect()
}

fn help_of(path: &[String]) -> String {
    let home = tempfile::tempdir().unwrap();
    let out = wallet_bin(home.path()).args(path).arg("--help").assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn every_command_help_has_examples_and_exit_codes() {
    let top = help_of(&[]);
    let mut pending: Vec<Vec<String>> = subcommands(&top).into_iter().map(|c| vec![c]).collect();
    assert!(pending.len() >= 11, "expected at least 11 commands, found {pending:?}");
    let mut seen = 0;
    while let Some(path) = pending.pop() {
        let help = help_of(&path);
        assert!(help.contains("Examples:\n"), "`wallet {} --help` has no examples:\n{help}", path.join(" "));
        assert!(help.contains("    $ wallet "), "`wallet {} --help` shows no command line:\n{help}", path.join(" "));
        assert!(help.contains("Exit codes:\n"), "`wallet {} --help` has no exit codes:\n{help}", path.join(" "));
        for sub in subcommands(&help) {
            let mut child = path.clone();
            child.push(sub);
            pending.push(child);
        }
        seen += 1;
    }
    assert!(seen >= 11);
    assert!(top.contains("Exit codes:") && top.contains("WALLET_PASSPHRASE"));
    assert!(top.contains(".local/share/wallet"), "the default wallet location is documented");
}

#[test]
fn bash_completions_name_the_binary_and_its_commands() {
    let home = tempfile::tempdir().unwrap();
    wallet_bin(home.path())
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("complete -F _wallet").and(predicate::str::contains("import")));
    wallet_bin(home.path())
        .args(["completions", "zsh"])
        .assert()
        .success()
        .stdout(predicate::str::contains("#compdef wallet"));
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    wallet_bin(home.path()).args(["list", "--no-such-flag"]).assert().code(2);
    wallet_bin(home.path()).args(["completions", "tcsh-ish"]).assert().code(2);
}

#[test]
fn passphrase_cannot_be_given_as_an_argument() {
    let home = tempfile::tempdir().unwrap();
    wallet_bin(home.path()).args(["--passphrase", "secret", "list"]).assert().code(2);
}

#[test]
fn memory_wallet_needs_no_passphrase() {
    let home = tempfile::tempdir().unwrap();
    wallet_bin(home.path()).args(["--wallet", "memory:", "--output", "json", "list"]).assert().success().stdout("[]\n");
    wallet_bin(home.path()).args(["--wallet", "memory:", "list"]).assert().success().stdout("");
}

#[test]
fn invalid_wallet_uri_is_refused_with_a_hint() {
    let home = tempfile::tempdir().unwrap();
    wallet_bin(home.path()).args(["--wallet", "ftp://host/w", "list"]).assert().code(1).stderr(
        predicate::str::contains("error: invalid wallet URI").and(predicate::str::contains("hint: use memory:")),
    );
}

#[test]
fn wallet_uri_comes_from_the_environment() {
    let home = tempfile::tempdir().unwrap();
    wallet_bin(home.path())
        .env("WALLET_URI", "memory:")
        .args(["--output", "json", "list"])
        .assert()
        .success()
        .stdout("[]\n");
}

#[test]
fn wallet_uri_follows_the_rules_of_wallet_core_env() {
    let home = tempfile::tempdir().unwrap();
    // --wallet wins over the variable.
    wallet_bin(home.path()).env("WALLET_URI", "ftp://host/w").args(["--wallet", "memory:", "list"]).assert().success();
    // An empty variable counts as unset: the default folder is used (and has no wallet).
    let default = home.path().join(".local/share/wallet");
    wallet_bin(home.path())
        .env("WALLET_URI", "")
        .arg("list")
        .assert()
        .failure()
        .stderr(predicate::str::contains(format!("no wallet at {}", default.display())));
    // A value that is not UTF-8 is refused, naming the variable.
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        wallet_bin(home.path())
            .env("WALLET_URI", std::ffi::OsStr::from_bytes(b"memory:\xff"))
            .arg("list")
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains("WALLET_URI is not valid UTF-8").and(predicate::str::contains("--wallet")),
            );
    }
}

#[test]
fn missing_identity_in_memory_wallet_exits_3() {
    let home = tempfile::tempdir().unwrap();
    wallet_bin(home.path()).args(["--wallet", "memory:", "show", "nobody"]).assert().code(3).stderr(
        predicate::str::contains("error: no identity named \"nobody\"")
            .and(predicate::str::contains("hint: `wallet list`")),
    );
}

#[test]
fn weak_kdf_params_are_refused() {
    let w = TestWallet::uninitialised();
    w.cmd().args(["init", "--kdf-params", "1024,1,1"]).assert().code(2).stderr(predicate::str::contains("OWASP"));
    w.cmd().env("WALLET_KDF_PARAMS", "8,1,1").arg("init").assert().code(2);
    assert!(!w.path.exists(), "a refused init creates nothing");
}

#[test]
fn empty_passphrase_file_is_refused() {
    let w = TestWallet::uninitialised();
    let file = w.tmp("empty.txt");
    std::fs::write(&file, "\n").unwrap();
    w.bare_cmd()
        .arg("--passphrase-file")
        .arg(&file)
        .arg("init")
        .assert()
        .code(4)
        .stderr(predicate::str::contains("is empty"));
    assert!(!w.path.exists());
}

#[test]
fn missing_wallet_is_reported_before_asking_for_a_passphrase() {
    let w = TestWallet::uninitialised();
    w.bare_cmd().arg("list").assert().code(3).stderr(
        predicate::str::contains("no wallet at").and(predicate::str::contains("hint: create it with `wallet init`")),
    );
}

#[test]
fn default_wallet_lives_under_xdg_data_home() {
    let home = tempfile::tempdir().unwrap();
    let xdg = home.path().join("xdg");
    wallet_bin(home.path())
        .env("XDG_DATA_HOME", &xdg)
        .env("WALLET_PASSPHRASE", PASSPHRASE)
        .env("WALLET_KDF_PARAMS", FAST_KDF)
        .arg("init")
        .assert()
        .success()
        .stdout(predicate::str::contains(xdg.join("wallet").display().to_string()));
    assert!(xdg.join("wallet").is_dir());
    // Without XDG_DATA_HOME: ~/.local/share/wallet.
    wallet_bin(home.path())
        .env("WALLET_PASSPHRASE", PASSPHRASE)
        .env("WALLET_KDF_PARAMS", FAST_KDF)
        .arg("init")
        .assert()
        .success();
    assert!(home.path().join(".local/share/wallet").is_dir());
}
