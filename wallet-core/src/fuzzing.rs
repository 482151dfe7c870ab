//! Fuzz harnesses, one per parser of untrusted input (feature `fuzzing`, not for applications).
//! `fuzz/fuzz_targets/*.rs` hands each libFuzzer input to one of these, and
//! `tests/tests/fuzz_corpus.rs` replays the kept corpus and every regression through the same
//! functions on the stable toolchain. A harness must not panic on any input: a panic is a
//! finding. Where a parse succeeds, each checks what must then hold (what decodes encodes back,
//! what is written reads back the same). `docs/fuzzing.md` lists the targets and campaigns.

use crate::backend::file::format_fuzz;
use crate::identity::Certificate;
use std::io::{Read, Write};
use std::path::Path;

/// A harness: one fuzz input in, a panic out for a finding.
pub type Harness = fn(&[u8]);

/// Every target: its name (the file under `fuzz/fuzz_targets/` and the corpus folder) and its
/// harness.
pub const TARGETS: &[(&str, Harness)] = &[
    ("file_header", file_header),
    ("file_record", file_record),
    ("file_index", file_index),
    ("file_log", file_log),
    ("file_journal", file_journal),
    ("id_json", id_json),
    ("msp_folder", msp_folder),
    ("certificate", certificate),
    ("private_key", private_key),
    ("csr", csr),
    ("fabric_ca_response", fabric_ca_response),
    ("backend_uri", backend_uri),
    ("bulk_csv", bulk_csv),
];

/// `wallet.header`.
pub fn file_header(data: &[u8]) {
    format_fuzz::header(data)
}

/// `records/<id>`, and the record key and value inside.
pub fn file_record(data: &[u8]) {
    format_fuzz::record(data)
}

/// `wallet.index`, and the index body inside.
pub fn file_index(data: &[u8]) {
    format_fuzz::index(data)
}

/// `wallet.ilog`, and the changes inside a frame.
pub fn file_log(data: &[u8]) {
    format_fuzz::log(data)
}

/// `wallet.lock`: single-record and batch journals, and their bodies.
pub fn file_journal(data: &[u8]) {
    format_fuzz::journal(data)
}

/// A Node SDK `.id` file. What parses writes back as JSON that parses to the same identity.
pub fn id_json(data: &[u8]) {
    let Ok(identity) = crate::formats::id::parse("fuzz", data, "fuzz input") else { return };
    let json = crate::formats::id::to_json(&identity).expect("a parsed identity writes as JSON");
    let back = crate::formats::id::parse("fuzz", json.as_bytes(), "written JSON").expect("written JSON parses");
    assert_eq!(back.certificate().der(), identity.certificate().der());
    assert_eq!(back.msp_id(), identity.msp_id());
    assert_eq!(back.key_ref(), identity.key_ref());
}

/// The folders of an MSP folder, in the order a fuzz input names them.
const MSP_DIRS: [&str; 6] = ["signcerts", "keystore", "cacerts", "intermediatecerts", "crls", "tlscacerts"];

/// An MSP folder (`signcerts/`, `keystore/`, `cacerts/`…). The input is a list of files, each
/// `folder byte ‖ u16 length ‖ contents`, written into a fresh folder that `msp::load` reads.
pub fn msp_folder(data: &[u8]) {
    let base = Path::new("/dev/shm");
    let dir = if base.is_dir() { tempfile::tempdir_in(base) } else { tempfile::tempdir() };
    let dir = dir.expect("a temporary folder");
    let mut rest = data;
    let mut n = 0;
    while let [folder, hi, lo, tail @ ..] = rest {
        let len = (usize::from(*hi) << 8 | usize::from(*lo)).min(tail.len());
        let (contents, next) = tail.split_at(len);
        let sub = dir.path().join(MSP_DIRS[usize::from(*folder) % MSP_DIRS.len()]);
        std::fs::create_dir_all(&sub).expect("a folder in the temporary folder");
        let name = if sub.ends_with("crls") { "crl.pem".to_owned() } else { format!("f{n}.pem") };
        std::fs::write(sub.join(name), contents).expect("a file in the temporary folder");
        n += 1;
        rest = next;
    }
    if let Ok(contents) = crate::formats::msp::load(dir.path(), "fuzz", "Org1MSP") {
        let key = contents.identity.key().signer().public_key();
        assert_eq!(
            contents.identity.certificate().public_key().expect("the loaded certificate has a key"),
            key,
            "an MSP folder loaded with a key that is not the certificate's"
        );
    }
}

