#!/usr/bin/env python3
"""Sign as a wallet identity from Python through libwallet's C API (ctypes), then verify the
signatures independently with the `cryptography` package. Exits non-zero on any failure.

    python3 sign.py CERT.pem KEY.pem      (WALLET_LIB=path/to/libwallet.so to pick the library)
"""

import ctypes
import os
import sys
from ctypes import POINTER, byref, c_bool, c_char_p, c_size_t, c_uint8, c_uint32, c_void_p, create_string_buffer

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

HERE = os.path.dirname(os.path.abspath(__file__))
LIB = os.environ.get("WALLET_LIB", os.path.join(HERE, "..", "..", "target", "debug", "libwallet.so"))
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

WALLET_RESULT_OK = 0
WALLET_RESULT_BUFFER_TOO_SMALL = 102
WALLET_RESULT_NOT_FOUND = 200
WALLET_SIGNATURE_MAX_LEN = 72

lib = ctypes.CDLL(LIB)
u8p = POINTER(c_uint8)
handle_out = POINTER(c_void_p)  # wallet_wallet **, wallet_identity **, wallet_error **


def declare(name, restype, *argtypes):
    fn = getattr(lib, name)
    fn.restype, fn.argtypes = restype, list(argtypes)
    return fn


wallet_version_get = declare("wallet_version_get", c_char_p)
wallet_wallet_open = declare("wallet_wallet_open", c_uint32, c_char_p, u8p, c_size_t, handle_out, handle_out)
wallet_wallet_import_pem = declare(
    "wallet_wallet_import_pem", c_uint32, c_void_p, c_char_p, c_char_p, c_char_p, c_size_t, c_char_p, c_size_t,
    c_bool, handle_out)
wallet_wallet_free = declare("wallet_wallet_free", None, handle_out)
wallet_identity_load = declare("wallet_identity_load", c_uint32, c_void_p, c_char_p, handle_out, handle_out)
wallet_identity_free = declare("wallet_identity_free", None, handle_out)
getter_args = (c_void_p, ctypes.c_char_p, c_size_t, POINTER(c_size_t), handle_out)
wallet_identity_get_certificate_pem = declare("wallet_identity_get_certificate_pem", c_uint32, *getter_args)
wallet_identity_get_enrollment_id = declare("wallet_identity_get_enrollment_id", c_uint32, *getter_args)
wallet_identity_serialize = declare("wallet_identity_serialize", c_uint32, *getter_args)
wallet_identity_sign = declare(
    "wallet_identity_sign", c_uint32, c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, POINTER(c_size_t), handle_out)
wallet_error_get_message = declare(
    "wallet_error_get_message", c_uint32, c_void_p, c_char_p, c_size_t, POINTER(c_size_t))
wallet_error_free = declare("wallet_error_free", None, handle_out)


class WalletError(Exception):
    def __init__(self, code, message):
        super().__init__(f"libwallet error {code}: {message}")
        self.code = code


def expect(condition, what):
    """A check that, unlike assert, also runs under python -O."""
    if not condition:
        raise SystemExit(f"python example failed: {what}")


def check(rc, err):
    """Raise WalletError for a failed call, with the message from its error object (then freed)."""
    if rc == WALLET_RESULT_OK:
        return
    message = "(no detail)"
    if err.value:
        buf, n = create_string_buffer(1024), c_size_t()
        if wallet_error_get_message(err, buf, len(buf), byref(n)) == WALLET_RESULT_OK:
            message = buf.raw[: n.value].decode()
        wallet_error_free(byref(err))
    raise WalletError(rc, message)


def get_bytes(getter, identity):
    """Ask for the size first (NULL, 0), then fill a buffer of exactly that size."""
    n, err = c_size_t(), c_void_p()
    rc = getter(identity, None, 0, byref(n), byref(err))
    if rc == WALLET_RESULT_BUFFER_TOO_SMALL:
        wallet_error_free(byref(err))
        buf = create_string_buffer(n.value)
        rc = getter(identity, buf, len(buf), byref(n), byref(err))
        check(rc, err)
        return buf.raw[: n.value]
    check(rc, err)
    return b""


def sign(identity, message):
    sig, n, err = create_string_buffer(WALLET_SIGNATURE_MAX_LEN), c_size_t(), c_void_p()
    check(wallet_identity_sign(identity, message, len(message), sig, len(sig), byref(n), byref(err)), err)
    return sig.raw[: n.value]


def main(cert_path, key_path):
    print(f"libwallet {wallet_version_get().decode()}")
    with open(cert_path, "rb") as f:
        cert_pem = f.read()
    with open(key_path, "rb") as f:
        key_pem = f.read()

    wallet, err = c_void_p(), c_void_p()
    check(wallet_wallet_open(b"memory:", None, 0, byref(wallet), byref(err)), err)
    identity = c_void_p()
    try:
        check(wallet_wallet_import_pem(wallet, b"pyuser", b"Org1MSP", cert_pem, len(cert_pem), key_pem, len(key_pem),
                                       False, byref(err)), err)

        # An unknown label is an error code with a message, never a crash.
        missing = c_void_p()
        try:
            check(wallet_identity_load(wallet, b"nobody", byref(missing), byref(err)), err)
            raise SystemExit("an unknown label loaded")
        except WalletError as e:
            expect(e.code == WALLET_RESULT_NOT_FOUND and "nobody" in str(e), e)

        check(wallet_identity_load(wallet, b"pyuser", byref(identity), byref(err)), err)
        presented = get_bytes(wallet_identity_get_certificate_pem, identity)
        expect(presented == cert_pem, "the certificate libwallet presents is not the one imported")
        enrollment_id = get_bytes(wallet_identity_get_enrollment_id, identity).decode()
        creator = get_bytes(wallet_identity_serialize, identity)
        expect(cert_pem in creator and b"Org1MSP" in creator, "SerializedIdentity lacks the MSP ID or certificate")
        print(f"identity pyuser ({enrollment_id}), SerializedIdentity of {len(creator)} bytes")

        public_key = x509.load_pem_x509_certificate(presented).public_key()
        for i in range(100):
            message = f"proposal {i} from python".encode()
            signature = sign(identity, message)
            public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))  # raises if invalid
            _, s = decode_dss_signature(signature)
            expect(s <= P256_ORDER // 2, f"signature {i} is high-S")
        try:
            public_key.verify(signature, b"another message", ec.ECDSA(hashes.SHA256()))
            raise SystemExit("a signature verified over the wrong message")
        except InvalidSignature:
            pass
        print("100 signatures verified with cryptography, all low-S")
    finally:
        wallet_identity_free(byref(identity))
        wallet_wallet_free(byref(wallet))
    expect(not identity.value and not wallet.value, "_free did not NULL the handles")
    print("python example: ok")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: sign.py CERT.pem KEY.pem")
    main(sys.argv[1], sys.argv[2])
