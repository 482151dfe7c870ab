/*
 * Act as a wallet identity from C: open a wallet, load an identity, sign a message with it, and
 * verify the signature independently with OpenSSL's libcrypto. Exits non-zero on any failure.
 *
 *   sign WALLET_URI LABEL MESSAGE            (passphrase, if any, from WALLET_PASSPHRASE)
 *   sign --import CERT.pem KEY.pem MESSAGE   (puts the PEM pair into a memory: wallet first)
 *
 * Build: cc sign.c $(pkg-config --cflags --libs wallet) -lcrypto
 */
#include <wallet.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Print a failed call's message and hint, and free the error. */
static void report(const char *what, wallet_result rc, wallet_error *err) {
    char msg[1024], hint[1024];
    size_t n = 0, h = 0;
    if (wallet_error_get_message(err, msg, sizeof msg, &n) != WALLET_RESULT_OK) n = 0;
    if (wallet_error_get_hint(err, hint, sizeof hint, &h) != WALLET_RESULT_OK) h = 0;
    fprintf(stderr, "%s failed (%u): %.*s\n", what, (unsigned)rc, (int)n, msg);
    if (h) fprintf(stderr, "hint: %.*s\n", (int)h, hint);
    wallet_error_free(&err);
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) exit(1);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

int main(int argc, char **argv) {
    int import = argc == 5 && strcmp(argv[1], "--import") == 0;
    if (argc != 4 && !import) {
        fprintf(stderr, "usage: %s WALLET_URI LABEL MESSAGE | --import CERT.pem KEY.pem MESSAGE\n", argv[0]);
        return 2;
    }
    const char *message = argv[argc - 1];
    const char *label = argv[2];
    wallet_wallet *wallet = NULL;
    wallet_identity *identity = NULL;
    wallet_error *err = NULL;
    char *pem = NULL;
    uint8_t sig[WALLET_SIGNATURE_MAX_LEN];
    size_t sig_len = 0, pem_len = 0;
    wallet_result rc;

    if (import) {
        if ((rc = wallet_wallet_open("memory:", NULL, 0, &wallet, &err)) != WALLET_RESULT_OK) {
            report("open", rc, err);
            goto fail;
        }
        size_t cert_len, key_len;
        char *cert = slurp(argv[2], &cert_len), *key = slurp(argv[3], &key_len);
        label = "example";
        rc = wallet_wallet_import_pem(wallet, label, "Org1MSP", (const uint8_t *)cert, cert_len,
                                      (const uint8_t *)key, key_len, false, &err);
        free(cert);
        free(key);
        if (rc != WALLET_RESULT_OK) {
            report("import", rc, err);
            goto fail;
        }
    } else {
        const char *pass = getenv("WALLET_PASSPHRASE");
        rc = wallet_wallet_open(argv[1], (const uint8_t *)pass, pass ? strlen(pass) : 0, &wallet, &err);
        if (rc != WALLET_RESULT_OK) {
            report("open", rc, err);
            goto fail;
        }
    }

    if ((rc = wallet_identity_load(wallet, label, &identity, &err)) != WALLET_RESULT_OK) {
        report("load", rc, err);
        goto fail;
    }
    wallet_wallet_free(&wallet); /* the identity does not need the wallet handle */

    /* Sign: DER, low-S, never more than WALLET_SIGNATURE_MAX_LEN bytes. */
    rc = wallet_identity_sign(identity, (const uint8_t *)message, strlen(message), sig, sizeof sig, &sig_len, &err);
    if (rc != WALLET_RESULT_OK) {
        report("sign", rc, err);
        goto fail;
    }

    /* Present the certificate; ask for its size first. */
    if ((rc = wallet_identity_get_certificate_pem(identity, NULL, 0, &pem_len, NULL)) !=
        WALLET_RESULT_BUFFER_TOO_SMALL) {
        report("certificate size", rc, NULL);
        goto fail;
    }
    pem = malloc(pem_len);
    if ((rc = wallet_identity_get_certificate_pem(identity, pem, pem_len, &pem_len, &err)) != WALLET_RESULT_OK) {
        report("certificate", rc, err);
        goto fail;
    }
    wallet_identity_free(&identity);

    /* Verify with libcrypto, knowing nothing of libwallet. */
    BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
    X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    EVP_PKEY *pub = cert ? X509_get_pubkey(cert) : NULL;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = pub && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub) == 1 &&
             EVP_DigestVerify(ctx, sig, sig_len, (const uint8_t *)message, strlen(message)) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pub);
    X509_free(cert);
    BIO_free(bio);
    free(pem);

    for (size_t i = 0; i < sig_len; i++) printf("%02x", sig[i]);
    printf("\n");
    if (!ok) {
        fprintf(stderr, "libcrypto does not verify the signature\n");
        return 1;
    }
    fprintf(stderr, "c example: signature verified with libcrypto\n");
    return 0;

fail:
    free(pem);
    wallet_identity_free(&identity);
    wallet_wallet_free(&wallet);
    return 1;
}
