//! Writes the seed corpus of the fuzz targets (`docs/fuzzing.md`): run when a harness changes,
//! `cargo run -p wallet-core --features fuzzing --example fuzz_seeds`.

use std::path::Path;

/// Writes the seed corpus of every target into `fuzz/corpus/<target>/`: the inputs
/// `wallet_core::fuzzing::seeds` makes (sealed files, an embedded CA's identity) and the
/// recordings kept in `tests/fixtures/` (Fabric CA 1.5.21's responses and MSP folders, Node
/// fabric-network 2.2.20's `.id` files).
fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let fixtures = root.join("tests/fixtures");
    let mut seeds = wallet_core::fuzzing::seeds();

    // A wallet of the last release (sealed under its own key: mode 0 meets the real layout).
    let release = fixtures.join("wallet-v2-release/wallet");
    seeds.push(("file_header", read(&release.join("wallet.header"))));
    for (target, file) in [("file_index", "wallet.index"), ("file_log", "wallet.ilog"), ("file_journal", "wallet.lock")]
    {
        seeds.push((target, [&[0][..], &read(&release.join(file))].concat()));
    }
    let mut records: Vec<_> = std::fs::read_dir(release.join("records")).expect("records/").flatten().collect();
    records.sort_by_key(|e| e.path());
    seeds.push(("file_record", [&[0][..], &read(&records[0].path())].concat()));

    let ca = fixtures.join("fabric-ca-1.5.21");
    for msp in ["msp-admin", "msp-user2"] {
        seeds.push(("msp_folder", wallet_core::fuzzing::msp_input(&ca.join(msp))));
    }
    seeds.push(("certificate", read(&ca.join("ca-cert.pem"))));
    let transcript = String::from_utf8(read(&ca.join("http-transcript.jsonl"))).expect("UTF-8");
    for line in transcript.lines() {
        let exchange: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        let path = exchange["path"].as_str().expect("a path");
        let method = exchange["method"].as_str().expect("a method");
        let op = match (method, path.split('?').next().expect("a path")) {
            (_, "/cainfo") => 0,
            (_, "/enroll" | "/reenroll") => 1,
            ("GET", "/identities") => 2,
            (_, p) if p.starts_with("/identities/") => 3,
            (_, "/certificates") => 4,
            (_, "/revoke") => 5,
            (_, "/gencrl") => 6,
            (_, "/affiliations") => 7,
            _ => 8,
        };
        let status = match exchange["status"].as_u64().expect("a status") {
            200 => 0,
            201 => 1,
            400 => 2,
            401 => 3,
            404 => 4,
            _ => 5,
        };
        let body = exchange["resp_body"].as_str().expect("a body");
        seeds.push(("fabric_ca_response", [&[op, status][..], body.as_bytes()].concat()));
    }
    for entry in std::fs::read_dir(fixtures.join("fabric-network-2.2.20/wallet")).expect("the Node wallet") {
        seeds.push(("id_json", read(&entry.expect("an entry").path())));
    }
    for uri in [
        "./demo-wallet",
        "file:/var/lib/wallet/org1",
        "vault://127.0.0.1:8200/secret/wallet?namespace=org1&timeout=5",
        "vault+http://127.0.0.1:8200,127.0.0.2:8200/kv/org1/wallet?auth=approle&role-id-file=/run/role",
        "vault+https://bao.example.com/secret/wallet?ca-cert=/etc/ca.pem",
        "keychain:org1?store=keyutils&dir=/var/lib/wallet",
        "memory:",
        "pkcs11:token=wallet;object=org1-ca?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=env:PIN",
        "pkcs11:serial=01ab;id=%01%02",
        "transit:org1-ca?addr=http://127.0.0.1:8200&mount=transit",
        "https://ca.org1.example.com:7054/fabric/org1",
        "org1-ca",
        "90d",
        "8760h30m",
    ] {
        seeds.push(("backend_uri", uri.as_bytes().to_vec()));
    }
    for csv in [
        "id,type,affiliation,attributes\nuser1,client,org1.department1,role=auditor:ecert;team=a\n",
        "\"user,2\",peer,org1,\"x=\"\"q\"\"\"\nuser3,,,\n",
    ] {
        seeds.push(("bulk_csv", csv.as_bytes().to_vec()));
    }

    let corpus = root.join("fuzz/corpus");
    for (target, bytes) in seeds {
        let dir = corpus.join(target);
        std::fs::create_dir_all(&dir).expect("the corpus folder");
        let name = hex::encode(&wallet_core::crypto::sha256(&bytes)[..8]);
        std::fs::write(dir.join(format!("seed-{name}")), bytes).expect("a seed file");
    }
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
