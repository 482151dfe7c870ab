/*
 * The C side of the C-API overhead benchmark (see run.sh and BENCHMARKS.md): load an identity
 * through libwallet and sign the same 256-byte message ITERATIONS times (default 100,000)
 * through wallet_identity_sign, exactly as ffi/benches/sign.rs does through the Rust API.
 *
 *   sign_bench CERT.pem KEY.pem [ITERATIONS]
 */
#define _POSIX_C_SOURCE 200809L
#include "wallet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) exit(2);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

#define MUST(call)                                                          \
    do {                                                                    \
        wallet_result rc_ = (call);                                         \
        if (rc_ != WALLET_RESULT_OK) {                                      \
            fprintf(stderr, "%s failed with %u\n", #call, (unsigned)rc_);   \
            exit(1);                                                        \
        }                                                                   \
    } while (0)

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s CERT.pem KEY.pem [ITERATIONS]\n", argv[0]);
        return 2;
    }
    unsigned long iterations = argc > 3 ? strtoul(argv[3], NULL, 10) : 100000;
    size_t cert_len, key_len;
    char *cert = slurp(argv[1], &cert_len), *key = slurp(argv[2], &key_len);
    wallet_wallet *wallet = NULL;
    wallet_identity *identity = NULL;
    MUST(wallet_wallet_open("memory:", NULL, 0, &wallet, NULL));
    MUST(wallet_wallet_import_pem(wallet, "bench", "Org1MSP", (const uint8_t *)cert, cert_len, (const uint8_t *)key,
                                  key_len, false, NULL));
    MUST(wallet_identity_load(wallet, "bench", &identity, NULL));

    uint8_t message[256];
    memset(message, 0x5a, sizeof message);
    uint8_t sig[WALLET_SIGNATURE_MAX_LEN];
    size_t sig_len = 0;
    MUST(wallet_identity_sign(identity, message, sizeof message, sig, sizeof sig, &sig_len, NULL));
    MUST(wallet_identity_verify(identity, message, sizeof message, sig, sig_len, NULL));

    struct timespec t0, t1;
    size_t total = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned long i = 0; i < iterations; i++) {
        if (wallet_identity_sign(identity, message, sizeof message, sig, sizeof sig, &sig_len, NULL) !=
            WALLET_RESULT_OK)
            return 1;
        total += sig_len;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    MUST(wallet_identity_verify(identity, message, sizeof message, sig, sig_len, NULL));
    printf("c-api: %lu signatures in %.3f s: %.0f sign/s, %.2f us/sign (%zu bytes)\n", iterations, secs,
           (double)iterations / secs, secs * 1e6 / (double)iterations, total);

    wallet_identity_free(&identity);
    wallet_wallet_free(&wallet);
    free(cert);
    free(key);
    return 0;
}
