/* libwallet on the OS keychain: create a keychain: wallet, import an identity, then open the
 * wallet again (no passphrase) and sign as it. Usage: test_keychain URI CERT.pem KEY.pem SIG_OUT
 * MESSAGE. Run by tests/keychain/c_test.sh inside a real Secret Service / kernel keyring
 * session; the signature is checked there with `openssl dgst -verify`. */
#include "wallet.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(1); }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) { fprintf(stderr, "cannot read %s\n", path); exit(1); }
  fclose(f);
  buf[n] = 0;
  *len = (size_t)n;
  return buf;
}

static void check(wallet_result r, wallet_error *err, const char *what) {
  if (r == WALLET_RESULT_OK) return;
  char msg[1024] = {0}, hint[1024] = {0};
  size_t n = 0;
  if (err) {
    wallet_error_get_message(err, msg, sizeof msg, &n);
    wallet_error_get_hint(err, hint, sizeof hint, &n);
  }
  fprintf(stderr, "%s failed (%u): %s\nhint: %s\n", what, (unsigned)r, msg, hint);
  wallet_error_free(&err);
  exit(1);
}

int main(int argc, char **argv) {
  if (argc != 6) { fprintf(stderr, "usage: %s URI CERT KEY SIG_OUT MESSAGE\n", argv[0]); return 2; }
  const char *uri = argv[1], *message = argv[5];
  size_t cert_len, key_len;
  char *cert = slurp(argv[2], &cert_len), *key = slurp(argv[3], &key_len);
  wallet_error *err = NULL;
  wallet_wallet *w = NULL;

  check(wallet_wallet_create(uri, NULL, 0, &w, &err), err, "wallet_wallet_create");
  check(wallet_wallet_import_pem(w, "appuser1", "Org1MSP", (const uint8_t *)cert, cert_len, (const uint8_t *)key,
                                 key_len, false, &err), err, "wallet_wallet_import_pem");
  wallet_wallet_free(&w);

  /* Open again with no passphrase: the key comes out of the keychain. */
  check(wallet_wallet_open(uri, NULL, 0, &w, &err), err, "wallet_wallet_open");
  wallet_labels *labels = NULL;
  check(wallet_wallet_list(w, &labels, &err), err, "wallet_wallet_list");
  if (wallet_labels_get_count(labels) != 1) { fprintf(stderr, "expected one identity\n"); return 1; }
  wallet_labels_free(&labels);
  wallet_identity *id = NULL;
  check(wallet_identity_load(w, "appuser1", &id, &err), err, "wallet_identity_load");
  uint8_t sig[80];
  size_t sig_len = 0;
  check(wallet_identity_sign(id, (const uint8_t *)message, strlen(message), sig, sizeof sig, &sig_len, &err), err,
        "wallet_identity_sign");
  FILE *out = fopen(argv[4], "wb");
  if (!out || fwrite(sig, 1, sig_len, out) != sig_len) { perror(argv[4]); return 1; }
  fclose(out);

  /* A missing identity is a clean error, not a crash. */
  wallet_identity *none = NULL;
  if (wallet_identity_load(w, "nobody", &none, &err) != WALLET_RESULT_NOT_FOUND) { fprintf(stderr, "nobody?\n"); return 1; }
  wallet_error_free(&err);

  wallet_identity_free(&id);
  wallet_wallet_free(&w);
  free(cert);
  free(key);
  printf("signed %zu bytes as appuser1 from %s\n", sig_len, uri);
  return 0;
}
