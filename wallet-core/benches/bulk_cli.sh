#!/bin/bash
# Bulk enrolment through the CLI into a new encrypted file wallet (default Argon2id), as
# reported in docs/ca.md. Usage: bulk_cli.sh WALLET_BINARY ROWS [PARENT_FOLDER]
# Prints the wall/user/sys time of `wallet ca bulk-enroll` and, first, how long creating one
# file takes next to the wallet (the file system's condition, which dominates on slow disks).
# KEEP=1 keeps the wallet. Build the binary with `cargo build --release -p wallet-cli`.
set -euo pipefail
BIN=$(realpath "$1"); N=$2; PARENT=${3:-${TMPDIR:-/tmp}}
mkdir -p "$PARENT"
P=$(mktemp -d "$PARENT/bulk-$N-XXXX")
PROBE=$(python3 - "$P" <<'PY'
import os, sys, time
d = sys.argv[1] + "/probe"; os.makedirs(d)
t = time.time()
for i in range(300):
    fd = os.open(f"{d}/f{i}", os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600); os.write(fd, b"x" * 1500); os.close(fd)
print(f"{(time.time() - t) / 300 * 1e6:.0f}")
PY
)
export WALLET_PASSPHRASE=bench-pass WALLET_URI="file:$P/wallet"
"$BIN" init >/dev/null
"$BIN" ca init org1-ca --msp-id Org1MSP >/dev/null
python3 -c "
import sys
print('id,type,affiliation,attributes')
for i in range(int(sys.argv[1])): print(f'user{i},client,org1.department1,role=auditor:ecert')
" "$N" > "$P/rows.csv"
R=$(/usr/bin/time -f "wall %e s, user %U s, sys %S s" "$BIN" ca bulk-enroll --csv "$P/rows.csv" 2>&1 >/dev/null | tail -1)
echo "N=$N: $R (creating a file there: $PROBE us)"
[ -n "${KEEP:-}" ] || rm -rf "$P"