/// Everything the wallet reads off a certificate, after it parsed.
fn inspect(cert: &Certificate) {
    let _ = (cert.subject(), cert.issuer(), cert.serial_hex(), cert.not_before(), cert.not_after());
    let _ = (cert.public_key(), cert.subject_key_id(), cert.authority_key_id(), cert.is_ca(), cert.is_self_signed());
    let _ = (cert.subject_alt_names(), cert.common_name(), cert.fabric_attributes(), cert.fabric_info());
    let _ = cert.subject_values(const_oid::db::rfc4519::OU);
    let again = Certificate::from_der(cert.der(), "re-read").expect("a parsed certificate's DER parses");
    assert_eq!(again.der(), cert.der());
    let pem = Certificate::from_pem(cert.to_pem().as_bytes(), "written PEM").expect("written PEM parses");
    assert_eq!(pem.der(), cert.der());
}

/// PEM and DER certificates and PEM chains.
pub fn certificate(data: &[u8]) {
    if let Ok(cert) = Certificate::from_der(data, "fuzz input") {
        inspect(&cert);
    }
    if let Ok(cert) = Certificate::from_pem(data, "fuzz input") {
        inspect(&cert);
    }
    if let Ok(chain) = Certificate::parse_pem_chain(data, "fuzz input") {
        chain.iter().for_each(inspect);
    }
}

/// Private keys: PKCS#8 and SEC1, PEM and DER, and a certificate with its key in one PEM text.
pub fn private_key(data: &[u8]) {
    use crate::crypto::SoftwareKey;
    let check = |key: SoftwareKey| {
        let pem = key.to_pkcs8_pem();
        let back = crate::crypto::parse_private_key_pem(pem.as_bytes(), "written PEM").expect("written PEM parses");
        assert_eq!(back.scalar_bytes(), key.scalar_bytes(), "a key read back is another key");
    };
    if let Ok(key) = crate::crypto::parse_private_key_pem(data, "fuzz input") {
        check(key);
    }
    if let Ok(key) = SoftwareKey::from_pkcs8_der(data, "fuzz input") {
        check(key);
    }
    if let Ok(key) = SoftwareKey::from_sec1_der(data, "fuzz input") {
        check(key);
    }
    if let Ok(key) = SoftwareKey::from_scalar_bytes(data, "fuzz input") {
        check(key);
    }
    let _ = crate::formats::pem_pair::parse("fuzz", "Org1MSP", data, data);
}

/// PKCS#10 certificate requests (PEM or DER), as the embedded CA reads them.
pub fn csr(data: &[u8]) {
    if let Ok(parsed) = crate::ca::parse_csr(data) {
        let _ = crate::identity::public_key_spki_der(&parsed.public_key);
    }
}

