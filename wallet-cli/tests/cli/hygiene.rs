//! Secret hygiene (issue 13): enrolment secrets land in private files and are not echoed.

use crate::common::*;
use predicates::prelude::*;

#[test]
fn a_generated_secret_goes_to_a_private_file_and_a_chosen_one_is_never_echoed() {
    let w = TestWallet::new();
    w.ok(["ca", "init", "org1-ca", "--msp-id", "Org1MSP"]);
    // --out: the secret in a file of mode 0600, stdout says where, not what.
    let file = w.tmp("user1.secret");
    let said = w.ok(["ca", "register", "user1", "--affiliation", "org1", "--out", file.to_str().unwrap()]);
    assert_eq!(mode(&file), 0o600);
    let secret = std::fs::read_to_string(&file).unwrap();
    let secret = secret.trim_end();
    assert!(secret.len() >= 16, "{secret:?}");
    assert!(said.contains("user1.secret") && !said.contains(secret), "{said}");
    // It enrols, and an existing file is not overwritten (the refusal registers nothing).
    w.ok(["ca", "enroll", "user1", "--secret-file", file.to_str().unwrap()]);
    w.cmd()
        .args(["ca", "register", "user2", "--affiliation", "org1", "--out", file.to_str().unwrap()])
        .assert()
        .failure()
        .stderr(predicate::str::contains("exists"));
    assert_eq!(std::fs::read_to_string(&file).unwrap().trim_end(), secret);
    w.cmd().args(["ca", "identities", "user2"]).assert().failure();
    // A secret the user chose is not printed, in text or JSON.
    let chosen = w.tmp("chosen.secret");
    std::fs::write(&chosen, "Chosen-By-Hand-0123456789\n").unwrap();
    for (id, json) in [("user3", false), ("user4", true)] {
        let mut cmd = w.cmd();
        if json {
            cmd.args(["--output", "json"]);
        }
        let out = cmd
            .args(["ca", "register", id, "--affiliation", "org1", "--secret-file", chosen.to_str().unwrap()])
            .assert()
            .success()
            .get_output()
            .clone();
        for stream in [&out.stdout, &out.stderr] {
            assert!(!String::from_utf8_lossy(stream).contains("Chosen-By-Hand"), "{id}: echoed");
        }
    }
    w.ok(["ca", "enroll", "user3", "--secret-file", chosen.to_str().unwrap()]);
    // reset-secret writes the same way.
    let reset = w.tmp("user2.secret");
    w.ok(["ca", "register", "user2", "--affiliation", "org1", "--out", w.tmp("first").to_str().unwrap()]);
    let said = w.ok(["ca", "reset-secret", "user2", "--out", reset.to_str().unwrap()]);
    assert_eq!(mode(&reset), 0o600);
    assert!(!said.contains(std::fs::read_to_string(&reset).unwrap().trim_end()));
    w.ok(["ca", "enroll", "user2", "--secret-file", reset.to_str().unwrap()]);
}

#[test]
fn signing_with_an_expired_or_revoked_certificate_warns() {
    let w = TestWallet::new();
    let (cert, key) = openssl_cert(w.dir.path(), "old", "20200101000000Z", "20210101000000Z");
    w.import_pem(&cert, &key, "old");
    let signed = w.cmd().args(["sign", "old"]).write_stdin("proposal").assert().success();
    let err = stderr(&signed);
    assert!(
        err.contains("warning") && err.contains("expired on 2021-01-01") && err.contains("wallet renew old"),
        "{err}"
    );

    w.ok(["ca", "init", "org1-ca", "--msp-id", "Org1MSP"]);
    let secret = w.tmp("u.secret");
    w.ok(["ca", "register", "u", "--affiliation", "org1", "--out", secret.to_str().unwrap()]);
    w.ok(["ca", "enroll", "u", "--secret-file", secret.to_str().unwrap()]);
    let fresh = w.cmd().args(["sign", "u"]).write_stdin("proposal").assert().success();
    assert!(stderr(&fresh).is_empty(), "a good certificate warns: {}", stderr(&fresh));
    w.ok(["ca", "revoke", "u", "--reason", "keycompromise"]);
    let revoked = w.cmd().args(["sign", "u"]).write_stdin("proposal").assert().success();
    let err = stderr(&revoked);
    assert!(err.contains("revoked by CA \"org1-ca\"") && err.contains("keycompromise"), "{err}");
}

