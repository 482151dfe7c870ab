#!/usr/bin/env python3
"""The ratios of a `scripts/bench.sh` run: ours against the references measured in the same run.

Usage: python3 scripts/bench_report.py RESULTS_DIR [BENCHMARKS.md]
Reads what bench.sh wrote to RESULTS_DIR (openssl-speed.txt, criterion.txt, python-issue.json,
ffi.txt, oneshot.json), prints a Markdown table of the issue #12 signing targets, and, given
BENCHMARKS.md, replaces the text between its `<!-- bench.sh:begin -->` and `<!-- bench.sh:end -->`
markers (appending a section with them if they are missing). A number a run did not produce is
shown as "not measured", never guessed.
"""

import json
import os
import re
import sys

UNITS = {"ps": 1e-6, "ns": 1e-3, "µs": 1.0, "us": 1.0, "ms": 1e3, "s": 1e6}


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def criterion(text):
    """name -> median in microseconds."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(\S+)\s+time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", line)
        if m:
            out[m.group(1)] = float(m.group(2)) * UNITS[m.group(3)]
    return out


def main():
    res = sys.argv[1]
    speed = read(os.path.join(res, "openssl-speed.txt")).split()
    # " 256 bits ecdsa (nistp256)   0.0000s   0.0000s  68531.0  21783.3"
    ossl_sign = ossl_verify = None
    if len(speed) >= 2:
        ossl_sign, ossl_verify = float(speed[-2]), float(speed[-1])
    crit = criterion(read(os.path.join(res, "criterion.txt")))
    py = read(os.path.join(res, "python-issue.json"))
    py_us = json.loads(py)["us_per_cert_median"] if py.strip() else None
    ffi = read(os.path.join(res, "ffi.txt"))
    ffi_rates, overhead = {}, {}
    for m in re.finditer(r"^(message|digest|verify): rust-api (\d+)/s, c-api (\d+)/s .*overhead ([-+0-9.]+)%", ffi, re.M):
        ffi_rates[m.group(1)] = (float(m.group(2)), float(m.group(3)))
        overhead[m.group(1)] = float(m.group(4))
    threads = re.search(r"1 thread (\d+)/s, 8 threads on one handle (\d+)/s: ([0-9.]+)x", ffi)
    oneshot = {}
    if read(os.path.join(res, "oneshot.json")):
        for r in json.loads(read(os.path.join(res, "oneshot.json")))["results"]:
            oneshot[r["command"]] = r["mean"] * 1e3  # ms
    oneshot_kc = {}
    if read(os.path.join(res, "oneshot-keychain.json")):
        for r in json.loads(read(os.path.join(res, "oneshot-keychain.json")))["results"]:
            oneshot_kc[r["command"]] = r["mean"] * 1e3  # ms

    rows = []

    def row(target, ours, ref, ratio, goal):
        """goal None: a row shown for context, with no target of its own."""
        if ratio is None:
            rows.append((target, ours or "not measured", ref or "not measured", "—", "not measured"))
        elif goal is None:
            rows.append((target, ours, ref, f"{ratio:.2f}×", "— (no target)"))
        else:
            rows.append((target, ours, ref, f"{ratio:.2f}×", "✔" if ratio >= goal else f"✘ (target ≥ {goal}×)"))

    def rate(us):
        return 1e6 / us

    ref_sign = f"openssl speed: {ossl_sign:,.0f}/s" if ossl_sign else None
    ref_verify = f"openssl speed: {ossl_verify:,.0f}/s" if ossl_verify else None
    for provider in ("aws-lc", "rustcrypto"):
        for op, label, ref, ref_rate in (
            ("sign_digest", "digest signing", ref_sign, ossl_sign),
            ("sign_message", "message signing (256 B)", ref_sign, ossl_sign),
            ("verify_digest", "verification", ref_verify, ossl_verify),
        ):
            us = crit.get(f"provider/{provider}/{op}")
            ours = f"{rate(us):,.0f}/s ({us:.1f} µs)" if us else None
            ratio = rate(us) / ref_rate if us and ref_rate else None
            row(f"{label}, Rust API, {provider}", ours, ref, ratio, 1.0)
    for mode, label, ref, ref_rate in (
        ("digest", "digest signing, C library (default provider)", ref_sign, ossl_sign),
        ("message", "message signing, C library (default provider)", ref_sign, ossl_sign),
        ("verify", "verification, C library (default provider)", ref_verify, ossl_verify),
    ):
        if mode in ffi_rates and ref_rate:
            c = ffi_rates[mode][1]
            row(label, f"{c:,.0f}/s", ref, c / ref_rate, 1.0)
        else:
            row(label, None, ref, None, 1.0)
    for mode in ("message", "digest", "verify"):
        if mode in ffi_rates:
            rust, c = ffi_rates[mode]
            rows.append((f"C library vs Rust API, {mode}", f"C {c:,.0f}/s", f"Rust {rust:,.0f}/s",
                         f"{c / rust:.3f}×", "✔" if overhead[mode] <= 5.0 else "✘ (target: loses ≤ 5 %)"))
        else:
            row(f"C library vs Rust API, {mode}", None, None, None, 0.95)
    # The host's ceiling for the thread ratio: two openssl processes (which share nothing) over one.
    ceiling = re.search(r"^openssl ceiling: 1 process (\d+) sign/s, 2 processes (\d+) sign/s: ([0-9.]+)x", ffi, re.M)
    label = "8 threads on one C identity handle vs 1 thread (digest)"
    label_ceiling = "the same, over this host's two-core ceiling (`openssl speed -multi 2` ÷ one process)"
    if threads:
        one, eight, x = float(threads.group(1)), float(threads.group(2)), float(threads.group(3))
        row(label, f"{eight:,.0f}/s", f"1 thread: {one:,.0f}/s", x, 1.8)
    else:
        row(label, None, None, None, 1.8)
    if threads and ceiling:
        c = float(ceiling.group(3))
        row(label_ceiling, f"{x:.2f}×", f"openssl: {c:.2f}×", x / c, 0.9)
    else:
        row(label_ceiling, None, None, None, 0.9)
    # Python's loop issues many certificates under one CA key, which is what a bulk enrolment
    # does per identity (plus the registry records and the wallet entry, which Python skips).
    label = "issue (key + Fabric-profile certificate) into a memory wallet, per identity of a bulk enrolment of 1,000"
    bulk = crit.get("bulk/1000")
    if bulk and py_us:
        row(label, f"{bulk / 1000:.1f} µs", f"Python cryptography: {py_us:.1f} µs", py_us / (bulk / 1000), 3.0)
    else:
        row(label, None, None, None, 3.0)
    # One row per call also authenticates the registrar each time (its wallet entry decoded, its
    # certificate checked against the registry): shown, with no target of its own.
    label = "issue, one `bulk_enroll` call per identity (registrar authenticated per call)"
    issue = crit.get("issue/memory_wallet")
    if issue and py_us:
        row(label, f"{issue:.1f} µs", f"Python cryptography: {py_us:.1f} µs", py_us / issue, None)
    else:
        row(label, None, None, None, None)
    ossl_cmd = next((v for k, v in oneshot.items() if k.startswith("openssl")), None)
    for provider in ("aws-lc", "rustcrypto"):
        ours = next((v for k, v in oneshot.items() if k == f"wallet sign ({provider})"), None)
        if ours and ossl_cmd:
            row(f"one-shot `wallet sign` process ({provider}) vs `openssl dgst -sha256 -sign`", f"{ours:.2f} ms",
                f"{ossl_cmd:.2f} ms", ossl_cmd / ours, 1.0)
        else:
            row(f"one-shot `wallet sign` process ({provider}) vs `openssl dgst -sha256 -sign`", None, None, None, 1.0)
    # The target itself: the process apart from the unlock, which a keychain-unlocked wallet
    # shows without (the openssl row of the same hyperfine run is the reference).
    ossl_kc = next((v for k, v in oneshot_kc.items() if k.startswith("openssl")), None)
    for provider in ("rustcrypto", "aws-lc"):
        label = f"one-shot `wallet sign` process ({provider}, keychain-unlocked wallet) vs `openssl dgst -sha256 -sign`"
        ours = oneshot_kc.get(f"wallet sign ({provider}, keychain-unlocked)")
        if ours and ossl_kc:
            row(label, f"{ours:.2f} ms", f"{ossl_kc:.2f} ms", ossl_kc / ours, 1.0)
        else:
            row(label, None, None, None, 1.0)
    unlock = oneshot.get("wallet list (unlock only)")

    lines = [
        "| target | ours | reference (same run) | ratio | met |",
        "| --- | ---: | ---: | ---: | --- |",
    ] + [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows]
    if unlock:
        lines.append("")
        lines.append(f"A `wallet list` process on the same wallet (start-up + unlock at Argon2id 19 MiB, t=2 + list): {unlock:.2f} ms.")
    table = "\n".join(lines)
    print(table)

    if len(sys.argv) > 2:
        path = sys.argv[2]
        doc = read(path)
        summary = read(os.path.join(res, "summary.txt"))
        head = "\n".join(l for l in summary.splitlines()[:5])
        block = (
            "<!-- bench.sh:begin -->\n"
            "_Generated by `bash scripts/bench.sh`; do not edit by hand._\n\n"
            f"```\n{head}\n```\n\n{table}\n"
            "<!-- bench.sh:end -->"
        )
        if "<!-- bench.sh:begin -->" in doc:
            doc = re.sub(r"<!-- bench.sh:begin -->.*?<!-- bench.sh:end -->", lambda _: block, doc, flags=re.S)
        else:
            doc = doc.rstrip("\n") + "\n\n## Signing targets of issue #12, regenerated by scripts/bench.sh\n\n" + block + "\n"
        with open(path, "w", encoding="utf-8") as f:
            f.write(doc)


if __name__ == "__main__":
    main()
