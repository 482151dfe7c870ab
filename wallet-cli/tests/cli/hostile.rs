//! Hostile content (issue 13): certificate fields and labels reach the terminal escaped, and
//! labels that could display as another are refused or normalised.

use crate::common::*;
use predicates::prelude::*;

/// Bytes a terminal acts on: ESC, BEL, CR, and the bidirectional override U+202E.
fn assert_inert(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for (c, name) in [('\u{1b}', "ESC"), ('\u{7}', "BEL"), ('\r', "CR"), ('\u{202e}', "RLO")] {
        assert!(!text.contains(c), "{what} passes {name} to the terminal: {text:?}");
    }
}

/// A self-signed certificate whose CN, SAN and Fabric attribute carry terminal escapes.
fn hostile_certificate(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (esc, bel) = ('\u{1b}', '\u{7}');
    let subject = format!("/O=Org1/OU=client/CN=evil{esc}[2J{bel}user");
    let san = format!("subjectAltName=DNS:a{esc}]0;pwned{bel}.example");
    // Fabric's attribute extension is raw JSON; "\u001b" in it decodes to ESC.
    let attrs = hex::encode(br#"{"attrs":{"hf.EnrollmentID":"evil","role":"\u001b[31madmin\u202e"}}"#);
    let ext = format!("1.2.3.4.5.6.7.8.1=DER:{attrs}");
    let subject_arg = subject.as_str();
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "30",
            "-subj",
            subject_arg,
            "-addext",
            &san,
            "-addext",
            &ext,
            "-keyout",
            "evil.key",
            "-out",
            "evil.pem",
        ],
        dir,
    );
    (dir.join("evil.pem"), dir.join("evil.key"))
}

#[test]
fn certificate_fields_are_escaped_in_show_and_list() {
    let w = TestWallet::new();
    let (cert, key) = hostile_certificate(w.dir.path());
    w.import_pem(&cert, &key, "evil");
    for args in [&["show", "evil"][..], &["list", "--long"], &["show", "evil", "--output", "json"]] {
        let out = w.cmd().args(args).assert().success().get_output().clone();
        assert_inert(&format!("{args:?} (stdout)"), &out.stdout);
        assert_inert(&format!("{args:?} (stderr)"), &out.stderr);
    }
    // Shown escaped, not dropped: an administrator sees what the certificate holds.
    let show = w.ok(["show", "evil"]);
    assert!(show.contains("evil\\u{1b}[2J\\u{7}user"), "{show}");
    assert!(show.contains("a\\u{1b}]0;pwned\\u{7}.example"), "{show}");
    assert!(show.contains("\\u{1b}[31madmin\\u{202e}"), "{show}");
    // JSON keeps the real values for scripts (serde escapes them inside strings).
    let json = w.json(["show", "evil"]);
    assert!(json.to_string().contains("evil\\u001b[2J\\u0007user"), "{json}");
}

#[test]
fn labels_that_display_as_another_are_refused_and_spellings_of_one_label_agree() {
    let w = TestWallet::new();
    let import = |label: &str| {
        let mut cmd = w.cmd();
        cmd.arg("import").arg(id_file("appUser")).args(["--label", label]);
        cmd
    };
    // "user\u{202e}nimda" displays as "useradmin".
    import("user\u{202e}nimda").assert().code(1).stderr(predicate::str::contains("bidirectional"));
    assert!(w.labels().is_empty());
    // A decomposed "café" is stored composed (NFC), and either spelling finds it.
    import("cafe\u{301}").assert().success();
    assert_eq!(w.labels(), ["caf\u{e9}"]);
    w.ok(["show", "caf\u{e9}"]);
    w.ok(["show", "cafe\u{301}"]);
    import("caf\u{e9}").assert().failure().stderr(predicate::str::contains("already"));
    w.ok(["remove", "cafe\u{301}", "--force"]);
    assert!(w.labels().is_empty());
}
