//! MSP folders as `fabric-ca-client enroll` writes them: `signcerts/`, `cacerts/`,
//! `intermediatecerts/`, `keystore/`, and `crls/`.
//!
//! Reading accepts what `fabric-ca-client` and cryptogen write: any certificate file name in
//! `signcerts/`, and a key named `<hex sha256(point)>_sk`, `priv_sk`, `key.pem` or anything else in
//! `keystore/` — the key used is the one whose public key matches the certificate, so the stale
//! keys that `reenroll` leaves behind are skipped.

use crate::crypto::{keystore_ski, parse_private_key_pem};
use crate::error::{Error, Result};
use crate::identity::{validate_label, Certificate, Identity, IdentityKey};
use std::path::{Path, PathBuf};

const FORMAT: &str = "MSP folder";

/// Sub-folder holding the enrolment certificate.
pub const SIGNCERTS: &str = "signcerts";
/// Sub-folder holding the private key.
pub const KEYSTORE: &str = "keystore";
/// Sub-folder holding the root certificates.
pub const CACERTS: &str = "cacerts";
/// Sub-folder holding intermediate CA certificates.
pub const INTERMEDIATECERTS: &str = "intermediatecerts";
/// Sub-folder holding certificate revocation lists.
pub const CRLS: &str = "crls";

/// The NodeOU identifiers Fabric recognises, in the order `config.yaml` lists them.
pub const NODE_OUS: [(&str, &str); 4] = [
    ("ClientOUIdentifier", "client"),
    ("PeerOUIdentifier", "peer"),
    ("AdminOUIdentifier", "admin"),
    ("OrdererOUIdentifier", "orderer"),
];

fn format_error(dir: &Path, detail: impl Into<String>) -> Error {
    Error::Format { format: FORMAT, what: dir.display().to_string(), detail: detail.into() }
}

/// Everything read from an MSP folder, with the files it came from.
#[derive(Debug)]
#[non_exhaustive]
pub struct MspContents {
    /// The identity: the certificate of `signcerts/`, its chain and the matching key.
    pub identity: Identity,
    /// The certificate file used.
    pub cert_file: PathBuf,
    /// The keystore file whose key matches the certificate.
    pub key_file: PathBuf,
    /// `crls/crl.pem`, when present.
    pub crl_pem: Option<String>,
}

/// Read an MSP folder into an identity: the certificate from `signcerts/`, the issuers from
/// `intermediatecerts/` and `cacerts/`, and the key in `keystore/` that matches the certificate.
pub fn read_dir(dir: &Path, label: &str, msp_id: &str) -> Result<Identity> {
    Ok(load(dir, label, msp_id)?.identity)
}

/// Like [`read_dir`], and also say which files were used and return the CRL.
///
/// The chain is ordered nearest issuer first: intermediates, then roots, each following the
/// issuer links from the certificate where they exist (certificates that are not on the path
/// come after, in file-name order).
pub fn load(dir: &Path, label: &str, msp_id: &str) -> Result<MspContents> {
    validate_label(label)?;
    let meta = std::fs::metadata(dir).map_err(|source| Error::Io {
        context: "cannot read MSP folder",
        path: dir.into(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(format_error(dir, "this is a file; give the folder that holds signcerts/ and keystore/"));
    }

    let (cert_file, leaf, mut pool) = read_signcert(dir)?;
    for sub in [INTERMEDIATECERTS, CACERTS] {
        for file in list_files(&dir.join(sub))?.unwrap_or_default() {
            let text = std::fs::read(&file).map_err(|source| Error::Io {
                context: "cannot read",
                path: file.clone(),
                source,
            })?;
            pool.extend(Certificate::parse_pem_chain(&text, &file.display().to_string())?);
        }
    }
    let chain = order_chain(&leaf, pool);

    let (key_file, key) = find_key(dir, &leaf, &cert_file)?;

    let crl_path = dir.join(CRLS).join("crl.pem");
    let crl_pem = match std::fs::read_to_string(&crl_path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(Error::Io { context: "cannot read", path: crl_path, source }),
    };

    let identity = Identity::new(label, msp_id, leaf, chain, IdentityKey::software(key))?;
    Ok(MspContents { identity, cert_file, key_file, crl_pem })
}

/// Regular files of a folder sorted by name, skipping hidden ones; `None` when it does not exist.
fn list_files(dir: &Path) -> Result<Option<Vec<PathBuf>>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(Error::Io { context: "cannot list", path: dir.into(), source }),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io { context: "cannot list", path: dir.into(), source })?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        // Follow symbolic links: Kubernetes mounts secrets as links into hidden folders.
        if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            files.push(path);
        }
    }
    files.sort();
    Ok(Some(files))
}

