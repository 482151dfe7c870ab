/*
 * The C test suite of libwallet, run by ffi/tests/run.sh under ASan/UBSan and under valgrind.
 *
 *   test_wallet WORKDIR FIXTURES
 *
 * WORKDIR holds cert.pem/key.pem (a P-256 key and self-signed certificate made by openssl for
 * this run), other_key.pem (an unrelated key), and receives the signatures that run.sh then
 * checks with `openssl dgst -verify`. FIXTURES is tests/fixtures (a real Fabric CA enrolment).
 */
#define _POSIX_C_SOURCE 200809L
#include "wallet.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- a tiny harness -------------------------------------------------------------------------- */

static int checks_failed_in_test;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);         \
            checks_failed_in_test++;                                                  \
        }                                                                             \
    } while (0)

#define CHECK_RC(expr, want)                                                              \
    do {                                                                                  \
        wallet_result rc_ = (expr);                                                       \
        if (rc_ != (wallet_result)(want)) {                                               \
            fprintf(stderr, "  FAIL %s:%d: %s gave %u, expected %s (%u)\n", __FILE__,     \
                    __LINE__, #expr, (unsigned)rc_, #want, (unsigned)(want));             \
            checks_failed_in_test++;                                                      \
        }                                                                                 \
    } while (0)

/* ---- shared state ---------------------------------------------------------------------------- */

static const char *workdir;
static const char *fixtures;
static char *cert_pem, *key_pem, *other_key_pem, *user2_cert_pem, *user2_key_pem, *user2_wrong_key_pem;
static size_t cert_pem_len, key_pem_len, other_key_pem_len, user2_cert_pem_len, user2_key_pem_len,
    user2_wrong_key_pem_len;
static const char *const MSP = "Org1MSP";

static char *read_file(const char *dir, const char *name, size_t *len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        exit(2);
    }
    buf[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void write_file(const char *name, const void *data, size_t len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", workdir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}

/* A memory wallet holding the openssl identity as "alice". */
static wallet_wallet *wallet_with_alice(void) {
    wallet_wallet *w = NULL;
    CHECK_RC(wallet_wallet_open("memory:", NULL, 0, &w, NULL), WALLET_RESULT_OK);
    CHECK_RC(wallet_wallet_import_pem(w, "alice", MSP, (const uint8_t *)cert_pem, cert_pem_len,
                                      (const uint8_t *)key_pem, key_pem_len, false, NULL),
             WALLET_RESULT_OK);
    return w;
}

static wallet_identity *load_alice(wallet_wallet *w) {
    wallet_identity *id = NULL;
    CHECK_RC(wallet_identity_load(w, "alice", &id, NULL), WALLET_RESULT_OK);
    return id;
}

/* The message of an error object, NUL-terminated in a static buffer. */
static const char *message_of(const wallet_error *e) {
    static char buf[1024];
    size_t n = 0;
    if (wallet_error_get_message(e, buf, sizeof buf - 1, &n) != WALLET_RESULT_OK) return "(no message)";
    buf[n] = 0;
    return buf;
}

/* The hint of an error object, NUL-terminated in a static buffer of its own. */
static const char *hint_of(const wallet_error *e) {
    static char buf[1024];
    size_t n = 0;
    if (wallet_error_get_hint(e, buf, sizeof buf - 1, &n) != WALLET_RESULT_OK) return "(no hint)";
    buf[n] = 0;
    return buf;
}

/* libcrypto's view of the certificate's key, for independent verification. */
static EVP_PKEY *alice_public_key(void) {
    BIO *bio = BIO_new_mem_buf(cert_pem, (int)cert_pem_len);
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    EVP_PKEY *pk = X509_get_pubkey(x);
    X509_free(x);
    BIO_free(bio);
    return pk;
}

static int openssl_verifies(EVP_PKEY *pk, const uint8_t *msg, size_t msg_len, const uint8_t *sig, size_t sig_len) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pk) == 1 &&
             EVP_DigestVerify(ctx, sig, sig_len, msg, msg_len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

/* Whether a DER ECDSA signature has S <= n/2. */
static int is_low_s(const uint8_t *sig, size_t sig_len) {
    const unsigned char *p = sig;
    ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)sig_len);
    if (!s || p != sig + sig_len) {
        ECDSA_SIG_free(s);
        return 0;
    }
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM *half = BN_dup(EC_GROUP_get0_order(g));
    BN_rshift1(half, half);
    int low = BN_cmp(ECDSA_SIG_get0_s(s), half) <= 0;
    BN_free(half);
    EC_GROUP_free(g);
    ECDSA_SIG_free(s);
    return low;
}

/* The same signature with S replaced by n - S (valid, high-S). Returns its length. */
static size_t to_high_s(const uint8_t *sig, size_t sig_len, uint8_t *out) {
    const unsigned char *p = sig;
    ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)sig_len);
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM *r = BN_dup(ECDSA_SIG_get0_r(s));
    BIGNUM *hs = BN_new();
    BN_sub(hs, EC_GROUP_get0_order(g), ECDSA_SIG_get0_s(s));
    ECDSA_SIG *h = ECDSA_SIG_new();
    ECDSA_SIG_set0(h, r, hs);
    unsigned char *q = out;
    int n = i2d_ECDSA_SIG(h, &q);
    ECDSA_SIG_free(h);
    ECDSA_SIG_free(s);
    EC_GROUP_free(g);
    return (size_t)n;
}

/* ---- tests ----------------------------------------------------------------------------------- */

static void test_version(void) {
    const char *v = wallet_version_get();
    CHECK(v != NULL);
    CHECK(v && strlen(v) >= 5 && v[0] >= '0' && v[0] <= '9' && strchr(v, '.'));
}

static const wallet_result ALL_CODES[] = {
    WALLET_RESULT_OK, WALLET_RESULT_NULL_PARAMETER, WALLET_RESULT_INVALID_UTF8, WALLET_RESULT_BUFFER_TOO_SMALL,
    WALLET_RESULT_INVALID_ARGUMENT, WALLET_RESULT_INVALID_LABEL, WALLET_RESULT_INVALID_URI,
    WALLET_RESULT_ENV_NOT_SET, WALLET_RESULT_UNSUPPORTED, WALLET_RESULT_NOT_FOUND, WALLET_RESULT_ALREADY_EXISTS,
    WALLET_RESULT_CONFLICT, WALLET_RESULT_WRONG_PASSPHRASE, WALLET_RESULT_PASSPHRASE_REQUIRED,
    WALLET_RESULT_INTEGRITY, WALLET_RESULT_UNSUPPORTED_VERSION, WALLET_RESULT_NO_WALLET, WALLET_RESULT_BACKEND,
    WALLET_RESULT_IO, WALLET_RESULT_PEM, WALLET_RESULT_KEY, WALLET_RESULT_CERTIFICATE, WALLET_RESULT_KEY_MISMATCH,
    WALLET_RESULT_FORMAT, WALLET_RESULT_BAD_SIGNATURE, WALLET_RESULT_SIGNATURE_HIGH_S,
    WALLET_RESULT_ATTRIBUTE_NOT_FOUND, WALLET_RESULT_KEY_NOT_EXPORTABLE, WALLET_RESULT_KEY_STORE,
    WALLET_RESULT_CA_REFUSED, WALLET_RESULT_CA_UNKNOWN, WALLET_RESULT_CA_EXISTS,
    WALLET_RESULT_CA_UNKNOWN_IDENTITY, WALLET_RESULT_CA_DUPLICATE_IDENTITY, WALLET_RESULT_CA_UNKNOWN_AFFILIATION,
    WALLET_RESULT_CA_UNAUTHORIZED, WALLET_RESULT_CA_WRONG_SECRET, WALLET_RESULT_CA_LOCKED,
    WALLET_RESULT_CA_IDENTITY_REVOKED, WALLET_RESULT_CA_ENROLLMENT_LIMIT, WALLET_RESULT_CA_INVALID_REQUEST,
    WALLET_RESULT_CA_CALLER_CERTIFICATE, WALLET_RESULT_CA_REGISTRY, WALLET_RESULT_PANIC, WALLET_RESULT_INTERNAL,
};

static void test_result_messages(void) {
    char buf[256];
    size_t n = 0;
    for (size_t i = 0; i < sizeof ALL_CODES / sizeof ALL_CODES[0]; i++) {
        n = 0;
        CHECK_RC(wallet_result_get_message(ALL_CODES[i], buf, sizeof buf, &n), WALLET_RESULT_OK);
        CHECK(n > 0 && n < sizeof buf);
        for (size_t j = 0; j < i; j++) CHECK(ALL_CODES[i] != ALL_CODES[j]);
    }
    CHECK_RC(wallet_result_get_message(12345, buf, sizeof buf, &n), WALLET_RESULT_INVALID_ARGUMENT);
    CHECK_RC(wallet_result_get_message(WALLET_RESULT_OK, buf, sizeof buf, NULL), WALLET_RESULT_NULL_PARAMETER);
    CHECK_RC(wallet_result_get_message(WALLET_RESULT_OK, NULL, 5, &n), WALLET_RESULT_NULL_PARAMETER);
    /* Too small: the needed size is reported and the buffer is untouched. */
    memset(buf, 'x', sizeof buf);
    n = 0;
    CHECK_RC(wallet_result_get_message(WALLET_RESULT_OK, buf, 3, &n), WALLET_RESULT_BUFFER_TOO_SMALL);
    CHECK(n == strlen("success"));
    CHECK(buf[0] == 'x' && buf[1] == 'x' && buf[2] == 'x');
    /* Size query with NULL, 0. */
    n = 0;
    CHECK_RC(wallet_result_get_message(WALLET_RESULT_OK, NULL, 0, &n), WALLET_RESULT_BUFFER_TOO_SMALL);
    CHECK(n == strlen("success"));
    CHECK_RC(wallet_result_get_message(WALLET_RESULT_OK, buf, n, &n), WALLET_RESULT_OK);
    CHECK(memcmp(buf, "success", 7) == 0);
}