/// A Fabric CA server's responses. The first byte picks the operation, the second the HTTP
/// status; the rest is the body that a server on loopback answers with. The client signs its
/// token as the admin of an embedded CA in a memory wallet.
pub fn fabric_ca_response(data: &[u8]) {
    use crate::ca::{
        CertificateFilter, CrlOptions, EnrollRequest, RegistrationRequest, RevocationReason, RevokeTarget,
    };
    let [op, status, body @ ..] = data else { return };
    let status = [200u16, 201, 400, 401, 404, 500][usize::from(*status) % 6];
    let client = remote_client();
    client.server.answer(status, body);
    let ca = &client.ca;
    let _ = match op % 9 {
        0 => ca.cainfo().map(drop),
        1 => ca
            .enroll(&EnrollRequest {
                id: "user1".into(),
                secret: Some(crate::ca::Secret::new("user1pw")),
                label: Some("fuzz-user".into()),
                overwrite: true,
                ..Default::default()
            })
            .map(drop),
        2 => ca.identities("admin").map(drop),
        3 => ca.identity("admin", "user1").map(drop),
        4 => ca.certificates("admin", &CertificateFilter::default()).map(drop),
        5 => ca
            .revoke_with_crl("admin", &RevokeTarget::Identity("user1".into()), RevocationReason::Unspecified, true)
            .map(drop),
        6 => ca.generate_crl("admin", &CrlOptions::default()).map(drop),
        7 => ca.affiliations("admin").map(drop),
        _ => ca.register("admin", &RegistrationRequest { id: "user2".into(), ..Default::default() }).map(drop),
    };
    // Nothing a server says may leave a half-stored or mismatched identity in the wallet.
    if let Ok(Some(identity)) = client.ca.wallet().try_get("fuzz-user") {
        assert_eq!(identity.certificate().public_key().ok(), Some(identity.key().signer().public_key()));
    }
}

struct RemoteClient {
    server: Responder,
    ca: crate::ca::remote::RemoteCa,
}

fn remote_client() -> &'static RemoteClient {
    static CLIENT: std::sync::OnceLock<RemoteClient> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| {
        use crate::ca::{BootstrapOptions, CaOptions, CertificateAuthority};
        let wallet = std::sync::Arc::new(crate::Wallet::from_backend(Box::new(crate::backend::MemoryBackend::new())));
        let options = BootstrapOptions::root(CaOptions::new("org1-ca", "Org1MSP"));
        CertificateAuthority::bootstrap(wallet.clone(), &options).expect("an embedded CA in a memory wallet");
        let server = Responder::start();
        let mut options = crate::ca::remote::RemoteCaOptions::new(&format!("http://{}", server.addr), "Org1MSP");
        options.timeout = std::time::Duration::from_secs(5);
        let ca = crate::ca::remote::RemoteCa::connect(wallet, options).expect("a client for the loopback server");
        RemoteClient { server, ca }
    })
}

/// An HTTP/1.1 server on loopback that answers every request with the response set last.
struct Responder {
    addr: std::net::SocketAddr,
    next: std::sync::Arc<std::sync::Mutex<(u16, Vec<u8>)>>,
}

impl Responder {
    fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let addr = listener.local_addr().expect("its address");
        let next = std::sync::Arc::new(std::sync::Mutex::new((200, Vec::new())));
        let shared = next.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (status, body) = shared.lock().expect("not poisoned").clone();
                let _ = Self::serve(stream, status, &body);
            }
        });
        Self { addr, next }
    }

    fn answer(&self, status: u16, body: &[u8]) {
        *self.next.lock().expect("not poisoned") = (status, body.to_vec());
    }

    /// Read one request (head and `content-length` body), answer, close.
    fn serve(mut stream: std::net::TcpStream, status: u16, body: &[u8]) -> std::io::Result<()> {
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        let head_end = loop {
            let n = stream.read(&mut buf)?;
            if n == 0 {
                return Ok(());
            }
            request.extend_from_slice(&buf[..n]);
            if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
        };
        let head = String::from_utf8_lossy(&request[..head_end]).to_ascii_lowercase();
        let want = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        while request.len() - head_end < want {
            let n = stream.read(&mut buf)?;
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buf[..n]);
        }
        let head = format!(
            "HTTP/1.1 {status} Fuzz\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        stream.flush()
    }
}

