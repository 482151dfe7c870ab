//! The vault backend against a real OpenBao: the backend conformance suite, TLS with our own
//! root (and a wrong root refused), tokens, AppRole, policies, namespaces and the errors an
//! operator must be able to act on.

#[path = "../vault/harness.rs"]
mod harness;

use harness::{shared_dev, unique_prefix, DevServer, ROOT_TOKEN};
use wallet_core::backend::vault::VaultError;
use wallet_core::backend::{self, Backend, BackendError, Expect, OpenOptions, RecordKey, Secret, TlsRoot};
use wallet_core::{Error, Wallet};
use wallet_tests::{self_signed_identity, Subject};

/// The vault backend words its own hints; the CLI and the C library pass them on as they are.
fn vault_hint(err: &Error) -> Option<String> {
    match err {
        Error::Backend(BackendError::Vault(v)) => v.hint(),
        _ => None,
    }
}

fn root_options() -> OpenOptions {
    OpenOptions::new().with_token(Secret::new(ROOT_TOKEN))
}

fn vault_error(err: &Error) -> &VaultError {
    match err {
        Error::Backend(BackendError::Vault(v)) => v,
        other => panic!("expected a vault error, got {other:?}: {other}"),
    }
}

/// A fresh store on the shared dev server.
fn fresh() -> Box<dyn Backend> {
    let uri = shared_dev().uri(&unique_prefix("conformance"));
    backend::create(&uri, &root_options()).unwrap()
}

/// A fresh store on the shared dev server, and how to open it again.
fn vault_subject() -> Subject {
    let uri = shared_dev().uri(&unique_prefix("conformance"));
    let backend = backend::create(&uri, &root_options()).unwrap();
    Subject::new(backend).with_reopen(move || backend::open(&uri, &root_options()).unwrap())
}

// The whole suite; its checks of atomic batches and delete-by-version are skipped because the
// store says it has neither, and `capabilities_are_stated_honestly` pins that down.
wallet_tests::backend_conformance!(vault, vault_subject);

#[test]
fn capabilities_are_stated_honestly() {
    let store = fresh();
    let caps = store.capabilities();
    assert!(!caps.atomic_batch, "KV v2 has no multi-key transaction");
    assert!(!caps.cas_delete, "KV v2 has no check-and-set on delete");
    assert!(caps.list && caps.persistent && caps.shared);
    assert!(caps.max_value_len.is_some());
    let provider = backend::provider(&backend::BackendUri::parse(&store.location()).unwrap()).unwrap();
    assert_eq!(provider.capabilities(), caps);
}

#[test]
fn records_live_at_escaped_paths_below_the_prefix() {
    let dev = shared_dev();
    let prefix = unique_prefix("paths");
    let store = backend::create(&dev.uri(&prefix), &root_options()).unwrap();
    store.put(&RecordKey::new("ca-cert", "root/../0a"), b"x", Expect::Absent).unwrap();
    let (status, body) = dev.admin("GET", &format!("secret/metadata/{prefix}/ca-cert?list=true"), None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["keys"], serde_json::json!(["root~2F..~2F0a"]));
    let (_, body) = dev.admin("GET", &format!("secret/data/{prefix}/ca-cert/root~2F..~2F0a"), None);
    assert_eq!(body["data"]["data"]["name"], "root/../0a");
    assert_eq!(body["data"]["data"]["value"], "eA==");
    // A secret someone else put there is not a record and is not listed.
    dev.admin(
        "POST",
        &format!("secret/data/{prefix}/ca-cert/not%20ours"),
        Some(serde_json::json!({"data": {"x": "1"}})),
    );
    assert_eq!(store.list("ca-cert", "").unwrap(), ["root/../0a"]);
}

#[test]
fn open_needs_a_created_store_and_create_refuses_a_used_prefix() {
    let dev = shared_dev();
    let uri = dev.uri(&unique_prefix("lifecycle"));
    let err = Wallet::open(&uri, &root_options()).unwrap_err();
    assert!(matches!(err, Error::Backend(BackendError::NoStore { .. })), "{err}");
    let wallet = Wallet::create(&uri, &root_options()).unwrap();
    wallet.put(&self_signed_identity("alice", "Org1MSP"), false).unwrap();
    let err = Wallet::create(&uri, &root_options()).unwrap_err();
    assert!(matches!(err, Error::AlreadyExists { kind: "wallet", .. }), "{err}");
    assert_eq!(Wallet::open(&uri, &root_options()).unwrap().list().unwrap(), ["alice"]);
    backend::remove(&uri, &root_options()).unwrap();
    assert!(matches!(Wallet::open(&uri, &root_options()), Err(Error::Backend(BackendError::NoStore { .. }))));
    Wallet::create(&uri, &root_options()).unwrap();
}