static void test_import_list_and_labels(void) {
    wallet_wallet *w = NULL;
    CHECK_RC(wallet_wallet_open("memory:", NULL, 0, &w, NULL), WALLET_RESULT_OK);
    wallet_labels *labels = NULL;
    CHECK_RC(wallet_wallet_list(w, &labels, NULL), WALLET_RESULT_OK);
    CHECK(wallet_labels_get_count(labels) == 0);
    wallet_labels_free(&labels);
    CHECK(labels == NULL);

    const char *names[] = {"zed", "alice", "bob@org1.example.com"};
    for (int i = 0; i < 3; i++)
        CHECK_RC(wallet_wallet_import_pem(w, names[i], MSP, (const uint8_t *)cert_pem, cert_pem_len,
                                          (const uint8_t *)key_pem, key_pem_len, false, NULL),
                 WALLET_RESULT_OK);
    CHECK_RC(wallet_wallet_list(w, &labels, NULL), WALLET_RESULT_OK);
    CHECK(wallet_labels_get_count(labels) == 3);
    const char *sorted[] = {"alice", "bob@org1.example.com", "zed"};
    char buf[64];
    size_t n = 0;
    for (size_t i = 0; i < 3; i++) {
        CHECK_RC(wallet_labels_get(labels, i, buf, sizeof buf, &n, NULL), WALLET_RESULT_OK);
        CHECK(n == strlen(sorted[i]) && memcmp(buf, sorted[i], n) == 0);
    }
    wallet_error *err = NULL;
    CHECK_RC(wallet_labels_get(labels, 3, buf, sizeof buf, &n, &err), WALLET_RESULT_INVALID_ARGUMENT);
    CHECK(err && strstr(message_of(err), "index 3"));
    wallet_error_free(&err);
    n = 0;
    CHECK_RC(wallet_labels_get(labels, 1, buf, 4, &n, NULL), WALLET_RESULT_BUFFER_TOO_SMALL);
    CHECK(n == strlen("bob@org1.example.com"));
    wallet_labels_free(&labels);

    /* Same label again: refused unless overwrite. */
    CHECK_RC(wallet_wallet_import_pem(w, "alice", MSP, (const uint8_t *)cert_pem, cert_pem_len,
                                      (const uint8_t *)key_pem, key_pem_len, false, &err),
             WALLET_RESULT_ALREADY_EXISTS);
    CHECK(err && wallet_error_get_code(err) == WALLET_RESULT_ALREADY_EXISTS);
    CHECK(err && strstr(message_of(err), "alice"));
    wallet_error_free(&err);
    CHECK_RC(wallet_wallet_import_pem(w, "alice", "Org2MSP", (const uint8_t *)cert_pem, cert_pem_len,
                                      (const uint8_t *)key_pem, key_pem_len, true, NULL),
             WALLET_RESULT_OK);

    /* Remove. */
    CHECK_RC(wallet_wallet_remove(w, "zed", NULL), WALLET_RESULT_OK);
    CHECK_RC(wallet_wallet_remove(w, "zed", NULL), WALLET_RESULT_NOT_FOUND);
    CHECK_RC(wallet_wallet_list(w, &labels, NULL), WALLET_RESULT_OK);
    CHECK(wallet_labels_get_count(labels) == 2);
    wallet_labels_free(&labels);
    wallet_wallet_free(&w);
    CHECK(w == NULL);
}

static void test_import_refusals_store_nothing(void) {
    wallet_wallet *w = NULL;
    CHECK_RC(wallet_wallet_open("memory:", NULL, 0, &w, NULL), WALLET_RESULT_OK);
    wallet_error *err = NULL;
    const uint8_t *c = (const uint8_t *)cert_pem, *k = (const uint8_t *)key_pem;

    CHECK_RC(wallet_wallet_import_pem(w, "bob", MSP, c, cert_pem_len, (const uint8_t *)other_key_pem,
                                      other_key_pem_len, false, &err),
             WALLET_RESULT_KEY_MISMATCH);
    CHECK(err && strstr(message_of(err), "does not match"));
    wallet_error_free(&err);
    CHECK_RC(wallet_wallet_import_pem(w, "bob", MSP, (const uint8_t *)"not pem", 7, k, key_pem_len, false, &err),
             WALLET_RESULT_PEM);
    size_t n = 0;
    char hint[512];
    CHECK_RC(wallet_error_get_hint(err, hint, sizeof hint, &n), WALLET_RESULT_OK);
    CHECK(n > 0);
    wallet_error_free(&err);
    CHECK_RC(wallet_wallet_import_pem(w, "bob", MSP, c, cert_pem_len, c, cert_pem_len, false, NULL),
             WALLET_RESULT_PEM); /* a certificate where the key should be */
    CHECK_RC(wallet_wallet_import_pem(w, "a/b", MSP, c, cert_pem_len, k, key_pem_len, false, NULL),
             WALLET_RESULT_INVALID_LABEL);
    CHECK_RC(wallet_wallet_import_pem(w, "", MSP, c, cert_pem_len, k, key_pem_len, false, NULL),
             WALLET_RESULT_INVALID_LABEL);
    CHECK_RC(wallet_wallet_import_pem(w, "bad\xff\xfe", MSP, c, cert_pem_len, k, key_pem_len, false, NULL),
             WALLET_RESULT_INVALID_UTF8);
    CHECK_RC(wallet_wallet_import_pem(w, "bob", "", c, cert_pem_len, k, key_pem_len, false, NULL),
             WALLET_RESULT_FORMAT);
    CHECK_RC(wallet_wallet_import_pem(w, "bob", MSP, c, 0, k, key_pem_len, false, NULL), WALLET_RESULT_PEM);

    wallet_labels *labels = NULL;
    CHECK_RC(wallet_wallet_list(w, &labels, NULL), WALLET_RESULT_OK);
    CHECK(wallet_labels_get_count(labels) == 0);
    wallet_labels_free(&labels);
    wallet_wallet_free(&w);
}

static void test_open_errors_and_env(void) {
    wallet_wallet *w = (wallet_wallet *)&w; /* a sentinel that must survive failures */
    wallet_wallet *const sentinel = w;
    wallet_error *err = NULL;
    CHECK_RC(wallet_wallet_open("bogus:thing", NULL, 0, &w, &err), WALLET_RESULT_INVALID_URI);
    CHECK(w == sentinel);
    CHECK(err && strstr(message_of(err), "bogus"));
    wallet_error_free(&err);
    CHECK_RC(wallet_wallet_open("", NULL, 0, &w, NULL), WALLET_RESULT_INVALID_URI);
    CHECK_RC(wallet_wallet_open("memory:", NULL, 3, &w, NULL), WALLET_RESULT_NULL_PARAMETER);
    CHECK_RC(wallet_wallet_open("memory:", (const uint8_t *)"\xff\xfe", 2, &w, NULL), WALLET_RESULT_INVALID_UTF8);
    CHECK(w == sentinel);

    unsetenv("WALLET_URI");
    CHECK_RC(wallet_wallet_open_from_env(&w, &err), WALLET_RESULT_ENV_NOT_SET);
    CHECK(err && strstr(message_of(err), "WALLET_URI"));
    wallet_error_free(&err);
    CHECK(w == sentinel);
    /* The rules of wallet_core::env, as for the `wallet` command: empty counts as unset, and a
     * value that is not UTF-8 is refused. */
    setenv("WALLET_URI", "", 1);
    CHECK_RC(wallet_wallet_open_from_env(&w, NULL), WALLET_RESULT_ENV_NOT_SET);
    setenv("WALLET_URI", "memory:\xff", 1);
    CHECK_RC(wallet_wallet_open_from_env(&w, &err), WALLET_RESULT_INVALID_UTF8);
    CHECK(err && strstr(message_of(err), "WALLET_URI is not valid UTF-8"));
    wallet_error_free(&err);
    CHECK(w == sentinel);
    setenv("WALLET_URI", "memory:", 1);
    w = NULL;
    CHECK_RC(wallet_wallet_open_from_env(&w, NULL), WALLET_RESULT_OK);
    CHECK(w != NULL);
    wallet_wallet_free(&w);
    setenv("WALLET_URI", "nope:x", 1);
    CHECK_RC(wallet_wallet_open_from_env(&w, NULL), WALLET_RESULT_INVALID_URI);
    unsetenv("WALLET_URI");

    /* A key store this build does not know is an error naming it, never a silent fallback. */
    const char *key_store = getenv("WALLET_KEY_STORE");
    char *saved = key_store ? strdup(key_store) : NULL;
    setenv("WALLET_KEY_STORE", "no-such-store", 1);
    w = sentinel;
    CHECK_RC(wallet_wallet_open("memory:", NULL, 0, &w, &err), WALLET_RESULT_KEY_STORE);
    CHECK(err && strstr(message_of(err), "no-such-store") && strstr(hint_of(err), "WALLET_KEY_STORE"));
    wallet_error_free(&err);
    CHECK(w == sentinel);
    if (saved) {
        setenv("WALLET_KEY_STORE", saved, 1);
        free(saved);
    } else {
        unsetenv("WALLET_KEY_STORE");
    }
}

