//! A child process for `tests/file_multiprocess.rs`: opens a file wallet and, interleaved,
//! adds 1 to a shared counter with compare-and-swap (retrying on conflict) and creates records
//! of its own, checking after each that `list` shows all of them.
//!
//! Usage: `file-backend-worker DIR WORKER INCREMENTS CREATES` with the passphrase in
//! `WALLET_PASSPHRASE`. Waits for `DIR/../go` to exist before starting, so workers overlap.
//! Prints the number of conflicts it retried.

use std::path::Path;
use std::process::ExitCode;
use wallet_core::backend::file::FileBackend;
use wallet_core::backend::{Backend, Expect, OpenOptions, RecordKey};
use wallet_core::env;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    match run(&args) {
        Ok(conflicts) => {
            println!("{conflicts}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("file-backend-worker: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<u64, String> {
    let [_, dir, worker, increments, creates] = args else {
        return Err("usage: file-backend-worker DIR WORKER INCREMENTS CREATES".into());
    };
    let number = |s: &str| s.parse::<usize>().map_err(|e| format!("{s:?}: {e}"));
    let (increments, creates) = (number(increments)?, number(creates)?);
    let passphrase = env::passphrase()
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{} is not set", env::WALLET_PASSPHRASE))?;
    let dir = Path::new(dir);
    let options = OpenOptions::new().with_passphrase(passphrase);
    let backend = FileBackend::open(dir, &options).map_err(|e| e.to_string())?;

    let go = dir.parent().ok_or("wallet folder has no parent")?.join("go");
    let started = std::time::Instant::now();
    while !go.exists() {
        if started.elapsed().as_secs() > 60 {
            return Err("no go signal within 60 s".into());
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }

    let counter = RecordKey::new("ca", "counter");
    let mut conflicts = 0;
    for i in 0..increments.max(creates) {
        if i < increments {
            loop {
                let current = backend.get(&counter).map_err(|e| e.to_string())?.ok_or("the counter is missing")?;
                let n: u64 = std::str::from_utf8(&current.value)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or("the counter is not a number")?;
                match backend.put(&counter, (n + 1).to_string().as_bytes(), Expect::Version(current.version)) {
                    Ok(_) => break,
                    Err(wallet_core::Error::Backend(wallet_core::backend::BackendError::Conflict { .. })) => {
                        conflicts += 1
                    }
                    Err(e) => return Err(e.to_string()),
                }
            }
        }
        if i < creates {
            let name = format!("{worker}/{i:03}");
            backend
                .put(&RecordKey::new("worker", &name), name.as_bytes(), Expect::Absent)
                .map_err(|e| e.to_string())?;
            let mine = backend.list("worker", &format!("{worker}/")).map_err(|e| e.to_string())?;
            let want: Vec<String> = (0..=i).map(|j| format!("{worker}/{j:03}")).collect();
            if mine != want {
                return Err(format!("after creating {name}, list shows {mine:?}"));
            }
        }
    }
    Ok(conflicts)
}
