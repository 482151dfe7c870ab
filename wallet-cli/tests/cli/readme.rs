//! The README's tour, run as written: every command of its `sh` blocks, in order, on a fresh
//! wallet, with `wallet` on PATH. A command that fails, or a README whose tour lost its
//! commands, fails the test.

use crate::common::*;
use std::path::Path;

/// The command lines of the `sh` blocks under `## A short tour`, comments dropped.
fn tour_commands(readme: &str) -> Vec<String> {
    let tour = readme.split("## A short tour").nth(1).expect("README has a tour");
    let tour = tour.split("\n## ").next().unwrap();
    let mut commands = vec![];
    let mut in_block = false;
    for line in tour.lines() {
        match line.trim() {
            "```sh" => in_block = true,
            "```" => in_block = false,
            l if in_block && !l.is_empty() && !l.starts_with('#') => {
                // A comment starts at "  # " (two spaces): none of the commands holds that.
                let command = l.split("  # ").next().unwrap().trim_end();
                commands.push(command.to_owned());
            }
            _ => {}
        }
    }
    commands
}

#[test]
fn every_command_of_the_readme_tour_runs_in_order_on_a_fresh_wallet() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap();
    let commands = tour_commands(&readme);
    assert!(commands.len() >= 40, "the tour lost its commands: {commands:?}");
    assert!(commands[0] == "wallet init", "the tour starts on a fresh wallet: {}", commands[0]);
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_wallet"), bin.join("wallet")).unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    for (n, command) in commands.iter().enumerate() {
        let out = std::process::Command::new("bash")
            .args(["-euo", "pipefail", "-c", command])
            .current_dir(&work)
            .env_clear()
            .env("PATH", &path)
            .env("HOME", dir.path())
            .env("WALLET_URI", "./tour-wallet")
            .env("WALLET_PASSPHRASE", PASSPHRASE)
            .env("WALLET_KDF_PARAMS", FAST_KDF)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "README tour step {} failed: {command}\nexit {:?}\nstdout: {}\nstderr: {stderr}",
            n + 1,
            out.status.code(),
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(!stderr.contains("panicked"), "step {}: {command}: {stderr}", n + 1);
        assert!(!stderr.contains(PASSPHRASE), "step {} printed the passphrase: {command}", n + 1);
    }
    // What the tour says it made is there.
    for file in ["crl.pem", "user1.card", "user1_identity.json", "caliper-identities.json", "man1/wallet.1"] {
        assert!(work.join(file).is_file(), "the tour did not make {file}");
    }
    assert!(work.join("peer0-msp/crls/crl.pem").is_file() || work.join("peer0-msp/signcerts").is_dir());
    let copy = std::process::Command::new(env!("CARGO_BIN_EXE_wallet"))
        .args(["--wallet", "./copy", "--output", "json", "list"])
        .current_dir(&work)
        .env("WALLET_PASSPHRASE", PASSPHRASE)
        .output()
        .unwrap();
    let labels: Vec<String> = serde_json::from_slice(&copy.stdout).unwrap();
    for label in ["app", "from-card", "from-console", "peer0", "user1"] {
        assert!(labels.contains(&label.to_owned()), "{label} missing from the copy: {labels:?}");
    }
}

#[test]
fn the_quickstart_wallet_is_ignored_by_git() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.contains("--wallet ./demo-wallet quickstart"), "the README's quickstart changed");
    let ignore = std::fs::read_to_string(root.join(".gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l.trim() == "demo-wallet/" || l.trim() == "/demo-wallet/"), "{ignore}");
}