/* An encrypted file wallet: the right passphrase opens it, a wrong one is refused. */
static void test_file_wallet_passphrase(void) {
    char uri[4200];
    snprintf(uri, sizeof uri, "file:%s/filewallet", workdir);
    static const char right[] = "correct horse battery staple";
    static const char wrong[] = "correct horse battery stapler";
    wallet_wallet *w = NULL;
    wallet_error *err = NULL;
    CHECK_RC(wallet_wallet_create(uri, (const uint8_t *)right, strlen(right), &w, &err), WALLET_RESULT_OK);
    if (err) fprintf(stderr, "  create: %s\n", message_of(err));
    wallet_error_free(&err);
    if (!w) return;
    CHECK_RC(wallet_wallet_import_pem(w, "alice", MSP, (const uint8_t *)cert_pem, cert_pem_len,
                                      (const uint8_t *)key_pem, key_pem_len, false, NULL),
             WALLET_RESULT_OK);
    wallet_wallet_free(&w);
    CHECK_RC(wallet_wallet_create(uri, (const uint8_t *)right, strlen(right), &w, NULL), WALLET_RESULT_ALREADY_EXISTS);

    CHECK_RC(wallet_wallet_open(uri, (const uint8_t *)wrong, strlen(wrong), &w, &err), WALLET_RESULT_WRONG_PASSPHRASE);
    CHECK(w == NULL);
    CHECK(err && wallet_error_get_code(err) == WALLET_RESULT_WRONG_PASSPHRASE);
    wallet_error_free(&err);
    CHECK_RC(wallet_wallet_open(uri, NULL, 0, &w, NULL), WALLET_RESULT_PASSPHRASE_REQUIRED);

    setenv("WALLET_URI", uri, 1);
    setenv("WALLET_PASSPHRASE", "", 1);
    CHECK_RC(wallet_wallet_open_from_env(&w, NULL), WALLET_RESULT_PASSPHRASE_REQUIRED);
    setenv("WALLET_PASSPHRASE", wrong, 1);
    CHECK_RC(wallet_wallet_open_from_env(&w, NULL), WALLET_RESULT_WRONG_PASSPHRASE);
    setenv("WALLET_PASSPHRASE", right, 1);
    CHECK_RC(wallet_wallet_open_from_env(&w, NULL), WALLET_RESULT_OK);
    unsetenv("WALLET_URI");
    unsetenv("WALLET_PASSPHRASE");
    wallet_identity *id = NULL;
    CHECK_RC(wallet_identity_load(w, "alice", &id, NULL), WALLET_RESULT_OK);
    uint8_t sig[WALLET_SIGNATURE_MAX_LEN];
    size_t n = 0;
    CHECK_RC(wallet_identity_sign(id, (const uint8_t *)"m", 1, sig, sizeof sig, &n, NULL), WALLET_RESULT_OK);
    CHECK_RC(wallet_identity_verify(id, (const uint8_t *)"m", 1, sig, n, NULL), WALLET_RESULT_OK);
    wallet_identity_free(&id);
    wallet_wallet_free(&w);
}

static void test_load_unknown_label(void) {
    wallet_wallet *w = wallet_with_alice();
    wallet_identity *id = NULL;
    wallet_error *err = NULL;
    CHECK_RC(wallet_identity_load(w, "mallory", &id, &err), WALLET_RESULT_NOT_FOUND);
    CHECK(id == NULL);
    CHECK(err && wallet_error_get_code(err) == WALLET_RESULT_NOT_FOUND);
    CHECK(err && strstr(message_of(err), "mallory"));
    size_t n = 0;
    char hint[256];
    CHECK_RC(wallet_error_get_hint(err, hint, sizeof hint, &n), WALLET_RESULT_OK);
    CHECK(n > 0);
    /* The message, too, reports its size when the buffer is small. */
    char small[4];
    CHECK_RC(wallet_error_get_message(err, small, sizeof small, &n), WALLET_RESULT_BUFFER_TOO_SMALL);
    CHECK(n > sizeof small);
    wallet_error_free(&err);
    CHECK(err == NULL);
    CHECK_RC(wallet_identity_load(w, "../etc", &id, NULL), WALLET_RESULT_INVALID_LABEL);
    CHECK_RC(wallet_identity_load(w, "\xc3\x28", &id, NULL), WALLET_RESULT_INVALID_UTF8);
    CHECK(id == NULL);
    wallet_wallet_free(&w);
}

static void test_identity_accessors(void) {
    wallet_wallet *w = wallet_with_alice();
    wallet_identity *id = load_alice(w);
    /* The identity outlives its wallet handle. */
    wallet_wallet_free(&w);
    char buf[4096];
    uint8_t bin[4096];
    size_t n = 0;

    CHECK_RC(wallet_identity_get_label(id, buf, sizeof buf, &n, NULL), WALLET_RESULT_OK);
    CHECK(n == 5 && memcmp(buf, "alice", 5) == 0);
    CHECK_RC(wallet_identity_get_msp_id(id, buf, sizeof buf, &n, NULL), WALLET_RESULT_OK);
    CHECK(n == strlen(MSP) && memcmp(buf, MSP, n) == 0);
    CHECK_RC(wallet_identity_get_certificate_pem(id, buf, sizeof buf, &n, NULL), WALLET_RESULT_OK);
    CHECK(n == cert_pem_len && memcmp(buf, cert_pem, n) == 0);
    CHECK_RC(wallet_identity_get_enrollment_id(id, buf, sizeof buf, &n, NULL), WALLET_RESULT_OK);
    CHECK(n == strlen("appuser1") && memcmp(buf, "appuser1", n) == 0);

    /* DER: the same certificate libcrypto reads from the PEM. */
    CHECK_RC(wallet_identity_get_certificate_der(id, bin, sizeof bin, &n, NULL), WALLET_RESULT_OK);
    BIO *bio = BIO_new_mem_buf(cert_pem, (int)cert_pem_len);
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    unsigned char *der = NULL;
    int der_len = i2d_X509(x, &der);
    CHECK(der_len > 0 && (size_t)der_len == n && memcmp(der, bin, n) == 0);
    OPENSSL_free(der);

    /* Validity: run.sh made the certificate valid for 30 days from now. */
    int64_t not_before = 0, not_after = 0;
    CHECK_RC(wallet_identity_get_not_before(id, &not_before, NULL), WALLET_RESULT_OK);
    CHECK_RC(wallet_identity_get_not_after(id, &not_after, NULL), WALLET_RESULT_OK);
    CHECK(not_after - not_before == 30 * 86400);
    int64_t now = (int64_t)time(NULL);
    CHECK(not_before <= now && now - not_before < 3600);

    /* Public key: libcrypto's encoding of the certificate's point. */
    CHECK_RC(wallet_identity_get_public_key(id, bin, sizeof bin, &n, NULL), WALLET_RESULT_OK);
    CHECK(n == WALLET_PUBLIC_KEY_LEN && bin[0] == 0x04);
    EVP_PKEY *pk = X509_get_pubkey(x);
    unsigned char point[WALLET_PUBLIC_KEY_LEN];
    size_t point_len = 0;
    CHECK(EVP_PKEY_get_octet_string_param(pk, "encoded-pub-key", point, sizeof point, &point_len) == 1);
    CHECK(point_len == n && memcmp(point, bin, n) == 0);
    EVP_PKEY_free(pk);
    X509_free(x);
    BIO_free(bio);

    /* A self-signed certificate has no Fabric attributes. */
    CHECK_RC(wallet_identity_get_attributes_json(id, buf, sizeof buf, &n, NULL), WALLET_RESULT_OK);
    CHECK(n == 2 && memcmp(buf, "{}", 2) == 0);
    wallet_error *err = NULL;
    CHECK_RC(wallet_identity_get_attribute(id, "role", buf, sizeof buf, &n, &err), WALLET_RESULT_ATTRIBUTE_NOT_FOUND);
    CHECK(err && strstr(message_of(err), "role"));
    wallet_error_free(&err);
    wallet_identity_free(&id);
}

/* A real Fabric CA enrolment: enrollment ID, attributes, and the stale key left by reenroll. */
static void test_fabric_ca_identity(void) {
    wallet_wallet *w = NULL;
    CHECK_RC(wallet_wallet_open("memory:", NULL, 0, &w, NULL), WALLET_RESULT_OK);
    CHECK_RC(wallet_wallet_import_pem(w, "user2", MSP, (const uint8_t *)user2_cert_pem, user2_cert_pem_len,
                                      (const uint8_t *)user2_wrong_key_pem, user2_wrong_key_pem_len, false, NULL),
             WALLET_RESULT_KEY_MISMATCH);
    CHECK_RC(wallet_wallet_import_pem(w, "user2", MSP, (const uint8_t *)user2_cert_pem, user2_cert_pem_len,
                                      (const uint8_t *)user2_key_pem, user2_key_pem_len, false, NULL),
             WALLET_RESULT_OK);
    wallet_identity *id = NULL;
    CHECK_RC(wallet_identity_load(w, "user2", &id, NULL), WALLET_RESULT_OK);
    char buf[1024];
    size_t n = 0;
    CHECK_RC(wallet_identity_get_enrollment_id(id, buf, sizeof buf, &n, NULL), WALLET_RESULT_OK);
    CHECK(n == 5 && memcmp(buf, "user2", 5) == 0);
    CHECK_RC(wallet_identity_get_attribute(id, "role", buf, sizeof buf, &n, NULL), WALLET_RESULT_OK);
    CHECK(n == 7 && memcmp(buf, "auditor", 7) == 0);
    CHECK_RC(wallet_identity_get_attribute(id, "hf.Affiliation", buf, sizeof buf, &n, NULL), WALLET_RESULT_OK);
    CHECK(n == strlen("org1.department1") && memcmp(buf, "org1.department1", n) == 0);
    CHECK_RC(wallet_identity_get_attribute(id, "level", buf, sizeof buf, &n, NULL), WALLET_RESULT_ATTRIBUTE_NOT_FOUND);
    CHECK_RC(wallet_identity_get_attributes_json(id, buf, sizeof buf - 1, &n, NULL), WALLET_RESULT_OK);
    buf[n] = 0;
    CHECK(strcmp(buf, "{\"hf.Affiliation\":\"org1.department1\",\"hf.EnrollmentID\":\"user2\",\"hf.Type\":\"client\","
                      "\"role\":\"auditor\"}") == 0);
    size_t need = 0;
    CHECK_RC(wallet_identity_get_attribute(id, "role", buf, 3, &need, NULL), WALLET_RESULT_BUFFER_TOO_SMALL);
    CHECK(need == 7);
    wallet_identity_free(&id);
    wallet_wallet_free(&w);
}