/// The base64 lines of the private key in an SDK `.id` file.
fn key_lines(id: &std::path::Path) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(id).unwrap()).unwrap();
    let pem = v["credentials"]["privateKey"].as_str().unwrap().to_owned();
    pem.lines().map(str::trim).filter(|l| !l.starts_with("-----") && l.len() >= 16).map(str::to_owned).collect()
}

#[test]
fn no_secret_reaches_output_logs_or_plain_files_and_modes_are_private() {
    let w = TestWallet::new();
    let new_passphrase = "a brand new passphrase 4711";
    let keys = key_lines(&id_file("appUser"));
    assert!(!keys.is_empty());
    let secret_file = w.tmp("u.secret");
    let mut outputs = vec![];
    let mut run = |args: &[&str], env: Option<(&str, &str)>| {
        let mut cmd = w.cmd();
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let out = cmd.arg("-vv").args(args).assert().success().get_output().clone();
        outputs.push((args.join(" "), out.stdout, out.stderr));
    };
    run(&["import", id_file("appUser").to_str().unwrap()], None);
    run(&["ca", "init", "org1-ca", "--msp-id", "Org1MSP"], None);
    run(&["ca", "register", "u", "--affiliation", "org1", "--out", secret_file.to_str().unwrap()], None);
    run(&["ca", "enroll", "u", "--secret-file", secret_file.to_str().unwrap()], None);
    run(&["sign", "appUser", "--in", secret_file.to_str().unwrap()], None);
    run(&["show", "appUser"], None);
    run(&["list", "--long"], None);
    run(&["export", "appUser", "--format", "cert"], None);
    run(&["passwd"], Some(("WALLET_NEW_PASSPHRASE", new_passphrase)));
    let secret = std::fs::read_to_string(&secret_file).unwrap().trim().to_owned();
    let mut secrets: Vec<(&str, String)> = vec![
        ("passphrase", PASSPHRASE.to_owned()),
        ("new passphrase", new_passphrase.to_owned()),
        ("enrolment secret", secret),
    ];
    secrets.extend(keys.iter().map(|k| ("private key", k.clone())));
    for (command, stdout, stderr) in &outputs {
        let (stdout, stderr) = (String::from_utf8_lossy(stdout), String::from_utf8_lossy(stderr));
        for (what, value) in &secrets {
            assert!(!stdout.contains(value.as_str()), "`wallet -vv {command}` printed the {what}");
            assert!(!stderr.contains(value.as_str()), "`wallet -vv {command}` logged the {what}");
        }
    }
    // On disk: the folder is private, every file 0600, and none holds a secret in the clear.
    assert_eq!(mode(&w.path), 0o700);
    let mut stack = vec![w.path.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                assert_eq!(mode(&path), 0o700, "{}", path.display());
                stack.push(path);
                continue;
            }
            assert_eq!(mode(&path), 0o600, "{}", path.display());
            let bytes = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            for (what, value) in &secrets {
                assert!(!bytes.contains(value.as_str()), "{} holds the {what} in the clear", path.display());
            }
        }
    }
    // Secrets have no command-line flag: every way in is a file, stdin, the environment or a prompt.
    let help = w.ok(["--help"]);
    for flag in ["--passphrase ", "--passphrase=", "--secret ", "--secret=", "--pin ", "--token "] {
        assert!(!help.contains(flag), "a secret flag in `wallet --help`: {flag}");
    }
    for sub in
        [&["ca", "register", "--help"][..], &["ca", "enroll", "--help"], &["init", "--help"], &["passwd", "--help"]]
    {
        let help = w.ok(sub);
        for flag in ["--passphrase ", "--secret ", "--pin ", "--token "] {
            assert!(!help.contains(flag), "{sub:?} takes a secret as an argument: {flag}");
        }
    }
}
