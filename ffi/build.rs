//! Generate `wallet.h` with cbindgen into `OUT_DIR`.
//!
//! The committed `include/wallet.h` is compared with this output by `tests/header.rs`; set
//! `WALLET_FFI_WRITE_HEADER=1` to write it in place instead (`WALLET_FFI_WRITE_HEADER=1 cargo build -p ffi`).

use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=WALLET_FFI_WRITE_HEADER");

    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("ffi/cbindgen.toml is valid");
    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate wallet.h");
    bindings.write_to_file(out_dir.join("wallet.h"));
    if std::env::var_os("WALLET_FFI_WRITE_HEADER").is_some_and(|v| v == "1") {
        bindings.write_to_file(crate_dir.join("include").join("wallet.h"));
    }
}