static void test_sign_and_verify(void) {
    wallet_wallet *w = wallet_with_alice();
    wallet_identity *id = load_alice(w);
    EVP_PKEY *pk = alice_public_key();
    static const char msg[] = "a Fabric proposal, or any bytes";
    const uint8_t *m = (const uint8_t *)msg;
    size_t mlen = sizeof msg - 1;
    uint8_t sig[WALLET_SIGNATURE_MAX_LEN];
    size_t n = 0;

    CHECK_RC(wallet_identity_sign(id, m, mlen, sig, sizeof sig, &n, NULL), WALLET_RESULT_OK);
    CHECK(n >= 8 && n <= WALLET_SIGNATURE_MAX_LEN);
    CHECK(openssl_verifies(pk, m, mlen, sig, n));
    CHECK(is_low_s(sig, n));
    CHECK_RC(wallet_identity_verify(id, m, mlen, sig, n, NULL), WALLET_RESULT_OK);
    write_file("message.bin", m, mlen);
    write_file("message.sig", sig, n);

    /* Tampered message, garbage signature, high-S signature. */
    wallet_error *err = NULL;
    CHECK_RC(wallet_identity_verify(id, m, mlen - 1, sig, n, &err), WALLET_RESULT_BAD_SIGNATURE);
    wallet_error_free(&err);
    CHECK_RC(wallet_identity_verify(id, m, mlen, (const uint8_t *)"\x30\x02\x01", 3, NULL), WALLET_RESULT_BAD_SIGNATURE);
    CHECK_RC(wallet_identity_verify(id, m, mlen, NULL, 0, NULL), WALLET_RESULT_BAD_SIGNATURE);
    uint8_t high[80];
    size_t hlen = to_high_s(sig, n, high);
    CHECK(openssl_verifies(pk, m, mlen, high, hlen) && !is_low_s(high, hlen));
    CHECK_RC(wallet_identity_verify(id, m, mlen, high, hlen, &err), WALLET_RESULT_SIGNATURE_HIGH_S);
    CHECK(err && strstr(message_of(err), "high"));
    wallet_error_free(&err);

    /* The empty message (NULL, 0 is allowed). */
    CHECK_RC(wallet_identity_sign(id, NULL, 0, sig, sizeof sig, &n, NULL), WALLET_RESULT_OK);
    CHECK(openssl_verifies(pk, (const uint8_t *)"", 0, sig, n));
    write_file("empty.sig", sig, n);

    /* Digests: sign SHA-256(msg) and it verifies as a signature over msg. */
    uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256(m, mlen, digest);
    CHECK_RC(wallet_identity_sign_digest(id, digest, sizeof digest, sig, sizeof sig, &n, NULL), WALLET_RESULT_OK);
    CHECK(openssl_verifies(pk, m, mlen, sig, n) && is_low_s(sig, n));
    CHECK_RC(wallet_identity_verify_digest(id, digest, sizeof digest, sig, n, NULL), WALLET_RESULT_OK);
    CHECK_RC(wallet_identity_verify(id, m, mlen, sig, n, NULL), WALLET_RESULT_OK);
    CHECK_RC(wallet_identity_verify_digest(id, digest, sizeof digest, high, hlen, NULL), WALLET_RESULT_SIGNATURE_HIGH_S);
    write_file("digest.bin", digest, sizeof digest);
    write_file("digest.sig", sig, n);
    CHECK_RC(wallet_identity_sign_digest(id, digest, 31, sig, sizeof sig, &n, &err), WALLET_RESULT_INVALID_ARGUMENT);
    CHECK(err && strstr(message_of(err), "31"));
    wallet_error_free(&err);
    CHECK_RC(wallet_identity_sign_digest(id, digest, 33, sig, sizeof sig, &n, NULL), WALLET_RESULT_INVALID_ARGUMENT);
    CHECK_RC(wallet_identity_verify_digest(id, digest, 0, sig, n, NULL), WALLET_RESULT_INVALID_ARGUMENT);

    /* Too small a buffer: needed size reported, buffer untouched. */
    uint8_t tiny[16];
    memset(tiny, 0xAA, sizeof tiny);
    size_t need = 0;
    CHECK_RC(wallet_identity_sign(id, m, mlen, tiny, sizeof tiny, &need, NULL), WALLET_RESULT_BUFFER_TOO_SMALL);
    CHECK(need >= 68 && need <= WALLET_SIGNATURE_MAX_LEN);
    for (size_t i = 0; i < sizeof tiny; i++) CHECK(tiny[i] == 0xAA);
    need = 0;
    CHECK_RC(wallet_identity_sign_digest(id, digest, sizeof digest, NULL, 0, &need, NULL),
             WALLET_RESULT_BUFFER_TOO_SMALL);
    CHECK(need >= 68 && need <= WALLET_SIGNATURE_MAX_LEN);

    EVP_PKEY_free(pk);
    wallet_identity_free(&id);
    wallet_wallet_free(&w);
}

/* 10,000 signatures over distinct messages: every one verifies with libcrypto and is low-S.
 * WALLET_TEST_LOW_S_COUNT lowers the count for the valgrind run, where each costs ~30x more. */
static void test_ten_thousand_low_s(void) {
    unsigned count = 10000;
    const char *env = getenv("WALLET_TEST_LOW_S_COUNT");
    if (env) count = (unsigned)strtoul(env, NULL, 10);
    CHECK(count >= 20);
    printf("     (%u signatures)\n", count);
    wallet_wallet *w = wallet_with_alice();
    wallet_identity *id = load_alice(w);
    EVP_PKEY *pk = alice_public_key();
    int bad = 0, high = 0;
    for (unsigned i = 0; i < count; i++) {
        char msg[64];
        int mlen = snprintf(msg, sizeof msg, "message number %u", i);
        uint8_t sig[WALLET_SIGNATURE_MAX_LEN];
        size_t n = 0;
        if (wallet_identity_sign(id, (const uint8_t *)msg, (size_t)mlen, sig, sizeof sig, &n, NULL) !=
                WALLET_RESULT_OK ||
            !openssl_verifies(pk, (const uint8_t *)msg, (size_t)mlen, sig, n))
            bad++;
        if (!is_low_s(sig, n)) high++;
        if (i < 20) {
            char name[64];
            snprintf(name, sizeof name, "batch-%02u.bin", i);
            write_file(name, msg, (size_t)mlen);
            snprintf(name, sizeof name, "batch-%02u.sig", i);
            write_file(name, sig, n);
        }
    }
    CHECK(bad == 0);
    CHECK(high == 0);
    EVP_PKEY_free(pk);
    wallet_identity_free(&id);
    wallet_wallet_free(&w);
}

/* ---- 8 threads signing with one handle ------------------------------------------------------- */

#define THREADS 8
#define PER_THREAD 250

struct thread_arg {
    const wallet_identity *shared; /* the one handle all threads sign with */
    EVP_PKEY *pk;
    int index;
    int failures;
};

static void *signer_thread(void *p) {
    struct thread_arg *a = p;
    for (int i = 0; i < PER_THREAD; i++) {
        char msg[64];
        int mlen = snprintf(msg, sizeof msg, "thread %d message %d", a->index, i);
        uint8_t sig[WALLET_SIGNATURE_MAX_LEN];
        size_t n = 0;
        if (wallet_identity_sign(a->shared, (const uint8_t *)msg, (size_t)mlen, sig, sizeof sig, &n, NULL) !=
            WALLET_RESULT_OK) {
            a->failures++;
            continue;
        }
        if (wallet_identity_verify(a->shared, (const uint8_t *)msg, (size_t)mlen, sig, n, NULL) != WALLET_RESULT_OK)
            a->failures++;
        if (!openssl_verifies(a->pk, (const uint8_t *)msg, (size_t)mlen, sig, n) || !is_low_s(sig, n))
            a->failures++;
    }
    /* Each thread also takes and drops its own reference while the others sign. */
    wallet_identity *mine = NULL;
    if (wallet_identity_clone(a->shared, &mine, NULL) != WALLET_RESULT_OK) a->failures++;
    wallet_identity_free(&mine);
    return NULL;
}

