//! Replays the fuzz corpus and every regression input (`fuzz/corpus/<target>/`,
//! `fuzz/regressions/<target>/`) through the harnesses of `wallet_core::fuzzing`, on the stable
//! toolchain: a crash the fuzzer once found stays fixed. `cargo test -p wallet-core --features
//! fuzzing --test fuzz_corpus` (scripts/test.sh runs it before the fuzz smoke run).
//!
//! `cargo run -p wallet-core --features fuzzing --example fuzz_seeds` writes the seeds.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use wallet_core::fuzzing::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<_> = entries.map(|e| e.expect("a folder entry").path()).filter(|p| p.is_file()).collect();
    files.sort();
    files
}

#[test]
fn every_target_has_a_fuzz_target_file_and_a_seed_corpus() {
    let fuzz = fuzz_dir();
    let mut files: Vec<String> = std::fs::read_dir(fuzz.join("fuzz_targets"))
        .expect("fuzz/fuzz_targets")
        .map(|e| e.expect("an entry").path().file_stem().expect("a name").to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut names: Vec<String> = TARGETS.iter().map(|(n, _)| n.to_string()).collect();
    names.sort();
    assert_eq!(files, names, "fuzz/fuzz_targets/ and wallet_core::fuzzing::TARGETS disagree");
    let manifest = std::fs::read_to_string(fuzz.join("Cargo.toml")).expect("fuzz/Cargo.toml");
    for name in &names {
        assert!(manifest.contains(&format!("name = \"{name}\"")), "fuzz/Cargo.toml has no [[bin]] {name}");
        assert!(!inputs(&fuzz.join("corpus").join(name)).is_empty(), "fuzz/corpus/{name}/ is empty");
    }
}

#[test]
fn corpus_and_regressions_replay_without_a_panic() {
    let fuzz = fuzz_dir();
    let mut failures = Vec::new();
    let mut replayed = 0;
    for (name, harness) in TARGETS {
        for kind in ["corpus", "regressions"] {
            for file in inputs(&fuzz.join(kind).join(name)) {
                let data = std::fs::read(&file).expect("an input");
                if catch_unwind(AssertUnwindSafe(|| harness(&data))).is_err() {
                    failures.push(format!("{name}: {}", file.display()));
                }
                replayed += 1;
            }
        }
    }
    assert!(failures.is_empty(), "inputs that make a harness panic:\n{}", failures.join("\n"));
    assert!(replayed >= TARGETS.len(), "only {replayed} inputs replayed");
}