fn file_names(files: &[PathBuf]) -> String {
    files.iter().filter_map(|f| f.file_name()).map(|n| n.to_string_lossy()).collect::<Vec<_>>().join(", ")
}

/// The signing certificate, and any further certificates found in the same file.
fn read_signcert(dir: &Path) -> Result<(PathBuf, Certificate, Vec<Certificate>)> {
    let files = list_files(&dir.join(SIGNCERTS))?.ok_or_else(|| {
        format_error(dir, "no signcerts/ folder: an MSP folder holds its certificate in signcerts/cert.pem")
    })?;
    let file = match files.as_slice() {
        [] => return Err(format_error(dir, "signcerts/ is empty: the certificate (signcerts/cert.pem) is missing")),
        [one] => one.clone(),
        many => {
            return Err(format_error(
                dir,
                format!(
                    "signcerts/ holds {} files ({}); keep only the signing certificate",
                    many.len(),
                    file_names(many)
                ),
            ))
        }
    };
    let text =
        std::fs::read(&file).map_err(|source| Error::Io { context: "cannot read", path: file.clone(), source })?;
    let mut certs = Certificate::parse_pem_chain(&text, &file.display().to_string())?;
    let leaf = certs.remove(0);
    Ok((file, leaf, certs))
}

/// Nearest issuer first: non-root certificates on the issuer path, other non-roots, the root on
/// the path, other roots. Duplicates and the leaf itself are dropped.
fn order_chain(leaf: &Certificate, pool: Vec<Certificate>) -> Vec<Certificate> {
    let mut unique: Vec<Certificate> = Vec::new();
    for cert in pool {
        if &cert != leaf && !unique.contains(&cert) {
            unique.push(cert);
        }
    }
    let mut path: Vec<Certificate> = Vec::new();
    let mut current = leaf.clone();
    while !current.is_self_signed() {
        let Some(issuer) = unique.iter().find(|c| !path.contains(c) && issues(c, &current)) else { break };
        path.push(issuer.clone());
        current = issuer.clone();
    }
    let rest: Vec<Certificate> = unique.into_iter().filter(|c| !path.contains(c)).collect();
    let (path_roots, path_mid): (Vec<_>, Vec<_>) = path.into_iter().partition(Certificate::is_self_signed);
    let (rest_roots, rest_mid): (Vec<_>, Vec<_>) = rest.into_iter().partition(Certificate::is_self_signed);
    path_mid.into_iter().chain(rest_mid).chain(path_roots).chain(rest_roots).collect()
}

/// Whether `issuer` is named as the issuer of `cert` (subject match, and key identifiers agree when both exist).
fn issues(issuer: &Certificate, cert: &Certificate) -> bool {
    issuer.x509().tbs_certificate.subject == cert.x509().tbs_certificate.issuer
        && match (cert.authority_key_id(), issuer.subject_key_id()) {
            (Some(aki), Some(ski)) => aki == ski,
            _ => true,
        }
}

/// The keystore file whose key matches the certificate: the file named after the key's SKI is
/// tried first, then every other file.
fn find_key(dir: &Path, leaf: &Certificate, cert_file: &Path) -> Result<(PathBuf, crate::crypto::SoftwareKey)> {
    let cert_key = leaf.public_key()?;
    let cert_name = cert_file.strip_prefix(dir).unwrap_or(cert_file).display().to_string();
    let mut files = list_files(&dir.join(KEYSTORE))?
        .ok_or_else(|| format_error(dir, format!("no keystore/ folder: the private key of {cert_name} is missing")))?;
    if files.is_empty() {
        return Err(format_error(dir, format!("keystore/ is empty: the private key of {cert_name} is missing")));
    }
    let expected = format!("{}_sk", hex::encode(keystore_ski(&cert_key)));
    if let Some(pos) = files.iter().position(|f| f.file_name().is_some_and(|n| n == expected.as_str())) {
        let preferred = files.remove(pos);
        files.insert(0, preferred);
    }
    let mut rejected = Vec::new();
    for file in &files {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let bytes = super::read_secret_file(file)?;
        match parse_private_key_pem(&bytes, &file.display().to_string()) {
            Ok(key) if crate::crypto::Signer::public_key(&key) == cert_key => return Ok((file.clone(), key)),
            Ok(_) => rejected.push(format!("{name}: another key")),
            Err(e) => rejected.push(format!("{name}: not a usable key ({e})")),
        }
    }
    rejected.sort();
    Err(format_error(
        dir,
        format!("no file in keystore/ holds the private key of {cert_name} ({})", rejected.join("; ")),
    ))
}