static void test_eight_threads_one_handle(void) {
    wallet_wallet *w = wallet_with_alice();
    wallet_identity *id = load_alice(w);
    EVP_PKEY *pk = alice_public_key();
    pthread_t threads[THREADS];
    struct thread_arg args[THREADS];
    for (int t = 0; t < THREADS; t++) {
        args[t] = (struct thread_arg){.shared = id, .pk = pk, .index = t, .failures = 0};
        CHECK(pthread_create(&threads[t], NULL, signer_thread, &args[t]) == 0);
    }
    int failures = 0;
    for (int t = 0; t < THREADS; t++) {
        pthread_join(threads[t], NULL);
        failures += args[t].failures;
    }
    CHECK(failures == 0);
    EVP_PKEY_free(pk);
    wallet_identity_free(&id);
    wallet_wallet_free(&w);
}

/* Threads that each hold a clone, with the original freed first: the last free releases it. */
static void *clone_signer(void *p) {
    wallet_identity *id = p;
    uint8_t sig[WALLET_SIGNATURE_MAX_LEN];
    size_t n = 0;
    int ok = wallet_identity_sign(id, (const uint8_t *)"x", 1, sig, sizeof sig, &n, NULL) == WALLET_RESULT_OK &&
             wallet_identity_verify(id, (const uint8_t *)"x", 1, sig, n, NULL) == WALLET_RESULT_OK;
    wallet_identity_free(&id);
    return ok ? p : NULL;
}

static void test_clones_outlive_the_original(void) {
    wallet_wallet *w = wallet_with_alice();
    wallet_identity *id = load_alice(w);
    wallet_wallet_free(&w);
    pthread_t threads[4];
    wallet_identity *clones[4];
    for (int t = 0; t < 4; t++) {
        clones[t] = NULL;
        CHECK_RC(wallet_identity_clone(id, &clones[t], NULL), WALLET_RESULT_OK);
        CHECK(clones[t] != NULL && clones[t] == id); /* the same identity, another reference */
    }
    wallet_identity_free(&id);
    for (int t = 0; t < 4; t++) CHECK(pthread_create(&threads[t], NULL, clone_signer, clones[t]) == 0);
    for (int t = 0; t < 4; t++) {
        void *ret = NULL;
        pthread_join(threads[t], &ret);
        CHECK(ret != NULL);
    }
}

/* Several threads import, list and load through one wallet handle at once. */
struct wallet_thread_arg {
    const wallet_wallet *wallet;
    int index;
    int failures;
};

static void *wallet_thread(void *p) {
    struct wallet_thread_arg *a = p;
    for (int i = 0; i < 20; i++) {
        char label[32];
        snprintf(label, sizeof label, "t%d-%d", a->index, i);
        wallet_identity *mine = NULL, *shared = NULL;
        wallet_labels *labels = NULL;
        if (wallet_wallet_import_pem(a->wallet, label, MSP, (const uint8_t *)cert_pem, cert_pem_len,
                                     (const uint8_t *)key_pem, key_pem_len, false, NULL) != WALLET_RESULT_OK ||
            wallet_identity_load(a->wallet, label, &mine, NULL) != WALLET_RESULT_OK ||
            wallet_identity_load(a->wallet, "alice", &shared, NULL) != WALLET_RESULT_OK ||
            wallet_wallet_list(a->wallet, &labels, NULL) != WALLET_RESULT_OK)
            a->failures++;
        wallet_identity_free(&mine);
        wallet_identity_free(&shared);
        wallet_labels_free(&labels);
    }
    return NULL;
}

static void test_threads_share_a_wallet_handle(void) {
    wallet_wallet *w = wallet_with_alice();
    pthread_t threads[4];
    struct wallet_thread_arg args[4];
    for (int t = 0; t < 4; t++) {
        args[t] = (struct wallet_thread_arg){.wallet = w, .index = t, .failures = 0};
        CHECK(pthread_create(&threads[t], NULL, wallet_thread, &args[t]) == 0);
    }
    for (int t = 0; t < 4; t++) {
        pthread_join(threads[t], NULL);
        CHECK(args[t].failures == 0);
    }
    wallet_labels *labels = NULL;
    CHECK_RC(wallet_wallet_list(w, &labels, NULL), WALLET_RESULT_OK);
    CHECK(wallet_labels_get_count(labels) == 1 + 4 * 20);
    wallet_labels_free(&labels);
    wallet_wallet_free(&w);
}

/* ---- NULL for every pointer argument --------------------------------------------------------- */

static void test_null_arguments(void) {
    wallet_wallet *w = wallet_with_alice();
    wallet_identity *id = load_alice(w);
    wallet_labels *labels = NULL;
    CHECK_RC(wallet_wallet_list(w, &labels, NULL), WALLET_RESULT_OK);
    wallet_error *err = NULL;
    CHECK_RC(wallet_identity_load(w, "nobody", &id, &err), WALLET_RESULT_NOT_FOUND); /* id untouched */
    CHECK(id != NULL);

    char buf[4096];
    uint8_t bin[4096];
    size_t n = 0;
    int64_t t = 0;
    const uint8_t *m = (const uint8_t *)"msg";
    uint8_t digest[32] = {0};
    uint8_t sig[WALLET_SIGNATURE_MAX_LEN];
    size_t slen = 0;
    CHECK_RC(wallet_identity_sign(id, m, 3, sig, sizeof sig, &slen, NULL), WALLET_RESULT_OK);
    wallet_wallet *wo = NULL;
    wallet_identity *io = NULL;
    wallet_labels *lo = NULL;
    const uint8_t *c = (const uint8_t *)cert_pem, *k = (const uint8_t *)key_pem;
    const wallet_result NUL = WALLET_RESULT_NULL_PARAMETER;

    /* error objects */
    CHECK_RC(wallet_error_get_code(NULL), NUL);
    CHECK_RC(wallet_error_get_message(NULL, buf, sizeof buf, &n), NUL);
    CHECK_RC(wallet_error_get_message(err, NULL, sizeof buf, &n), NUL);
    CHECK_RC(wallet_error_get_message(err, buf, sizeof buf, NULL), NUL);
    CHECK_RC(wallet_error_get_hint(NULL, buf, sizeof buf, &n), NUL);
    CHECK_RC(wallet_error_get_hint(err, NULL, sizeof buf, &n), NUL);
    CHECK_RC(wallet_error_get_hint(err, buf, sizeof buf, NULL), NUL);
    CHECK_RC(wallet_result_get_message(0, NULL, sizeof buf, &n), NUL);
    CHECK_RC(wallet_result_get_message(0, buf, sizeof buf, NULL), NUL);
    wallet_error_free(NULL);

    /* wallets */
    CHECK_RC(wallet_wallet_open(NULL, NULL, 0, &wo, NULL), NUL);
    CHECK_RC(wallet_wallet_open("memory:", NULL, 1, &wo, NULL), NUL);
    CHECK_RC(wallet_wallet_open("memory:", NULL, 0, NULL, NULL), NUL);
    CHECK_RC(wallet_wallet_create(NULL, NULL, 0, &wo, NULL), NUL);
    CHECK_RC(wallet_wallet_create("memory:", NULL, 1, &wo, NULL), NUL);
    CHECK_RC(wallet_wallet_create("memory:", NULL, 0, NULL, NULL), NUL);
    CHECK_RC(wallet_wallet_open_from_env(NULL, NULL), NUL);
    CHECK(wo == NULL);
    wallet_wallet_free(NULL);
    CHECK_RC(wallet_wallet_list(NULL, &lo, NULL), NUL);
    CHECK_RC(wallet_wallet_list(w, NULL, NULL), NUL);
    CHECK(lo == NULL);
    CHECK_RC(wallet_wallet_import_pem(NULL, "l", MSP, c, cert_pem_len, k, key_pem_len, false, NULL), NUL);
    CHECK_RC(wallet_wallet_import_pem(w, NULL, MSP, c, cert_pem_len, k, key_pem_len, false, NULL), NUL);
    CHECK_RC(wallet_wallet_import_pem(w, "l", NULL, c, cert_pem_len, k, key_pem_len, false, NULL), NUL);
    CHECK_RC(wallet_wallet_import_pem(w, "l", MSP, NULL, cert_pem_len, k, key_pem_len, false, NULL), NUL);
    CHECK_RC(wallet_wallet_import_pem(w, "l", MSP, c, cert_pem_len, NULL, key_pem_len, false, NULL), NUL);
    CHECK_RC(wallet_wallet_remove(NULL, "alice", NULL), NUL);
    CHECK_RC(wallet_wallet_remove(w, NULL, NULL), NUL);

    /* label lists */
    CHECK(wallet_labels_get_count(NULL) == 0);
    CHECK_RC(wallet_labels_get(NULL, 0, buf, sizeof buf, &n, NULL), NUL);
    CHECK_RC(wallet_labels_get(labels, 0, NULL, sizeof buf, &n, NULL), NUL);
    CHECK_RC(wallet_labels_get(labels, 0, buf, sizeof buf, NULL, NULL), NUL);
    wallet_labels_free(NULL);

    /* identities */
    CHECK_RC(wallet_identity_load(NULL, "alice", &io, NULL), NUL);
    CHECK_RC(wallet_identity_load(w, NULL, &io, NULL), NUL);
    CHECK_RC(wallet_identity_load(w, "alice", NULL, NULL), NUL);
    CHECK_RC(wallet_identity_clone(NULL, &io, NULL), NUL);
    CHECK_RC(wallet_identity_clone(id, NULL, NULL), NUL);
    CHECK(io == NULL);
    wallet_identity_free(NULL);

    typedef wallet_result (*text_getter)(const wallet_identity *, char *, size_t, size_t *, wallet_error **);
    typedef wallet_result (*bin_getter)(const wallet_identity *, uint8_t *, size_t, size_t *, wallet_error **);
    text_getter texts[] = {wallet_identity_get_label, wallet_identity_get_msp_id, wallet_identity_get_certificate_pem,
                           wallet_identity_get_enrollment_id, wallet_identity_get_attributes_json};
    bin_getter bins[] = {wallet_identity_get_certificate_der, wallet_identity_get_public_key, wallet_identity_serialize};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        CHECK_RC(texts[i](NULL, buf, sizeof buf, &n, NULL), NUL);
        CHECK_RC(texts[i](id, NULL, sizeof buf, &n, NULL), NUL);
        CHECK_RC(texts[i](id, buf, sizeof buf, NULL, NULL), NUL);
    }
    for (size_t i = 0; i < sizeof bins / sizeof bins[0]; i++) {
        CHECK_RC(bins[i](NULL, bin, sizeof bin, &n, NULL), NUL);
        CHECK_RC(bins[i](id, NULL, sizeof bin, &n, NULL), NUL);
        CHECK_RC(bins[i](id, bin, sizeof bin, NULL, NULL), NUL);
    }
    CHECK_RC(wallet_identity_get_attribute(NULL, "role", buf, sizeof buf, &n, NULL), NUL);
    CHECK_RC(wallet_identity_get_attribute(id, NULL, buf, sizeof buf, &n, NULL), NUL);
    CHECK_RC(wallet_identity_get_attribute(id, "role", NULL, sizeof buf, &n, NULL), NUL);
    CHECK_RC(wallet_identity_get_attribute(id, "role", buf, sizeof buf, NULL, NULL), NUL);
    CHECK_RC(wallet_identity_get_not_after(NULL, &t, NULL), NUL);
    CHECK_RC(wallet_identity_get_not_after(id, NULL, NULL), NUL);
    CHECK_RC(wallet_identity_get_not_before(NULL, &t, NULL), NUL);
    CHECK_RC(wallet_identity_get_not_before(id, NULL, NULL), NUL);

    CHECK_RC(wallet_identity_sign(NULL, m, 3, bin, sizeof bin, &n, NULL), NUL);
    CHECK_RC(wallet_identity_sign(id, NULL, 3, bin, sizeof bin, &n, NULL), NUL);
    CHECK_RC(wallet_identity_sign(id, m, 3, NULL, sizeof bin, &n, NULL), NUL);
    CHECK_RC(wallet_identity_sign(id, m, 3, bin, sizeof bin, NULL, NULL), NUL);
    CHECK_RC(wallet_identity_sign_digest(NULL, digest, 32, bin, sizeof bin, &n, NULL), NUL);
    CHECK_RC(wallet_identity_sign_digest(id, NULL, 32, bin, sizeof bin, &n, NULL), NUL);
    CHECK_RC(wallet_identity_sign_digest(id, NULL, 0, bin, sizeof bin, &n, NULL), NUL);
    CHECK_RC(wallet_identity_sign_digest(id, digest, 32, NULL, sizeof bin, &n, NULL), NUL);
    CHECK_RC(wallet_identity_sign_digest(id, digest, 32, bin, sizeof bin, NULL, NULL), NUL);
    CHECK_RC(wallet_identity_verify(NULL, m, 3, sig, slen, NULL), NUL);
    CHECK_RC(wallet_identity_verify(id, NULL, 3, sig, slen, NULL), NUL);
    CHECK_RC(wallet_identity_verify(id, m, 3, NULL, slen, NULL), NUL);
    CHECK_RC(wallet_identity_verify_digest(NULL, digest, 32, sig, slen, NULL), NUL);
    CHECK_RC(wallet_identity_verify_digest(id, NULL, 32, sig, slen, NULL), NUL);
    CHECK_RC(wallet_identity_verify_digest(id, digest, 32, NULL, slen, NULL), NUL);

    wallet_error_free(&err);
    /* A NULL failure always comes with an error object naming the argument. */
    CHECK_RC(wallet_identity_sign(id, m, 3, bin, sizeof bin, NULL, &err), NUL);
    CHECK(err && strstr(message_of(err), "out_len"));
    wallet_error_free(&err);
    CHECK_RC(wallet_identity_get_attribute(id, NULL, buf, sizeof buf, &n, &err), NUL);
    CHECK(err && strstr(message_of(err), "name"));
    wallet_error_free(&err);

    wallet_labels_free(&labels);
    wallet_identity_free(&id);
    wallet_wallet_free(&w);
}