#[test]
fn token_from_the_environment_file_and_bad_tokens() {
    let dev = shared_dev();
    let uri = dev.uri(&unique_prefix("tokens"));
    Wallet::create(&uri, &root_options()).unwrap();
    // A token file (the path is a setting, the token never is).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, "root\n").unwrap();
    let options = OpenOptions::new().with_extra("token_file", file.display().to_string());
    Wallet::open(&uri, &options).unwrap();
    // A bad token is told apart from a policy refusal.
    let err = Wallet::open(&uri, &OpenOptions::new().with_token(Secret::new("s.not-a-token"))).unwrap_err();
    assert!(matches!(vault_error(&err), VaultError::TokenInvalid { .. }), "{err}");
    assert!(vault_hint(&err).unwrap().contains("log in again"), "{:?}", vault_hint(&err));
    // Secrets never go in the URI.
    let err = Wallet::open(&format!("{uri}?token=root"), &root_options()).unwrap_err();
    assert!(
        err.to_string().contains("secrets never go in URIs") || err.to_string().contains("unknown setting"),
        "{err}"
    );
}

#[test]
fn a_policy_refusal_names_the_path() {
    let dev = shared_dev();
    let prefix = unique_prefix("policy");
    let uri = dev.uri(&prefix);
    Wallet::create(&uri, &root_options()).unwrap().put(&self_signed_identity("alice", "Org1MSP"), false).unwrap();
    // A token that may read but not write.
    let policy = format!(
        "path \"secret/data/{prefix}/*\" {{ capabilities = [\"read\"] }}\n\
         path \"secret/metadata/{prefix}/*\" {{ capabilities = [\"read\", \"list\"] }}\n"
    );
    let (s, b) = dev.admin("PUT", &format!("sys/policies/acl/{prefix}"), Some(serde_json::json!({ "policy": policy })));
    assert_eq!(s, 204, "{b}");
    let (s, b) = dev.admin("POST", "auth/token/create", Some(serde_json::json!({ "policies": [prefix], "ttl": "1h" })));
    assert_eq!(s, 200, "{b}");
    let reader = Secret::new(b["auth"]["client_token"].as_str().unwrap());
    let wallet = Wallet::open(&uri, &OpenOptions::new().with_token(reader)).unwrap();
    assert_eq!(wallet.list().unwrap(), ["alice"]);
    let err = wallet.put(&self_signed_identity("bob", "Org1MSP"), false).unwrap_err();
    match vault_error(&err) {
        VaultError::PermissionDenied { path, .. } => assert_eq!(path, &format!("secret/data/{prefix}/identity/bob")),
        other => panic!("{other}"),
    }
    assert!(vault_hint(&err).unwrap().contains(&format!("secret/data/{prefix}/identity/bob")));
}

