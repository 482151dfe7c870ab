"""The Python side of benches/vault.sh: the same KV v2 calls as `vault-bench kv`, made with the
hvac client (a requests Session, so connections are reused). Prints one JSON object per line.

usage: python vault_hvac.py ORIGIN MOUNT PREFIX N   (token in VAULT_TOKEN)
"""
import base64
import json
import os
import sys
import time

import hvac


def stats(op, us):
    us.sort()
    n = len(us)
    print(json.dumps({"client": "hvac %s" % hvac.__version__ if hasattr(hvac, "__version__") else "hvac",
                      "op": op, "n": n, "mean_us": round(sum(us) / n, 1),
                      "p50_us": round(us[n // 2], 1), "p99_us": round(us[min(n * 99 // 100, n - 1)], 1)}))


def main():
    origin, mount, prefix, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    client = hvac.Client(url=origin, token=os.environ["VAULT_TOKEN"])
    kv = client.secrets.kv.v2
    value = base64.b64encode(bytes((i * 7) % 256 for i in range(256))).decode()
    paths = ["%s/ca/bench%d" % (prefix, i) for i in range(n)]
    try:
        kv.read_secret_version(path=prefix + "/warm", mount_point=mount, raise_on_deleted_version=True)
    except hvac.exceptions.InvalidPath:
        pass

    def run(op, fn):
        out = []
        for i, p in enumerate(paths):
            t = time.perf_counter_ns()
            fn(i, p)
            out.append((time.perf_counter_ns() - t) / 1000.0)
        stats(op, out)

    def secret(i):
        return {"kind": "ca", "name": "bench%d" % i, "value": value}

    run("put (create, cas=0)", lambda i, p: kv.create_or_update_secret(path=p, secret=secret(i), cas=0, mount_point=mount))
    run("get", lambda i, p: kv.read_secret_version(path=p, mount_point=mount, raise_on_deleted_version=True))
    run("put (update, cas=1)", lambda i, p: kv.create_or_update_secret(path=p, secret=secret(i), cas=1, mount_point=mount))


if __name__ == "__main__":
    main()