/* Every buffer output reports the size it needs and writes nothing when too small. */
static void test_buffer_too_small_everywhere(void) {
    wallet_wallet *w = wallet_with_alice();
    wallet_identity *id = load_alice(w);
    typedef wallet_result (*text_getter)(const wallet_identity *, char *, size_t, size_t *, wallet_error **);
    typedef wallet_result (*bin_getter)(const wallet_identity *, uint8_t *, size_t, size_t *, wallet_error **);
    text_getter texts[] = {wallet_identity_get_label, wallet_identity_get_msp_id, wallet_identity_get_certificate_pem,
                           wallet_identity_get_enrollment_id, wallet_identity_get_attributes_json};
    bin_getter bins[] = {wallet_identity_get_certificate_der, wallet_identity_get_public_key};
    char full[4096], small[4096];
    for (size_t i = 0; i < sizeof texts / sizeof texts[0] + sizeof bins / sizeof bins[0]; i++) {
        size_t len = 0, need = 0, after = 0;
        int is_text = i < sizeof texts / sizeof texts[0];
        size_t b = is_text ? i : i - sizeof texts / sizeof texts[0];
#define CALL(buf_, len_, out_) \
    (is_text ? texts[b](id, (buf_), (len_), (out_), NULL) : bins[b](id, (uint8_t *)(buf_), (len_), (out_), NULL))
        CHECK_RC(CALL(full, sizeof full, &len), WALLET_RESULT_OK);
        CHECK(len > 0);
        memset(small, 0x5A, sizeof small);
        wallet_error *err = NULL;
        CHECK_RC(is_text ? texts[b](id, small, len - 1, &need, &err)
                         : bins[b](id, (uint8_t *)small, len - 1, &need, &err),
                 WALLET_RESULT_BUFFER_TOO_SMALL);
        CHECK(need == len);
        CHECK(err && wallet_error_get_code(err) == WALLET_RESULT_BUFFER_TOO_SMALL);
        wallet_error_free(&err);
        for (size_t j = 0; j < len; j++) CHECK(small[j] == 0x5A);
        CHECK_RC(CALL(NULL, 0, &after), WALLET_RESULT_BUFFER_TOO_SMALL);
        CHECK(after == len);
        CHECK_RC(CALL(small, len, &after), WALLET_RESULT_OK);
        CHECK(after == len && memcmp(small, full, len) == 0);
#undef CALL
    }
    wallet_identity_free(&id);
    wallet_wallet_free(&w);
}

/* _free takes the address of the handle and NULLs it: a second free is a no-op and a use after
 * free reads NULL and gives an error code instead of touching freed memory. */
static void test_free_nulls_the_handle(void) {
    wallet_wallet *w = wallet_with_alice();
    wallet_identity *id = load_alice(w);
    wallet_labels *labels = NULL;
    CHECK_RC(wallet_wallet_list(w, &labels, NULL), WALLET_RESULT_OK);
    wallet_error *err = NULL;
    CHECK_RC(wallet_identity_load(w, "nobody", &id, &err), WALLET_RESULT_NOT_FOUND);

    wallet_identity_free(&id);
    CHECK(id == NULL);
    wallet_identity_free(&id);
    uint8_t sig[WALLET_SIGNATURE_MAX_LEN];
    size_t n = 0;
    CHECK_RC(wallet_identity_sign(id, (const uint8_t *)"m", 1, sig, sizeof sig, &n, NULL), WALLET_RESULT_NULL_PARAMETER);

    wallet_labels_free(&labels);
    CHECK(labels == NULL);
    wallet_labels_free(&labels);
    CHECK(wallet_labels_get_count(labels) == 0);

    wallet_error_free(&err);
    CHECK(err == NULL);
    wallet_error_free(&err);
    CHECK_RC(wallet_error_get_code(err), WALLET_RESULT_NULL_PARAMETER);

    wallet_wallet_free(&w);
    CHECK(w == NULL);
    wallet_wallet_free(&w);
    CHECK_RC(wallet_identity_load(w, "alice", &id, NULL), WALLET_RESULT_NULL_PARAMETER);
}