/// Backend URIs (`file:`, `vault:`, `keychain:`…), key specs (`pkcs11:…`, `transit:…`), CA
/// targets and durations: everything a user or a configuration file names a place with.
pub fn backend_uri(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(uri) = crate::backend::BackendUri::parse(text) {
        let _ = (uri.scheme(), uri.rest(), uri.path());
        let _ = crate::backend::keychain::KeychainConfig::parse(&uri);
        let _ = crate::backend::vault::parse_config(&uri, &crate::backend::OpenOptions::new());
    }
    if let Ok(spec) = crate::crypto::KeySpec::parse(text) {
        let _ = crate::crypto::pkcs11::Pkcs11Spec::parse(spec.rest());
        let _ = crate::crypto::transit::TransitSpec::parse(spec.rest());
    }
    let _ = crate::ca::CaTarget::parse(text).display();
    let _ = crate::ca::parse_duration(text);
}

/// The bulk-enrolment CSV (`ca enroll --csv`).
pub fn bulk_csv(data: &[u8]) {
    if let Ok(rows) = crate::ca::BulkRow::parse_csv(data) {
        for row in &rows {
            let _ = format!("{row:?}");
        }
    }
}

/// Seed inputs made here rather than copied from recordings: the file layouts sealed under the
/// harnesses' keys, and an identity of an embedded CA as `.id` JSON, MSP folder, certificate,
/// key and CSR. `fuzz/seeds.rs` writes them, and the recordings, into `fuzz/corpus/`.
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    use crate::ca::{BootstrapOptions, CaOptions, CertificateAuthority, SubjectNames};
    let mut out = format_fuzz::seeds();
    let wallet = std::sync::Arc::new(crate::Wallet::from_backend(Box::new(crate::backend::MemoryBackend::new())));
    let made = CertificateAuthority::bootstrap(wallet, &BootstrapOptions::root(CaOptions::new("org1-ca", "Org1MSP")))
        .expect("an embedded CA in a memory wallet");
    let admin = made.admin.expect("the admin is enrolled");

    out.push(("id_json", crate::formats::id::to_json(&admin).expect("JSON").as_bytes().to_vec()));
    let cert = admin.certificate();
    out.push(("certificate", cert.to_pem().into_bytes()));
    out.push(("certificate", cert.der().to_vec()));
    let chain: String = std::iter::once(cert).chain(admin.chain()).map(Certificate::to_pem).collect();
    out.push(("certificate", chain.into_bytes()));

    let (cert_pem, key_pem) = crate::formats::pem_pair::to_pem(&admin).expect("a software key");
    out.push(("private_key", key_pem.as_bytes().to_vec()));
    out.push(("private_key", format!("{cert_pem}{}", key_pem.as_str()).into_bytes()));
    let der = pem::parse(key_pem.as_bytes()).expect("PEM").into_contents();
    out.push(("private_key", der));

    let names = SubjectNames::default();
    let csr = crate::ca::build_csr(admin.signer(), "user1", &names, &["peer0.org1.example.com".into()]).expect("CSR");
    out.push(("csr", pem::parse(csr.as_bytes()).expect("PEM").into_contents()));
    out.push(("csr", csr.into_bytes()));

    let dir = tempfile::tempdir().expect("a temporary folder");
    crate::formats::msp::write_dir(dir.path(), &admin, &Default::default()).expect("an MSP folder");
    out.push(("msp_folder", msp_input(dir.path())));
    out
}

/// An MSP folder as a `msp_folder` input: each file of the folders that target knows, as
/// `folder byte ‖ u16 length ‖ contents`.
pub fn msp_input(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for (n, sub) in MSP_DIRS.iter().enumerate() {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else { continue };
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for file in files {
            let bytes = std::fs::read(&file).expect("a file of the MSP folder");
            let len = u16::try_from(bytes.len()).expect("MSP files are shorter than 64 KiB");
            out.push(n as u8);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(&bytes);
        }
    }
    out
}