/// What to write besides the identity.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// File name (without `.pem`) for `cacerts/` and `intermediatecerts/`; default `ca`.
    /// `fabric-ca-client` uses the CA address, e.g. `127-0-0-1-7054`.
    pub ca_file_stem: Option<String>,
    /// A PEM CRL to write as `crls/crl.pem`.
    pub crl_pem: Option<String>,
    /// Replace files that are already there (otherwise nothing is written when any is).
    pub overwrite: bool,
    /// Write `config.yaml` with NodeOUs enabled (default `true`).
    ///
    /// `fabric-ca-client` does not write it (operators add it by hand), but a peer or orderer
    /// only tells clients, peers, admins and orderers apart by certificate OU when NodeOUs are
    /// on, and Fabric CA puts the identity type in the OU for exactly that. Writing it makes the
    /// folder usable as a local MSP without the hand step; turn it off to get the exact
    /// `fabric-ca-client` layout.
    pub node_ous: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self { ca_file_stem: None, crl_pem: None, overwrite: false, node_ous: true }
    }
}

/// Default file stem of the CA certificate files.
pub const DEFAULT_CA_FILE_STEM: &str = "ca";

/// The NodeOUs `config.yaml` whose identifiers name `certifier` (a path inside the MSP folder,
/// e.g. `cacerts/ca.pem` or `intermediatecerts/ca.pem`) as the CA that issues the identities; no
/// `Certificate` line when it is `None`, which makes the identifiers match any CA of the MSP.
///
/// Fabric requires the certifier to be the certificate that *issued* the identities: with an
/// intermediate CA that is the intermediate, not the root (naming the root makes a peer or
/// orderer refuse to start with `certifiersIdentifier does not match`).
pub fn node_ous_config(certifier: Option<&str>) -> String {
    let mut out = String::from(
        "# NodeOUs: Fabric classifies identities by the OU that Fabric CA puts in their certificates.\n\
         # Written by wallet; fabric-ca-client does not write this file.\nNodeOUs:\n  Enable: true\n",
    );
    for (key, ou) in NODE_OUS {
        out.push_str(&format!("  {key}:\n"));
        if let Some(file) = certifier {
            // A JSON string is a valid YAML double-quoted scalar, whatever the file name holds.
            let quoted = serde_json::to_string(file).expect("strings always encode");
            out.push_str(&format!("    Certificate: {quoted}\n"));
        }
        out.push_str(&format!("    OrganizationalUnitIdentifier: {ou}\n"));
    }
    out
}

/// File names for the certificates of one MSP sub-folder: `<stem>.pem`, then `<stem>-1.pem`, …
///
/// One certificate per file, because Fabric's MSP reads only the first PEM block of each file
/// in `cacerts/` and `intermediatecerts/`: a second intermediate in the same file would be lost.
fn cert_file_names(stem: &str, count: usize) -> Vec<String> {
    (0..count).map(|i| if i == 0 { format!("{stem}.pem") } else { format!("{stem}-{i}.pem") }).collect()
}

