/*
 * The C side of the C-API benchmarks (see run.sh and BENCHMARKS.md): load an identity through
 * libwallet and, ITERATIONS times (default 100,000) per thread, do MODE exactly as
 * ffi/benches/sign.rs does through the Rust API:
 *   message  wallet_identity_sign over the same 256-byte message
 *   digest   wallet_identity_sign_digest over its SHA-256 digest (fabric-gateway's path)
 *   verify   wallet_identity_verify of one signature over the message
 * THREADS (default 1) threads share the one identity handle; the rate printed is the total.
 *
 *   sign_bench CERT.pem KEY.pem [ITERATIONS] [MODE] [THREADS]
 */
#define _POSIX_C_SOURCE 200809L
#include "wallet.h"

#include <pthread.h>
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

enum mode { MESSAGE, DIGEST, VERIFY };

/* One cache line (or more) per thread's job, so that threads do not share a line. */
struct job {
    wallet_identity *identity;
    enum mode mode;
    unsigned long iterations;
    const uint8_t *message, *digest, *good_sig;
    size_t message_len, good_sig_len;
    size_t total;
    int failed;
} __attribute__((aligned(64)));

static void *run(void *arg) {
    struct job *j = arg;
    uint8_t sig[WALLET_SIGNATURE_MAX_LEN];
    size_t sig_len = 0;
    /* Counted in a local and stored once: a store per signature into the shared jobs array
       made the threads fight over its cache lines (false sharing), which the 8-thread rate
       measured as much as the library. */
    size_t total = 0;
    for (unsigned long i = 0; i < j->iterations; i++) {
        wallet_result rc;
        switch (j->mode) {
        case MESSAGE:
            rc = wallet_identity_sign(j->identity, j->message, j->message_len, sig, sizeof sig, &sig_len, NULL);
            break;
        case DIGEST:
            rc = wallet_identity_sign_digest(j->identity, j->digest, WALLET_DIGEST_LEN, sig, sizeof sig, &sig_len, NULL);
            break;
        default:
            rc = wallet_identity_verify(j->identity, j->message, j->message_len, j->good_sig, j->good_sig_len, NULL);
            sig_len = 1;
        }
        if (rc != WALLET_RESULT_OK) {
            j->failed = 1;
            return NULL;
        }
        total += sig_len;
    }
    j->total = total;
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s CERT.pem KEY.pem [ITERATIONS] [message|digest|verify] [THREADS]\n", argv[0]);
        return 2;
    }
    unsigned long iterations = argc > 3 ? strtoul(argv[3], NULL, 10) : 100000;
    const char *mode_name = argc > 4 ? argv[4] : "message";
    enum mode mode = !strcmp(mode_name, "digest") ? DIGEST : !strcmp(mode_name, "verify") ? VERIFY : MESSAGE;
    if (mode == MESSAGE && strcmp(mode_name, "message")) {
        fprintf(stderr, "unknown mode %s\n", mode_name);
        return 2;
    }
    unsigned long threads = argc > 5 ? strtoul(argv[5], NULL, 10) : 1;
    if (threads < 1 || threads > 64) return 2;
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
    /* SHA-256 of the message (checked below: its signature verifies over the message). */
    static const uint8_t digest[WALLET_DIGEST_LEN] = {
        0x8b, 0xfe, 0x96, 0xb7, 0xab, 0x72, 0x17, 0x45, 0x9a, 0x0d, 0x2f, 0x0b, 0x4b, 0x02, 0x0a, 0x21,
        0xe5, 0x97, 0x6f, 0xec, 0x99, 0x1e, 0xba, 0x48, 0x03, 0x71, 0x15, 0x36, 0x09, 0x3c, 0xa1, 0xb2};
    uint8_t sig[WALLET_SIGNATURE_MAX_LEN];
    size_t sig_len = 0;
    MUST(wallet_identity_sign(identity, message, sizeof message, sig, sizeof sig, &sig_len, NULL));
    MUST(wallet_identity_verify(identity, message, sizeof message, sig, sig_len, NULL));
    {
        uint8_t dsig[WALLET_SIGNATURE_MAX_LEN];
        size_t dsig_len = 0;
        MUST(wallet_identity_sign_digest(identity, digest, sizeof digest, dsig, sizeof dsig, &dsig_len, NULL));
        MUST(wallet_identity_verify(identity, message, sizeof message, dsig, dsig_len, NULL));
    }

    struct job jobs[64];
    pthread_t tids[64];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned long t = 0; t < threads; t++) {
        jobs[t] = (struct job){identity, mode, iterations, message, digest, sig, sizeof message, sig_len, 0, 0};
        if (pthread_create(&tids[t], NULL, run, &jobs[t])) return 1;
    }
    size_t total = 0;
    for (unsigned long t = 0; t < threads; t++) {
        pthread_join(tids[t], NULL);
        if (jobs[t].failed) return 1;
        total += jobs[t].total;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double n = (double)iterations * (double)threads;
    printf("c-api %s x%lu: %.0f ops in %.3f s: %.0f sign/s, %.2f us/op (%zu bytes)\n", mode_name, threads, n, secs,
           n / secs, secs * 1e6 / n, total);

    wallet_identity_free(&identity);
    wallet_wallet_free(&wallet);
    free(cert);
    free(key);
    return 0;
}