#[test]
fn approle_login_and_renewal_past_the_token_ttl() {
    let dev = shared_dev();
    let prefix = unique_prefix("approle");
    let uri = dev.uri(&prefix);
    Wallet::create(&uri, &root_options()).unwrap();
    let policy = format!(
        "path \"secret/data/{prefix}/*\" {{ capabilities = [\"create\", \"read\", \"update\"] }}\n\
         path \"secret/metadata/{prefix}/*\" {{ capabilities = [\"read\", \"list\", \"delete\"] }}\n\
         path \"secret/metadata/{prefix}\" {{ capabilities = [\"list\"] }}\n"
    );
    dev.admin("PUT", &format!("sys/policies/acl/{prefix}"), Some(serde_json::json!({ "policy": policy })));
    let mount = format!("approle-{}", prefix.len());
    let (s, b) = dev.admin("POST", &format!("sys/auth/{prefix}"), Some(serde_json::json!({ "type": "approle" })));
    assert!(s == 204 || s == 200, "{b}");
    let _ = mount;
    // Tokens live 2 s and can be renewed up to 3 s: a run of 5 s needs renewals and new logins.
    let (s, b) = dev.admin(
        "POST",
        &format!("auth/{prefix}/role/w"),
        Some(serde_json::json!({ "token_policies": [prefix], "token_ttl": "2s", "token_max_ttl": "3s" })),
    );
    assert_eq!(s, 204, "{b}");
    let (_, b) = dev.admin("GET", &format!("auth/{prefix}/role/w/role-id"), None);
    let role_id = b["data"]["role_id"].as_str().unwrap().to_owned();
    let (_, b) = dev.admin("POST", &format!("auth/{prefix}/role/w/secret-id"), None);
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("secret-id");
    std::fs::write(&secret_file, b["data"]["secret_id"].as_str().unwrap()).unwrap();
    let options = OpenOptions::new()
        .with_extra("role_id", role_id)
        .with_extra("secret_id_file", secret_file.display().to_string())
        .with_extra("approle_mount", prefix.clone());
    let wallet = Wallet::open(&uri, &options).unwrap();
    let start = std::time::Instant::now();
    let mut i = 0;
    while start.elapsed() < std::time::Duration::from_secs(5) {
        wallet.put(&self_signed_identity(&format!("user{i}"), "Org1MSP"), false).unwrap();
        i += 1;
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    assert_eq!(wallet.list().unwrap().len(), i);
    // A wrong secret id is a login failure.
    std::fs::write(&secret_file, "not-the-secret-id").unwrap();
    let err = Wallet::open(&uri, &options).unwrap_err();
    assert!(matches!(vault_error(&err), VaultError::LoginFailed { .. }), "{err}");
}

#[test]
fn a_mount_that_requires_check_and_set_still_takes_unconditional_writes() {
    let dev = shared_dev();
    let mount = unique_prefix("casreq");
    let (s, b) = dev.admin(
        "POST",
        &format!("sys/mounts/{mount}"),
        Some(serde_json::json!({"type": "kv", "options": {"version": "2"}})),
    );
    assert_eq!(s, 204, "{b}");
    let (s, b) = dev.admin("POST", &format!("{mount}/config"), Some(serde_json::json!({ "cas_required": true })));
    assert!(s == 204 || s == 200, "{b}");
    let uri = format!("vault+http://127.0.0.1:{}/{mount}/w", dev.port);
    let store = backend::create(&uri, &root_options()).unwrap();
    let k = RecordKey::new("ca", "x");
    assert_eq!(store.put(&k, b"1", Expect::Any).unwrap(), 1);
    assert_eq!(store.put(&k, b"2", Expect::Any).unwrap(), 2);
    assert_eq!(store.put(&k, b"3", Expect::Version(2)).unwrap(), 3);
    assert_eq!(store.get(&k).unwrap().unwrap().value.as_slice(), b"3");
}

#[test]
fn a_mount_that_is_not_kv_v2_is_named() {
    let dev = shared_dev();
    let mount = unique_prefix("kv1");
    dev.admin(
        "POST",
        &format!("sys/mounts/{mount}"),
        Some(serde_json::json!({"type": "kv", "options": {"version": "1"}})),
    );
    let err = Wallet::create(&format!("vault+http://127.0.0.1:{}/{mount}/w", dev.port), &root_options()).unwrap_err();
    assert!(matches!(vault_error(&err), VaultError::NotKv2 { .. }), "{err}");
    assert!(vault_hint(&err).unwrap().contains("kv-v2"));
    let err =
        Wallet::create(&format!("vault+http://127.0.0.1:{}/nosuchmount/w", dev.port), &root_options()).unwrap_err();
    assert!(matches!(vault_error(&err), VaultError::NotKv2 { .. }), "{err}");
}

#[test]
fn namespaces_keep_stores_apart() {
    let dev = shared_dev();
    let ns = unique_prefix("ns");
    let (s, b) = dev.admin("POST", &format!("sys/namespaces/{ns}"), Some(serde_json::json!({})));
    assert!(s == 200 || s == 204, "create namespace: {s} {b}");
    let agent = harness::admin_agent(None);
    let url = format!("{}/v1/sys/mounts/secret", dev.origin());
    let req = ureq::http::Request::builder()
        .method("POST")
        .uri(url)
        .header("X-Vault-Token", ROOT_TOKEN)
        .header("X-Vault-Namespace", ns.as_str())
        .body(r#"{"type":"kv","options":{"version":"2"}}"#.to_string())
        .unwrap();
    assert_eq!(agent.run(req).unwrap().status().as_u16(), 204);
    let prefix = unique_prefix("in-ns");
    let in_ns = format!("{}?namespace={ns}", dev.uri(&prefix));
    Wallet::create(&in_ns, &root_options()).unwrap().put(&self_signed_identity("alice", "Org1MSP"), false).unwrap();
    assert_eq!(Wallet::open(&in_ns, &root_options()).unwrap().list().unwrap(), ["alice"]);
    let err = Wallet::open(&dev.uri(&prefix), &root_options()).unwrap_err();
    assert!(matches!(err, Error::Backend(BackendError::NoStore { .. })), "the root namespace does not see it: {err}");
}

#[test]
fn unreachable_and_sealed_servers_are_named_and_change_nothing() {
    let port = harness::free_port();
    let uri = format!("vault+http://127.0.0.1:{port}/secret/w?retry_for=0.5");
    let err = Wallet::open(&uri, &root_options()).unwrap_err();
    assert!(matches!(vault_error(&err), VaultError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains(&port.to_string()));

    let dev = DevServer::start(false);
    let uri = format!("{}?retry_for=1", dev.uri("w"));
    let wallet = Wallet::create(&uri, &root_options()).unwrap();
    let (s, b) = dev.admin("PUT", "sys/seal", None);
    assert_eq!(s, 204, "{b}");
    let err = wallet.list().unwrap_err();
    assert!(matches!(vault_error(&err), VaultError::Sealed { .. }), "{err}");
    assert!(vault_hint(&err).unwrap().contains("unseal"));
}

#[test]
fn records_over_the_limit_are_refused_before_sending() {
    let dev = shared_dev();
    let uri = format!("{}?max_value_len=1000", dev.uri(&unique_prefix("limit")));
    let store = backend::create(&uri, &root_options()).unwrap();
    assert_eq!(store.capabilities().max_value_len, Some(1000));
    store.put(&RecordKey::new("ca", "ok"), &[7; 1000], Expect::Absent).unwrap();
    let err = store.put(&RecordKey::new("ca", "big"), &[7; 1001], Expect::Absent).unwrap_err();
    assert!(matches!(err, Error::Backend(BackendError::TooLarge { len: 1001, max: 1000, .. })), "{err}");
    assert!(store.get(&RecordKey::new("ca", "big")).unwrap().is_none());
}

#[test]
fn tls_with_our_own_root_and_a_wrong_root_refused() {
    let dev = DevServer::start(true);
    let ca = String::from_utf8(dev.ca_pem.clone().unwrap()).unwrap();
    let uri = dev.uri("w");
    assert!(uri.starts_with("vault://"));
    let options = root_options().with_tls_root(TlsRoot::Pem(ca));
    let wallet = Wallet::create(&uri, &options).unwrap();
    wallet.put(&self_signed_identity("alice", "Org1MSP"), false).unwrap();
    // The same root from a file given as a setting.
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, dev.ca_pem.as_ref().unwrap()).unwrap();
    let by_file = root_options().with_extra("ca_file", ca_file.display().to_string());
    assert_eq!(Wallet::open(&uri, &by_file).unwrap().list().unwrap(), ["alice"]);

    // Another CA's root (a second dev-tls server's), and the built-in web roots: refused.
    let other = DevServer::start(true);
    let wrong = root_options().with_tls_root(TlsRoot::Pem(String::from_utf8(other.ca_pem.clone().unwrap()).unwrap()));
    let err = Wallet::open(&uri, &wrong).unwrap_err();
    assert!(matches!(vault_error(&err), VaultError::Tls { .. }), "{err}");
    let err = Wallet::open(&uri, &root_options()).unwrap_err();
    assert!(matches!(vault_error(&err), VaultError::Tls { .. }), "{err}");
    // Plain HTTP to a TLS server fails too, and says so.
    let plain = format!("vault+http://127.0.0.1:{}/secret/w?retry_for=0.5", dev.port);
    assert!(Wallet::open(&plain, &root_options()).is_err());
}