/* SerializedIdentity: protobuf field 1 (mspid) then field 2 (id_bytes = the certificate PEM). */
static size_t read_varint(const uint8_t *p, size_t len, size_t *pos) {
    size_t v = 0;
    for (int shift = 0; *pos < len && shift < 63; shift += 7) {
        uint8_t b = p[(*pos)++];
        v |= (size_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return v;
    }
    return (size_t)-1;
}

static void test_serialized_identity(void) {
    wallet_wallet *w = wallet_with_alice();
    wallet_identity *id = load_alice(w);
    uint8_t buf[4096];
    size_t n = 0;
    CHECK_RC(wallet_identity_serialize(id, buf, sizeof buf, &n, NULL), WALLET_RESULT_OK);
    size_t pos = 0;
    CHECK(n > 0 && buf[pos++] == 0x0a);
    size_t mlen = read_varint(buf, n, &pos);
    CHECK(mlen == strlen(MSP) && pos + mlen <= n && memcmp(buf + pos, MSP, mlen) == 0);
    pos += mlen;
    CHECK(pos < n && buf[pos++] == 0x12);
    size_t clen = read_varint(buf, n, &pos);
    CHECK(clen == cert_pem_len && pos + clen == n && memcmp(buf + pos, cert_pem, clen) == 0);
    write_file("serialized.bin", buf, n);
    wallet_identity_free(&id);
    wallet_wallet_free(&w);
}

/* ---- the embedded CA: an application onboards its own users ---------------------------------- */

static char *secret_text(const wallet_secret *secret) {
    static char buf[256];
    size_t n = 0;
    if (wallet_secret_get(secret, buf, sizeof buf - 1, &n, NULL) != WALLET_RESULT_OK) return NULL;
    buf[n] = 0;
    return buf;
}

static void test_ca_register_and_enroll(void) {
    wallet_wallet *w = NULL;
    CHECK_RC(wallet_wallet_open("memory:", NULL, 0, &w, NULL), WALLET_RESULT_OK);
    wallet_ca *ca = NULL;
    wallet_secret *admin_secret = NULL;
    wallet_error *err = NULL;
    CHECK_RC(wallet_ca_create(w, "org1-ca", MSP, &ca, &admin_secret, &err), WALLET_RESULT_OK);
    if (err) fprintf(stderr, "  create: %s\n", message_of(err));
    wallet_error_free(&err);
    if (!ca) {
        wallet_wallet_free(&w);
        return;
    }
    /* A second CA of the same name is refused; the first can be opened again. */
    wallet_ca *again = NULL;
    wallet_secret *again_secret = NULL;
    CHECK_RC(wallet_ca_create(w, "org1-ca", MSP, &again, &again_secret, NULL), WALLET_RESULT_CA_EXISTS);
    CHECK(again == NULL && again_secret == NULL);
    CHECK_RC(wallet_ca_open(w, "org1-ca", &again, NULL), WALLET_RESULT_OK);
    wallet_ca_free(&again);
    CHECK_RC(wallet_ca_open(w, "other-ca", &again, &err), WALLET_RESULT_CA_UNKNOWN);
    CHECK(err && strstr(message_of(err), "other-ca"));
    wallet_error_free(&err);

    /* The bootstrap admin enrols with its secret and becomes a registrar in the wallet. */
    size_t n = 0;
    char secret[256];
    CHECK_RC(wallet_secret_get(admin_secret, secret, 4, &n, NULL), WALLET_RESULT_BUFFER_TOO_SMALL);
    CHECK(n >= 20);
    CHECK_RC(wallet_secret_get(admin_secret, secret, sizeof secret, &n, NULL), WALLET_RESULT_OK);
    wallet_identity *admin = NULL;
    CHECK_RC(wallet_ca_enroll(ca, "admin", (const uint8_t *)secret, n, NULL, false, &admin, NULL), WALLET_RESULT_OK);
    wallet_secret_free(&admin_secret);
    CHECK(admin_secret == NULL);

    /* The application registers a user with an attribute and enrols it under its own label. */
    wallet_secret *user_secret = NULL;
    CHECK_RC(wallet_ca_register(ca, "admin", "user1", "client", "org1.department1",
                                "[{\"name\":\"role\",\"value\":\"auditor\",\"ecert\":true}]", 0, NULL, 0,
                                &user_secret, &err),
             WALLET_RESULT_OK);
    if (err) fprintf(stderr, "  register: %s\n", message_of(err));
    wallet_error_free(&err);
    const char *s = secret_text(user_secret);
    CHECK(s && strlen(s) == 24);
    wallet_identity *user = NULL;
    CHECK_RC(wallet_ca_enroll(ca, "user1", (const uint8_t *)"wrong", 5, "alice", false, &user, &err),
             WALLET_RESULT_CA_WRONG_SECRET);
    CHECK(user == NULL);
    CHECK(err && strstr(message_of(err), "user1"));
    wallet_error_free(&err);
    s = secret_text(user_secret);
    CHECK_RC(wallet_ca_enroll(ca, "user1", (const uint8_t *)s, strlen(s), "alice", false, &user, &err),
             WALLET_RESULT_OK);
    if (err) fprintf(stderr, "  enroll: %s\n", message_of(err));
    wallet_error_free(&err);
    wallet_secret_free(&user_secret);

    /* The enrolled identity is in the wallet and acts as user1 of Org1MSP, with its attributes. */
    char buf[2048];
    CHECK_RC(wallet_identity_get_enrollment_id(user, buf, sizeof buf, &n, NULL), WALLET_RESULT_OK);
    CHECK(n == 5 && memcmp(buf, "user1", 5) == 0);
    CHECK_RC(wallet_identity_get_msp_id(user, buf, sizeof buf, &n, NULL), WALLET_RESULT_OK);
    CHECK(n == strlen(MSP) && memcmp(buf, MSP, n) == 0);
    CHECK_RC(wallet_identity_get_attribute(user, "role", buf, sizeof buf, &n, NULL), WALLET_RESULT_OK);
    CHECK(n == 7 && memcmp(buf, "auditor", 7) == 0);
    CHECK_RC(wallet_identity_get_attribute(user, "hf.Affiliation", buf, sizeof buf, &n, NULL), WALLET_RESULT_OK);
    CHECK(n == strlen("org1.department1") && memcmp(buf, "org1.department1", n) == 0);
    uint8_t sig[WALLET_SIGNATURE_MAX_LEN];
    CHECK_RC(wallet_identity_sign(user, (const uint8_t *)"hello", 5, sig, sizeof sig, &n, NULL), WALLET_RESULT_OK);
    CHECK_RC(wallet_identity_verify(user, (const uint8_t *)"hello", 5, sig, n, NULL), WALLET_RESULT_OK);
    CHECK(is_low_s(sig, n));
    wallet_identity *loaded = NULL;
    CHECK_RC(wallet_identity_load(w, "alice", &loaded, NULL), WALLET_RESULT_OK);
    CHECK_RC(wallet_identity_verify(loaded, (const uint8_t *)"hello", 5, sig, n, NULL), WALLET_RESULT_OK);
    wallet_identity_free(&loaded);

    /* CA refusals: duplicate registration, unknown registrar, a user who is not a registrar,
     * an unknown affiliation, bad attribute JSON. */
    wallet_secret *x = NULL;
    CHECK_RC(wallet_ca_register(ca, "admin", "user1", NULL, NULL, NULL, 0, NULL, 0, &x, NULL),
             WALLET_RESULT_CA_DUPLICATE_IDENTITY);
    CHECK_RC(wallet_ca_register(ca, "nobody", "user2", NULL, NULL, NULL, 0, NULL, 0, &x, NULL), WALLET_RESULT_NOT_FOUND);
    CHECK_RC(wallet_ca_register(ca, "alice", "user2", NULL, NULL, NULL, 0, NULL, 0, &x, &err),
             WALLET_RESULT_CA_UNAUTHORIZED);
    CHECK(err && strstr(message_of(err), "authorization failure"));
    wallet_error_free(&err);
    CHECK_RC(wallet_ca_register(ca, "admin", "user2", "client", "org9", NULL, 0, NULL, 0, &x, NULL),
             WALLET_RESULT_CA_UNKNOWN_AFFILIATION);
    CHECK_RC(wallet_ca_register(ca, "admin", "user2", NULL, NULL, "{not json", 0, NULL, 0, &x, NULL),
             WALLET_RESULT_INVALID_ARGUMENT);
    CHECK_RC(wallet_ca_enroll(ca, "ghost", (const uint8_t *)"pw", 2, NULL, false, &user, NULL),
             WALLET_RESULT_CA_UNKNOWN_IDENTITY);
    CHECK(x == NULL);

    /* A chosen secret and a one-enrolment allowance. */
    static const char chosen[] = "a secret the app chose";
    CHECK_RC(wallet_ca_register(ca, "admin", "device7", "client", NULL, NULL, 1, (const uint8_t *)chosen,
                                strlen(chosen), &x, NULL),
             WALLET_RESULT_OK);
    s = secret_text(x);
    CHECK(s && strcmp(s, chosen) == 0);
    wallet_secret_free(&x);
    wallet_identity *device = NULL;
    CHECK_RC(wallet_ca_enroll(ca, "device7", (const uint8_t *)chosen, strlen(chosen), NULL, false, &device, NULL),
             WALLET_RESULT_OK);
    wallet_identity_free(&device);
    CHECK_RC(wallet_ca_enroll(ca, "device7", (const uint8_t *)chosen, strlen(chosen), "device7b", false, &device,
                              NULL),
             WALLET_RESULT_CA_ENROLLMENT_LIMIT);
    /* Enrolling over an existing label needs overwrite. */
    CHECK_RC(wallet_ca_register(ca, "admin", "user3", NULL, NULL, NULL, 0, (const uint8_t *)"pw3", 3, &x, NULL),
             WALLET_RESULT_OK);
    wallet_secret_free(&x);
    CHECK_RC(wallet_ca_enroll(ca, "user3", (const uint8_t *)"pw3", 3, "alice", false, &device, NULL),
             WALLET_RESULT_ALREADY_EXISTS);
    CHECK(device == NULL);

    /* The CA handle keeps the wallet alive. */
    wallet_wallet_free(&w);
    CHECK_RC(wallet_ca_register(ca, "admin", "user4", NULL, NULL, NULL, 0, NULL, 0, &x, NULL), WALLET_RESULT_OK);
    wallet_secret_free(&x);

    wallet_identity_free(&user);
    wallet_identity_free(&admin);
    wallet_ca_free(&ca);
    CHECK(ca == NULL);
    wallet_ca_free(&ca);
}

/* A root CA and its admin, enrolled into the wallet, in one call; the admin registers at once. */
static void test_ca_bootstrap(void) {
    wallet_wallet *w = NULL;
    CHECK_RC(wallet_wallet_open("memory:", NULL, 0, &w, NULL), WALLET_RESULT_OK);
    wallet_ca *ca = NULL;
    wallet_identity *admin = NULL;
    wallet_error *err = NULL;
    CHECK_RC(wallet_ca_bootstrap(w, "org1-ca", MSP, "org1-admin", &ca, &admin, &err), WALLET_RESULT_OK);
    if (err) fprintf(stderr, "  bootstrap: %s\n", message_of(err));
    wallet_error_free(&err);
    if (!ca || !admin) {
        wallet_ca_free(&ca);
        wallet_identity_free(&admin);
        wallet_wallet_free(&w);
        return;
    }
    char buf[256];
    size_t n = 0;
    CHECK_RC(wallet_identity_get_label(admin, buf, sizeof buf, &n, NULL), WALLET_RESULT_OK);
    CHECK(n == 10 && memcmp(buf, "org1-admin", 10) == 0);
    CHECK_RC(wallet_identity_get_enrollment_id(admin, buf, sizeof buf, &n, NULL), WALLET_RESULT_OK);
    CHECK(n == 5 && memcmp(buf, "admin", 5) == 0);
    wallet_identity *stored = NULL;
    CHECK_RC(wallet_identity_load(w, "org1-admin", &stored, NULL), WALLET_RESULT_OK);
    wallet_identity_free(&stored);
    wallet_secret *secret = NULL;
    CHECK_RC(wallet_ca_register(ca, "org1-admin", "user1", "client", "org1", NULL, 0, NULL, 0, &secret, &err),
             WALLET_RESULT_OK);
    if (err) fprintf(stderr, "  register: %s\n", message_of(err));
    wallet_error_free(&err);
    wallet_secret_free(&secret);
    /* The name is taken, and so (for another CA) is the admin's label: nothing is made. */
    wallet_ca *again = NULL;
    wallet_identity *again_admin = NULL;
    CHECK_RC(wallet_ca_bootstrap(w, "org1-ca", MSP, NULL, &again, &again_admin, NULL), WALLET_RESULT_CA_EXISTS);
    CHECK_RC(wallet_ca_bootstrap(w, "org2-ca", MSP, "org1-admin", &again, &again_admin, NULL),
             WALLET_RESULT_ALREADY_EXISTS);
    CHECK(again == NULL && again_admin == NULL);
    CHECK_RC(wallet_ca_open(w, "org2-ca", &again, NULL), WALLET_RESULT_CA_UNKNOWN);
    CHECK_RC(wallet_ca_bootstrap(NULL, "ca", MSP, NULL, &again, &again_admin, NULL), WALLET_RESULT_NULL_PARAMETER);
    CHECK_RC(wallet_ca_bootstrap(w, "ca", MSP, NULL, &again, NULL, NULL), WALLET_RESULT_NULL_PARAMETER);
    wallet_identity_free(&admin);
    wallet_ca_free(&ca);
    wallet_wallet_free(&w);
}

static void test_ca_null_arguments(void) {
    wallet_wallet *w = NULL;
    CHECK_RC(wallet_wallet_open("memory:", NULL, 0, &w, NULL), WALLET_RESULT_OK);
    wallet_ca *ca = NULL, *co = NULL;
    wallet_secret *secret = NULL, *so = NULL;
    CHECK_RC(wallet_ca_create(w, "ca", MSP, &ca, &secret, NULL), WALLET_RESULT_OK);
    wallet_identity *io = NULL;
    const wallet_result NUL = WALLET_RESULT_NULL_PARAMETER;
    char buf[64];
    size_t n = 0;
    const uint8_t *pw = (const uint8_t *)"pw";

    CHECK_RC(wallet_ca_create(NULL, "ca2", MSP, &co, &so, NULL), NUL);
    CHECK_RC(wallet_ca_create(w, NULL, MSP, &co, &so, NULL), NUL);
    CHECK_RC(wallet_ca_create(w, "ca2", NULL, &co, &so, NULL), NUL);
    CHECK_RC(wallet_ca_create(w, "ca2", MSP, NULL, &so, NULL), NUL);
    CHECK_RC(wallet_ca_create(w, "ca2", MSP, &co, NULL, NULL), NUL);
    CHECK_RC(wallet_ca_open(NULL, "ca", &co, NULL), NUL);
    CHECK_RC(wallet_ca_open(w, NULL, &co, NULL), NUL);
    CHECK_RC(wallet_ca_open(w, "ca", NULL, NULL), NUL);
    wallet_ca_free(NULL);
    CHECK_RC(wallet_ca_register(NULL, "admin", "u", NULL, NULL, NULL, 0, NULL, 0, &so, NULL), NUL);
    CHECK_RC(wallet_ca_register(ca, NULL, "u", NULL, NULL, NULL, 0, NULL, 0, &so, NULL), NUL);
    CHECK_RC(wallet_ca_register(ca, "admin", NULL, NULL, NULL, NULL, 0, NULL, 0, &so, NULL), NUL);
    CHECK_RC(wallet_ca_register(ca, "admin", "u", NULL, NULL, NULL, 0, NULL, 2, &so, NULL), NUL);
    CHECK_RC(wallet_ca_register(ca, "admin", "u", NULL, NULL, NULL, 0, NULL, 0, NULL, NULL), NUL);
    CHECK_RC(wallet_ca_enroll(NULL, "admin", pw, 2, NULL, false, &io, NULL), NUL);
    CHECK_RC(wallet_ca_enroll(ca, NULL, pw, 2, NULL, false, &io, NULL), NUL);
    CHECK_RC(wallet_ca_enroll(ca, "admin", NULL, 0, NULL, false, &io, NULL), NUL);
    CHECK_RC(wallet_ca_enroll(ca, "admin", pw, 2, NULL, false, NULL, NULL), NUL);
    CHECK_RC(wallet_secret_get(NULL, buf, sizeof buf, &n, NULL), NUL);
    CHECK_RC(wallet_secret_get(secret, NULL, sizeof buf, &n, NULL), NUL);
    CHECK_RC(wallet_secret_get(secret, buf, sizeof buf, NULL, NULL), NUL);
    wallet_secret_free(NULL);
    CHECK(co == NULL && so == NULL && io == NULL);
    /* Bad UTF-8 in the secret. */
    CHECK_RC(wallet_ca_enroll(ca, "admin", (const uint8_t *)"\xff", 1, NULL, false, &io, NULL),
             WALLET_RESULT_INVALID_UTF8);

    wallet_secret_free(&secret);
    wallet_ca_free(&ca);
    wallet_wallet_free(&w);
}

/* ---- main ------------------------------------------------------------------------------------ */

struct test {
    const char *name;
    void (*fn)(void);
};

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s WORKDIR FIXTURES\n", argv[0]);
        return 2;
    }
    workdir = argv[1];
    fixtures = argv[2];
    cert_pem = read_file(workdir, "cert.pem", &cert_pem_len);
    key_pem = read_file(workdir, "key.pem", &key_pem_len);
    other_key_pem = read_file(workdir, "other_key.pem", &other_key_pem_len);
    user2_cert_pem = read_file(fixtures, "fabric-ca-1.5.21/msp-user2/signcerts/cert.pem", &user2_cert_pem_len);
    user2_key_pem = read_file(
        fixtures, "fabric-ca-1.5.21/msp-user2/keystore/a54bda488c745b67e5c450c5273316c5ceedce036319a1333b0c53bb3869ed46_sk",
        &user2_key_pem_len);
    user2_wrong_key_pem = read_file(
        fixtures, "fabric-ca-1.5.21/msp-user2/keystore/375b15121b2b2f5b3c6065b5590ccba9f2fb630f581c3761a848b33213ddf0f7_sk",
        &user2_wrong_key_pem_len);

    const struct test tests[] = {
        {"version", test_version},
        {"result messages", test_result_messages},
        {"import, list and labels", test_import_list_and_labels},
        {"refused imports store nothing", test_import_refusals_store_nothing},
        {"open errors and the environment", test_open_errors_and_env},
        {"file wallet: right and wrong passphrase", test_file_wallet_passphrase},
        {"unknown label", test_load_unknown_label},
        {"identity accessors", test_identity_accessors},
        {"Fabric CA identity and attributes", test_fabric_ca_identity},
        {"sign and verify", test_sign_and_verify},
        {"10,000 signatures valid and low-S", test_ten_thousand_low_s},
        {"8 threads sign with one handle", test_eight_threads_one_handle},
        {"clones outlive the original", test_clones_outlive_the_original},
        {"threads share a wallet handle", test_threads_share_a_wallet_handle},
        {"NULL for every pointer argument", test_null_arguments},
        {"buffer too small everywhere", test_buffer_too_small_everywhere},
        {"free NULLs the handle", test_free_nulls_the_handle},
        {"SerializedIdentity", test_serialized_identity},
        {"CA: register and enrol", test_ca_register_and_enroll},
        {"CA: bootstrap in one call", test_ca_bootstrap},
        {"CA: NULL arguments", test_ca_null_arguments},
    };
    const char *only = getenv("WALLET_TEST_ONLY");
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (only && !strstr(tests[i].name, only)) continue;
        checks_failed_in_test = 0;
        tests[i].fn();
        if (checks_failed_in_test == 0) {
            passed++;
            printf("ok   %s\n", tests[i].name);
        } else {
            failed++;
            printf("FAIL %s (%d checks)\n", tests[i].name, checks_failed_in_test);
        }
    }
    free(cert_pem);
    free(key_pem);
    free(other_key_pem);
    free(user2_cert_pem);
    free(user2_key_pem);
    free(user2_wrong_key_pem);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
