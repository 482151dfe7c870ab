//! The committed header is what cbindgen makes from the source, and it declares every result code
//! exactly once with the number the Rust enum gives it.

use std::collections::{BTreeMap, HashSet};
use wallet::wallet_result;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/include/wallet.h");
const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/wallet.h"));

#[test]
fn committed_header_matches_the_generated_one() {
    let committed = std::fs::read_to_string(COMMITTED).expect("ffi/include/wallet.h is committed");
    assert!(
        committed == GENERATED,
        "ffi/include/wallet.h is stale: regenerate it with `WALLET_FFI_WRITE_HEADER=1 cargo build -p ffi` \
         and commit the result"
    );
}

/// `WALLET_RESULT_NAME = N` lines of the header's `enum wallet_result`.
fn header_codes() -> Vec<(String, u32)> {
    let committed = std::fs::read_to_string(COMMITTED).unwrap();
    let start = committed.find("enum wallet_result").expect("the header declares enum wallet_result");
    let body = &committed[start..];
    let body = &body[..body.find("};").expect("enum wallet_result is closed")];
    body.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("WALLET_RESULT_"))
        .map(|l| {
            let (name, value) = l.trim_end_matches(',').split_once(" = ").expect("NAME = N");
            (name.to_owned(), value.parse().expect("a decimal code"))
        })
        .collect()
}

/// `NullParameter` → `WALLET_RESULT_NULL_PARAMETER` (cbindgen's ScreamingSnakeCase with prefix).
fn c_name(code: wallet_result) -> String {
    let mut out = String::from("WALLET_RESULT");
    for c in format!("{code:?}").chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

#[test]
fn result_codes_are_unique_and_all_in_the_header() {
    let header = header_codes();
    assert!(header.len() > 20, "parsed only {} codes from the header", header.len());

    let numbers: HashSet<u32> = header.iter().map(|(_, n)| *n).collect();
    assert_eq!(numbers.len(), header.len(), "two codes share a number in the header: {header:?}");
    let names: HashSet<&str> = header.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.len(), header.len(), "a code name appears twice in the header");

    let rust: BTreeMap<String, u32> = wallet_result::ALL.iter().map(|c| (c_name(*c), *c as u32)).collect();
    assert_eq!(rust.len(), wallet_result::ALL.len(), "wallet_result::ALL lists a code twice");
    let header: BTreeMap<String, u32> = header.into_iter().collect();
    assert_eq!(rust, header, "wallet_result::ALL and the header's enum differ");

    for (name, n) in &rust {
        let code = wallet_result::from_u32(*n).unwrap();
        let block = n / 100;
        assert!(matches!(block, 0..=4 | 9), "{name} = {n} is outside the documented blocks");
        assert!(!code.message().is_empty());
    }
}
