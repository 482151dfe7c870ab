#!/usr/bin/env python3
"""Issue Fabric CA 1.5-profile enrolment certificates with Python's `cryptography` (OpenSSL).

The baseline for `cargo bench -p wallet-core --bench ca` (`issue/memory_wallet`): per
certificate, a new P-256 key and a certificate with the profile the embedded CA writes
(C/ST/O, all OUs in one multi-valued RDN, CN; KU digitalSignature critical; BC CA:FALSE
critical; SKI = SHA-1 of the point; AKI; attribute extension 1.2.3.4.5.6.7.8.1 with raw JSON;
20-byte random serial; ECDSA-SHA256 by the CA key), encoded to DER.

Usage: python3 benches/issue_python.py [--n 5000] [--rounds 5]
Prints one JSON object: microseconds per certificate (median and best of the rounds).
Install the package with `python3 -m pip install cryptography` if it is missing.
"""

import argparse
import datetime
import json
import os
import statistics
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ATTRS_OID = x509.ObjectIdentifier("1.2.3.4.5.6.7.8.1")


def make_ca():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "North Carolina"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Hyperledger"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Fabric"),
        x509.NameAttribute(NameOID.COMMON_NAME, "fabric-ca-server"),
    ])
    now = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(os.urandom(20), "big") >> 1)
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=131400))
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert, ski


def issue(ca_key, ca_cert, aki, i):
    key = ec.generate_private_key(ec.SECP256R1())
    enrollment_id = f"user{i}"
    subject = x509.Name([
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.COUNTRY_NAME, "US")]),
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "North Carolina")]),
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Hyperledger")]),
        x509.RelativeDistinguishedName([
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "client"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "org1"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "department1"),
        ]),
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.COMMON_NAME, enrollment_id)]),
    ])
    attrs = json.dumps(
        {"attrs": {"hf.Affiliation": "org1.department1", "hf.EnrollmentID": enrollment_id,
                   "hf.Type": "client", "role": "auditor"}},
        separators=(",", ":"), sort_keys=True,
    ).encode()
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(os.urandom(20), "big") >> 1)
        .not_valid_before(ca_cert.not_valid_before_utc)
        .not_valid_after(min(now + datetime.timedelta(hours=8760), ca_cert.not_valid_after_utc))
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(aki, critical=False)
        .add_extension(x509.UnrecognizedExtension(ATTRS_OID, attrs), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.DER)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000, help="certificates per round")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    ca_key, ca_cert, ski = make_ca()
    aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    # Check the profile once: the certificate parses and carries the attribute JSON.
    _, der = issue(ca_key, ca_cert, aki, 0)
    parsed = x509.load_der_x509_certificate(der)
    assert parsed.extensions.get_extension_for_oid(ATTRS_OID).value.value.startswith(b'{"attrs":')
    for i in range(200):  # warm-up
        issue(ca_key, ca_cert, aki, i)
    per_cert = []
    for r in range(args.rounds):
        start = time.perf_counter()
        for i in range(args.n):
            issue(ca_key, ca_cert, aki, i)
        per_cert.append((time.perf_counter() - start) / args.n * 1e6)
    import cryptography
    print(json.dumps({
        "tool": "python cryptography " + cryptography.__version__,
        "n": args.n,
        "rounds": args.rounds,
        "us_per_cert_median": round(statistics.median(per_cert), 1),
        "us_per_cert_best": round(min(per_cert), 1),
    }))


if __name__ == "__main__":
    main()
