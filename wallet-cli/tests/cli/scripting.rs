//! Scripts and people: a closed pipe, JSON errors, the passphrase on stdin, -v/-vv tracing.

use crate::common::*;
use predicates::prelude::*;
use std::process::Stdio;

/// A wallet holding CA `org1-ca` (admin enrolled) and a registered `user1` with its secret file.
fn wallet_with_user() -> (TestWallet, std::path::PathBuf) {
    let w = TestWallet::new();
    w.ok(["ca", "init", "org1-ca", "--msp-id", "Org1MSP"]);
    let secret = w.ok(["ca", "register", "user1", "--type", "client", "--affiliation", "org1"]);
    let path = w.tmp("user1.secret");
    std::fs::write(&path, secret).unwrap();
    (w, path)
}

#[test]
fn a_closed_pipe_after_a_stored_enrolment_ends_quietly() {
    let (w, secret) = wallet_with_user();
    // A pipe whose reader is gone before the command writes: every write fails with EPIPE.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wallet"))
        .env("HOME", w.dir.path())
        .env("WALLET_PASSPHRASE", PASSPHRASE)
        .env_remove("WALLET_URI")
        .arg("--wallet")
        .arg(&w.path)
        .args(["ca", "enroll", "user1", "--secret-file"])
        .arg(&secret)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "not quiet: {}", String::from_utf8_lossy(&out.stderr));
    // The enrolment was stored all the same.
    assert!(w.labels().contains(&"user1".to_owned()));
    // And a listing into a closed pipe too (`wallet list | head -1` once head has gone).
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wallet"))
        .env("HOME", w.dir.path())
        .env("WALLET_PASSPHRASE", PASSPHRASE)
        .env_remove("WALLET_URI")
        .arg("--wallet")
        .arg(&w.path)
        .args(["list", "--long"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!((out.status.code(), out.stderr.is_empty()), (Some(0), true));
}

#[test]
fn errors_are_json_with_output_json() {
    let w = TestWallet::new();
    let error = |args: &[&str], code: i32| -> serde_json::Value {
        let out = w.cmd().args(args).assert().code(code).get_output().clone();
        assert!(out.stdout.is_empty(), "{args:?} wrote on stdout");
        let value: serde_json::Value = serde_json::from_slice(&out.stderr)
            .unwrap_or_else(|e| panic!("{args:?}: stderr is not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
        value["error"].clone()
    };
    let e = error(&["--output", "json", "show", "nobody"], 3);
    assert_eq!(e["code"], "not-found");
    assert_eq!(e["exit_code"], 3);
    assert_eq!(e["message"], format!("no identity named \"nobody\" in {}", w.path.display()));
    assert!(e["hint"].as_str().unwrap().contains("wallet list"));
    // A usage error that clap finds, before any command runs; --output=json spelled either way.
    let e = error(&["--output=json", "list", "--bogus"], 2);
    assert_eq!(e["code"], "usage");
    assert!(e["message"].as_str().unwrap().contains("--bogus"), "{e}");
    // A wrong passphrase.
    let out = w.bare_cmd().env("WALLET_PASSPHRASE", "wrong").args(["--output", "json", "list"]).assert().code(4);
    let e: serde_json::Value = serde_json::from_slice(&out.get_output().stderr).unwrap();
    assert_eq!(e["error"]["code"], "passphrase");
    // Text output keeps the plain form.
    w.cmd().args(["show", "nobody"]).assert().code(3).stderr(predicate::str::starts_with("error: no identity"));
}

#[test]
fn the_passphrase_can_come_from_stdin_and_the_rest_stays_input() {
    let (w, _) = wallet_with_user();
    w.bare_cmd().args(["list", "--passphrase-stdin"]).write_stdin(format!("{PASSPHRASE}\n")).assert().success();
    w.bare_cmd()
        .args(["list", "--passphrase-stdin"])
        .write_stdin("wrong\n")
        .assert()
        .code(4)
        .stderr(predicate::str::contains("wrong passphrase"));
    // The first line is the passphrase; what follows is the message to sign.
    let message = w.tmp("message");
    std::fs::write(&message, b"hello").unwrap();
    let out = w
        .bare_cmd()
        .args(["sign", "admin", "--passphrase-stdin"])
        .write_stdin(format!("{PASSPHRASE}\nhello"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let sig = w.tmp("sig");
    std::fs::write(&sig, out).unwrap();
    w.ok(["verify", "admin", "--signature", sig.to_str().unwrap(), "--in", message.to_str().unwrap()]);
    // Empty stdin, and both sources at once, are refused.
    w.bare_cmd().args(["list", "--passphrase-stdin"]).write_stdin("").assert().code(4);
    w.bare_cmd().args(["list", "--passphrase-stdin", "--passphrase-file", "x"]).assert().code(2);
}

#[test]
fn verbose_logs_the_steps_and_never_a_secret() {
    let (w, secret_file) = wallet_with_user();
    let secret = std::fs::read_to_string(&secret_file).unwrap().trim().to_owned();
    let quiet = w.cmd().args(["list"]).assert().success().get_output().stderr.clone();
    assert!(quiet.is_empty(), "without -v nothing is logged");
    let out = w
        .cmd()
        .args(["-vv", "ca", "enroll", "user1", "--secret-file", secret_file.to_str().unwrap()])
        .assert()
        .success()
        .get_output()
        .clone();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("opening the wallet"), "{log}");
    assert!(log.contains("DEBUG"), "-vv logs details: {log}");
    assert!(log.contains("user1"), "{log}");
    assert!(!log.contains(PASSPHRASE), "the passphrase leaked: {log}");
    assert!(!log.contains(&secret), "the enrolment secret leaked: {log}");
    assert!(!log.contains("PRIVATE KEY"), "{log}");
    let v = w.cmd().args(["-v", "list"]).assert().success().get_output().stderr.clone();
    let v = String::from_utf8_lossy(&v);
    assert!(v.contains("INFO") && !v.contains("DEBUG"), "{v}");
}

#[test]
fn the_root_affiliation_is_shown_one_way_in_text_and_json() {
    // The CA's bootstrap admin sits at the root of the affiliation tree, as Fabric CA's does.
    let (w, _) = wallet_with_user();
    w.ok(["ca", "register", "rootuser", "--type", "client", "--affiliation", "."]);
    let text = w.ok(["ca", "identities"]);
    for id in ["admin", "rootuser"] {
        let line = text.lines().find(|l| l.starts_with(&format!("{id} "))).unwrap_or_else(|| panic!("{text}"));
        assert!(line.contains("affiliation=.  "), "{line}");
    }
    assert!(text.lines().any(|l| l.starts_with("user1 ") && l.contains("affiliation=org1  ")), "{text}");
    let json = w.json(["ca", "identities"]);
    let affiliation = |id: &str| {
        json.as_array().unwrap().iter().find(|i| i["id"] == id).unwrap_or_else(|| panic!("{json}"))["affiliation"]
            .clone()
    };
    assert_eq!(
        (affiliation("admin"), affiliation("rootuser"), affiliation("user1")),
        (".".into(), ".".into(), "org1".into())
    );
    // One identity, by its ID.
    assert_eq!(w.json(["ca", "identities", "rootuser"])[0]["affiliation"], ".");
    assert!(w.ok(["ca", "identities", "rootuser"]).contains("affiliation=.  "));
    // The certificate's view: `show` of the admin (hf.Affiliation is empty in the certificate).
    let show = w.ok(["show", "admin"]);
    let line = show.lines().find(|l| l.trim_start().starts_with("Affiliation:")).unwrap_or_else(|| panic!("{show}"));
    assert_eq!(line.split_whitespace().last(), Some("."), "{line}");
    assert_eq!(w.json(["show", "admin"])["fabric"]["affiliation"], ".");
    // A bulk row that writes the root as "." agrees with the registration stored as "".
    let csv = w.tmp("rows.csv");
    std::fs::write(&csv, "id,type,affiliation,attributes\nrootuser,client,.,\n").unwrap();
    let out = w.cmd().args(["ca", "bulk-enroll", "--csv"]).arg(&csv).assert().get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && !stderr.contains("registered as"), "a root row was refused: {stderr}");
    assert!(w.labels().contains(&"rootuser".to_owned()));
}