/// Write an MSP folder in `fabric-ca-client`'s layout:
///
/// ```text
/// signcerts/cert.pem                    the certificate
/// keystore/<hex sha256(point)>_sk       the key, PKCS#8 PEM
/// cacerts/<stem>.pem                    self-signed members of the chain
/// intermediatecerts/<stem>.pem          the other members, nearest issuer first: the issuer of
///                 <stem>-1.pem, …       the certificate in <stem>.pem, one certificate per file
/// crls/crl.pem                          when options.crl_pem is given
/// config.yaml                           NodeOUs, when options.node_ous (see WriteOptions), naming
///                                       the issuing CA: intermediatecerts/<stem>.pem when the
///                                       chain has intermediates, else cacerts/<stem>.pem
/// ```
///
/// Every file is written atomically with mode 0600 and every folder created gets mode 0700
/// (stricter than `fabric-ca-client`, which leaves certificates 0644; a process running as another
/// user needs a chmod). Without `options.overwrite` nothing is written when any of these files
/// exists. With it, these files are replaced and other files are left alone. The key is written
/// first and the certificate last, so an interrupted write never leaves a certificate without its key.
pub fn write_dir(dir: &Path, identity: &Identity, options: &WriteOptions) -> Result<()> {
    let stem = options.ca_file_stem.as_deref().unwrap_or(DEFAULT_CA_FILE_STEM);
    validate_label(stem).map_err(|e| {
        let reason = if let Error::InvalidLabel { reason, .. } = e { reason } else { "it is not a file name" };
        format_error(dir, format!("CA file name {stem:?} is not usable: {reason}"))
    })?;
    let key_pem = super::pkcs8_pem(identity)?;
    let cert_key = identity.certificate().public_key()?;

    // Nearest issuer first, so the CA that issued the identity gets <stem>.pem of its folder.
    let leaf = identity.certificate();
    let chain = order_chain(leaf, identity.chain().to_vec());
    let (roots, intermediates): (Vec<&Certificate>, Vec<&Certificate>) = chain.iter().partition(|c| c.is_self_signed());

    let mut files: Vec<(PathBuf, zeroize::Zeroizing<Vec<u8>>)> = Vec::new();
    let mut add = |sub: &str, name: &str, bytes: Vec<u8>| files.push((dir.join(sub).join(name), bytes.into()));
    add(KEYSTORE, &format!("{}_sk", hex::encode(keystore_ski(&cert_key))), key_pem.as_bytes().to_vec());
    // The NodeOU certifier: the file of the certificate that issued the identity (the first root
    // when the chain does not hold its issuer, as before).
    let mut certifier = None;
    let mut first_root = None;
    for (sub, certs) in [(INTERMEDIATECERTS, &intermediates), (CACERTS, &roots)] {
        for (name, cert) in cert_file_names(stem, certs.len()).iter().zip(certs.iter()) {
            add(sub, name, cert.to_pem().into_bytes());
            if certifier.is_none() && issues(cert, leaf) {
                certifier = Some(format!("{sub}/{name}"));
            }
            if sub == CACERTS && first_root.is_none() {
                first_root = Some(format!("{sub}/{name}"));
            }
        }
    }
    let certifier = certifier.or(first_root);
    if let Some(crl) = &options.crl_pem {
        let blocks = pem::parse_many(crl).map_err(|e| Error::Pem { what: "the CRL".into(), detail: e.to_string() })?;
        if blocks.is_empty() || blocks.iter().any(|b| b.tag() != "X509 CRL") {
            return Err(Error::Pem { what: "the CRL".into(), detail: "expected only X509 CRL blocks".into() });
        }
        add(CRLS, "crl.pem", crl.clone().into_bytes());
    }
    if options.node_ous {
        let config = node_ous_config(certifier.as_deref());
        files.push((dir.join("config.yaml"), config.into_bytes().into()));
    }
    files.push((dir.join(SIGNCERTS).join("cert.pem"), identity.certificate().to_pem().into_bytes().into()));

    if !options.overwrite {
        if let Some((path, _)) = files.iter().find(|(p, _)| std::fs::symlink_metadata(p).is_ok()) {
            return Err(Error::AlreadyExists {
                kind: "file",
                name: path.strip_prefix(dir).unwrap_or(path).display().to_string(),
                location: dir.display().to_string(),
            });
        }
    }
    for (path, bytes) in &files {
        super::create_dir(path.parent().expect("joined paths have a parent"))?;
        super::write_private(path, bytes, options.overwrite)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Signer;
    use crate::formats::test_support::{self, TestCa};

    fn names(dir: &Path) -> Vec<String> {
        let mut out: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        out.sort();
        out
    }

    #[test]
    fn chain_is_split_and_ordered() {
        let root = TestCa::root("Root");
        let mid = root.intermediate("Mid");
        let id = test_support::identity_from(&mid, vec![mid.cert.clone(), root.cert.clone()], "u", "Org1MSP");
        let tmp = tempfile::tempdir().unwrap();
        let msp = tmp.path().join("msp");
        write_dir(&msp, &id, &WriteOptions::default()).unwrap();
        assert_eq!(names(&msp), ["cacerts", "config.yaml", "intermediatecerts", "keystore", "signcerts"]);
        let roots = Certificate::parse_pem_chain(&std::fs::read(msp.join("cacerts/ca.pem")).unwrap(), "t").unwrap();
        assert_eq!(roots, std::slice::from_ref(&root.cert));
        let mids =
            Certificate::parse_pem_chain(&std::fs::read(msp.join("intermediatecerts/ca.pem")).unwrap(), "t").unwrap();
        assert_eq!(mids, std::slice::from_ref(&mid.cert));
        let back = load(&msp, "u", "Org1MSP").unwrap();
        assert_eq!(back.identity.chain(), [mid.cert.clone(), root.cert.clone()]);
        assert_eq!(back.identity.certificate(), id.certificate());
        assert_eq!(back.identity.signer().public_key(), id.signer().public_key());
    }

    /// The `Certificate:` lines of a config.yaml.
    fn certifiers(msp: &Path) -> Vec<String> {
        let yaml = std::fs::read_to_string(msp.join("config.yaml")).unwrap();
        yaml.lines().filter_map(|l| l.trim().strip_prefix("Certificate: ")).map(str::to_owned).collect()
    }

    #[test]
    fn node_ou_certifier_is_the_issuing_ca() {
        // Issued by the root: the root.
        let root = TestCa::root("Root");
        let tmp = tempfile::tempdir().unwrap();
        let by_root = test_support::identity_from(&root, vec![root.cert.clone()], "r", "Org1MSP");
        write_dir(&tmp.path().join("r"), &by_root, &WriteOptions::default()).unwrap();
        assert_eq!(certifiers(&tmp.path().join("r")), ["\"cacerts/ca.pem\""; 4]);

        // Issued by an intermediate: the intermediate, which Fabric finds in intermediatecerts/
        // (naming the root made peers panic with "certifiersIdentifier does not match").
        let mid = root.intermediate("Mid");
        let by_mid = test_support::identity_from(&mid, vec![mid.cert.clone(), root.cert.clone()], "m", "Org1MSP");
        write_dir(&tmp.path().join("m"), &by_mid, &WriteOptions::default()).unwrap();
        assert_eq!(certifiers(&tmp.path().join("m")), ["\"intermediatecerts/ca.pem\""; 4]);

        // Two levels, chain given in any order: one certificate per file (Fabric reads only the
        // first PEM block of each), the issuing CA in ca.pem and named as the certifier.
        let low = mid.intermediate("Low");
        let by_low = test_support::identity_from(
            &low,
            vec![root.cert.clone(), mid.cert.clone(), low.cert.clone()],
            "l",
            "Org1MSP",
        );
        let dir = tmp.path().join("l");
        write_dir(&dir, &by_low, &WriteOptions { ca_file_stem: Some("org1-ca".into()), ..Default::default() }).unwrap();
        assert_eq!(certifiers(&dir), ["\"intermediatecerts/org1-ca.pem\""; 4]);
        assert_eq!(names(&dir.join(INTERMEDIATECERTS)), ["org1-ca-1.pem", "org1-ca.pem"]);
        assert_eq!(names(&dir.join(CACERTS)), ["org1-ca.pem"]);
        let file = |sub: &str, name: &str| {
            Certificate::parse_pem_chain(&std::fs::read(dir.join(sub).join(name)).unwrap(), name).unwrap()
        };
        assert_eq!(file(INTERMEDIATECERTS, "org1-ca.pem"), std::slice::from_ref(&low.cert));
        assert_eq!(file(INTERMEDIATECERTS, "org1-ca-1.pem"), std::slice::from_ref(&mid.cert));
        assert_eq!(file(CACERTS, "org1-ca.pem"), std::slice::from_ref(&root.cert));
        let back = load(&dir, "l", "Org1MSP").unwrap();
        assert_eq!(back.identity.chain(), [low.cert.clone(), mid.cert.clone(), root.cert.clone()]);
    }

    #[test]
    fn chain_order_follows_issuer_links() {
        let root = TestCa::root("Root");
        let a = root.intermediate("A");
        let b = a.intermediate("B");
        let other_root = TestCa::root("Other");
        let leaf = b.issue(&crate::crypto::SoftwareKey::generate().public_key(), "CN=x");
        // Any input order gives nearest issuer first, roots last, strangers after relatives.
        let pool = vec![other_root.cert.clone(), root.cert.clone(), a.cert.clone(), b.cert.clone(), a.cert.clone()];
        let chain = order_chain(&leaf, pool);
        assert_eq!(chain, [b.cert.clone(), a.cert.clone(), root.cert.clone(), other_root.cert.clone()]);
    }

    #[test]
    fn node_ous_yaml() {
        let yaml = node_ous_config(Some("cacerts/127-0-0-1-7054.pem"));
        for (key, ou) in NODE_OUS {
            let expect = format!(
                "  {key}:\n    Certificate: \"cacerts/127-0-0-1-7054.pem\"\n    OrganizationalUnitIdentifier: {ou}\n"
            );
            assert!(yaml.contains(&expect), "{yaml}");
        }
        assert!(yaml.contains("NodeOUs:\n  Enable: true\n"));
        assert!(!node_ous_config(None).contains("Certificate:"));
    }

    #[test]
    fn refuses_to_clobber_and_bad_stem() {
        let tmp = tempfile::tempdir().unwrap();
        let id = test_support::identity("u", "Org1MSP");
        write_dir(tmp.path(), &id, &WriteOptions::default()).unwrap();
        let before = std::fs::read(tmp.path().join("signcerts/cert.pem")).unwrap();
        let other = test_support::identity("u", "Org1MSP");
        let err = write_dir(tmp.path(), &other, &WriteOptions::default()).unwrap_err();
        assert!(matches!(err, Error::AlreadyExists { .. }), "{err}");
        assert_eq!(std::fs::read(tmp.path().join("signcerts/cert.pem")).unwrap(), before);
        assert_eq!(names(&tmp.path().join("keystore")).len(), 1, "a refused write left a key behind");
        write_dir(tmp.path(), &other, &WriteOptions { overwrite: true, ..Default::default() }).unwrap();
        // Two keys now, and the reader picks the one that matches the new certificate.
        assert_eq!(names(&tmp.path().join("keystore")).len(), 2);
        let back = read_dir(tmp.path(), "u", "Org1MSP").unwrap();
        assert_eq!(back.signer().public_key(), other.signer().public_key());
        let opts = WriteOptions { ca_file_stem: Some("../x".into()), ..Default::default() };
        let err = write_dir(&tmp.path().join("m2"), &id, &opts).unwrap_err().to_string();
        assert!(err.contains("CA file name \"../x\"") && err.contains("path separator"), "{err}");
        let opts = WriteOptions { crl_pem: Some("not a crl".into()), ..Default::default() };
        assert!(write_dir(&tmp.path().join("m3"), &id, &opts).is_err());
    }

    #[test]
    fn keys_by_any_name_and_unreadable_files() {
        let tmp = tempfile::tempdir().unwrap();
        let id = test_support::identity("u", "Org1MSP");
        write_dir(tmp.path(), &id, &WriteOptions { node_ous: false, ..Default::default() }).unwrap();
        let ks = tmp.path().join("keystore");
        let key_file = std::fs::read_dir(&ks).unwrap().next().unwrap().unwrap().path();
        std::fs::rename(&key_file, ks.join("priv_sk")).unwrap();
        std::fs::write(ks.join("a_junk"), b"not a key").unwrap();
        let other = crate::crypto::SoftwareKey::generate();
        std::fs::write(ks.join("b_other_sk"), other.to_pkcs8_pem().as_bytes()).unwrap();
        let got = load(tmp.path(), "u", "Org1MSP").unwrap();
        assert_eq!(got.key_file, ks.join("priv_sk"));
        std::fs::remove_file(ks.join("priv_sk")).unwrap();
        let err = read_dir(tmp.path(), "u", "Org1MSP").unwrap_err().to_string();
        assert!(err.contains(&tmp.path().display().to_string()), "{err}");
        assert!(err.contains("no file in keystore/ holds the private key of signcerts/cert.pem"), "{err}");
        assert!(err.contains("a_junk: not a usable key") && err.contains("b_other_sk: another key"), "{err}");
    }
}
