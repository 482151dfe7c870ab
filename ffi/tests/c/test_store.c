/*
 * libwallet on a wallet at any URI (a vault:, keychain: or file: store), run by ffi/tests/run.sh.
 *
 *   test_store URI WORKDIR
 *
 * Creates the wallet at URI (WALLET_PASSPHRASE, when set, is the passphrase of a file wallet),
 * makes an embedded CA in it, registers and enrols "c-user", imports WORKDIR/cert.pem with
 * WORKDIR/key.pem as "c-imported", signs through both, then frees every handle, opens the wallet
 * again (a new handle, as a second process would) and signs once more. It writes each digest
 * (NAME.bin), its signature (NAME.sig) and the signer's certificate (NAME.pem) into WORKDIR, for
 * run.sh to check with `openssl pkeyutl -verify`. Exit status 0 when every check held.
 */
#define _POSIX_C_SOURCE 200809L
#include "wallet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                       \
        }                                                                     \
    } while (0)

/* A call that must succeed: on failure print the library's message and hint, and stop. */
static void ok(wallet_result rc, wallet_error *err, const char *what) {
    if (rc == WALLET_RESULT_OK) return;
    char msg[1024] = "", hint[1024] = "";
    size_t n = 0;
    if (err) {
        wallet_error_get_message(err, msg, sizeof msg, &n);
        wallet_error_get_hint(err, hint, sizeof hint, &n);
    }
    fprintf(stderr, "  FAIL %s: result %u: %s (hint: %s)\n", what, (unsigned)rc, msg, hint);
    exit(1);
}

static const char *workdir;

static char *slurp(const char *name, size_t *len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", workdir, name);
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) { perror(path); exit(1); }
    buf[size] = 0;
    fclose(f);
    *len = (size_t)size;
    return buf;
}

static void spill(const char *name, const char *ext, const void *data, size_t len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.%s", workdir, name, ext);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len) { perror(path); exit(1); }
    fclose(f);
}

/* Sign a digest (as fabric-gateway hands one over) and keep digest, signature and certificate. */
static void sign_and_keep(const wallet_identity *id, const char *name) {
    uint8_t digest[32];
    for (size_t i = 0; i < sizeof digest; i++) digest[i] = (uint8_t)(i * 7 + strlen(name));
    uint8_t sig[128];
    size_t sig_len = 0;
    wallet_error *err = NULL;
    ok(wallet_identity_sign_digest(id, digest, sizeof digest, sig, sizeof sig, &sig_len, &err), err, name);
    ok(wallet_identity_verify_digest(id, digest, sizeof digest, sig, sig_len, &err), err, "verify_digest");
    char pem[8192];
    size_t pem_len = 0;
    ok(wallet_identity_get_certificate_pem(id, pem, sizeof pem, &pem_len, &err), err, "certificate");
    spill(name, "bin", digest, sizeof digest);
    spill(name, "sig", sig, sig_len);
    spill(name, "pem", pem, pem_len);
}

static const uint8_t *passphrase(size_t *len) {
    const char *p = getenv("WALLET_PASSPHRASE");
    *len = p ? strlen(p) : 0;
    return (const uint8_t *)p;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: test_store URI WORKDIR\n");
        return 2;
    }
    const char *uri = argv[1];
    workdir = argv[2];
    size_t pass_len;
    const uint8_t *pass = passphrase(&pass_len);
    wallet_error *err = NULL;

    wallet_wallet *w = NULL;
    ok(wallet_wallet_create(uri, pass, pass_len, &w, &err), err, "wallet_wallet_create");

    /* The embedded CA kept in this store issues an identity into it. */
    wallet_ca *ca = NULL;
    wallet_identity *admin = NULL;
    ok(wallet_ca_bootstrap(w, "c-ca", "Org1MSP", "c-admin", &ca, &admin, &err), err, "wallet_ca_bootstrap");
    wallet_secret *secret = NULL;
    ok(wallet_ca_register(ca, "c-admin", "c-user", "client", NULL, NULL, 1, NULL, 0, &secret, &err), err,
       "wallet_ca_register");
    char s[256];
    size_t s_len = 0;
    ok(wallet_secret_get(secret, s, sizeof s, &s_len, &err), err, "wallet_secret_get");
    wallet_identity *user = NULL;
    ok(wallet_ca_enroll(ca, "c-user", (const uint8_t *)s, s_len, "c-user", false, &user, &err), err,
       "wallet_ca_enroll");
    /* max enrolments 1: a second enrolment is refused by the registry kept in this store. */
    wallet_identity *again = NULL;
    CHECK(wallet_ca_enroll(ca, "c-user", (const uint8_t *)s, s_len, "c-user-2", false, &again, &err) !=
          WALLET_RESULT_OK);
    wallet_error_free(&err);
    sign_and_keep(user, "enrolled");
    sign_and_keep(admin, "admin");

    /* An identity made elsewhere (openssl), imported as PEM. */
    size_t cert_len, key_len;
    char *cert = slurp("cert.pem", &cert_len), *key = slurp("key.pem", &key_len);
    ok(wallet_wallet_import_pem(w, "c-imported", "Org1MSP", (const uint8_t *)cert, cert_len, (const uint8_t *)key,
                                key_len, false, &err),
       err, "wallet_wallet_import_pem");
    free(cert);
    free(key);
    wallet_identity *imported = NULL;
    ok(wallet_identity_load(w, "c-imported", &imported, &err), err, "wallet_identity_load");
    sign_and_keep(imported, "imported");

    wallet_secret_free(&secret);
    wallet_identity_free(&user);
    wallet_identity_free(&admin);
    wallet_identity_free(&imported);
    wallet_ca_free(&ca);
    wallet_wallet_free(&w);

    /* Opened again from nothing but the URI: everything is there and still signs. */
    ok(wallet_wallet_open(uri, pass, pass_len, &w, &err), err, "wallet_wallet_open");
    wallet_labels *labels = NULL;
    ok(wallet_wallet_list(w, &labels, &err), err, "wallet_wallet_list");
    int seen = 0;
    for (size_t i = 0; i < wallet_labels_get_count(labels); i++) {
        char label[256];
        size_t n = 0;
        ok(wallet_labels_get(labels, i, label, sizeof label - 1, &n, &err), err, "wallet_labels_get");
        label[n] = 0; /* text comes without a terminating NUL */
        if (!strcmp(label, "c-user") || !strcmp(label, "c-imported") || !strcmp(label, "c-admin")) seen++;
        CHECK(strcmp(label, "c-user-2") != 0);
    }
    CHECK(seen == 3);
    wallet_labels_free(&labels);
    ok(wallet_identity_load(w, "c-user", &user, &err), err, "wallet_identity_load after reopen");
    sign_and_keep(user, "reopened");
    wallet_identity_free(&user);
    ok(wallet_ca_open(w, "c-ca", &ca, &err), err, "wallet_ca_open after reopen");
    wallet_ca_free(&ca);
    wallet_wallet_free(&w);

    if (failures) {
        fprintf(stderr, "test_store on %s: %d checks failed\n", uri, failures);
        return 1;
    }
    printf("test_store on %s: all checks passed\n", uri);
    return 0;
}
