# Shared by up.sh, down.sh and run.sh: where things are, how processes are started and stopped,
# and how a failure is explained. Sourced, not run.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
# The folder of the network that up.sh started last (so down.sh works without an argument).
last_network_file="$target/network-last"

die() { printf 'network: %s\n' "$*" >&2; exit 1; }
say() { printf '  %s\n' "$*"; }

# The Fabric binaries: $FABRIC_BIN (a folder holding peer, orderer, …), else the shared archives
# unpacked into target/fabric-tools. Missing binaries are an error, never a skip.
find_fabric() {
  if [ -n "${FABRIC_HOME:-}" ]; then
    fabric_home=$FABRIC_HOME
  else
    local shared=""
    for d in "${SHARED_DIR:-}" "$root/../shared" "$root/../../shared"; do
      if [ -n "$d" ] && [ -f "$d/tools/unpack.sh" ]; then shared=$(cd "$d" && pwd); break; fi
    done
    [ -n "$shared" ] || die "the Fabric 2.5.16 binaries are missing: no shared/tools/unpack.sh beside the project (set SHARED_DIR, or FABRIC_HOME to an unpacked fabric-2.5.16 folder)"
    if ! command -v xz >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xz-utils >/dev/null || true
    fi
    command -v xz >/dev/null || die "xz is missing (Debian package xz-utils): it unpacks the Fabric binaries"
    local dest
    dest=$(bash "$shared/tools/unpack.sh" "$target/fabric-tools") || die "unpacking $shared/tools/fabric-2.5.16.tar.xz failed"
    fabric_home=$dest/fabric-2.5.16
  fi
  for b in peer orderer configtxgen osnadmin configtxlator; do
    [ -x "$fabric_home/bin/$b" ] || die "Fabric binary $fabric_home/bin/$b is missing"
  done
  for b in detect build release; do
    [ -x "$fabric_home/ccaas_builder/bin/$b" ] || die "chaincode-as-a-service builder $fabric_home/ccaas_builder/bin/$b is missing"
  done
  for f in core.yaml orderer.yaml; do
    [ -f "$fabric_home/config/$f" ] || die "Fabric default configuration $fabric_home/config/$f is missing"
  done
  export PATH="$fabric_home/bin:$PATH"
}

# The lines of a Fabric log that say why it stopped (panics, fatal and error lines), else its end.
log_reason() {
  local log=$1
  [ -f "$log" ] || { echo "    (no log at $log)"; return; }
  local why
  # (TLS handshakes ended by EOF are wait_port's own probes.)
  why=$(grep -E 'PANI|FATA|panic:|ERRO|Error:|error:' "$log" | grep -v 'handshake failed .* with error EOF' | tail -n 8 || true)
  [ -n "$why" ] || why=$(tail -n 8 "$log")
  printf '%s\n' "$why" | sed 's/^/    /'
}

# Start a process in its own process group, output to logs/NAME.log, PID to pids/NAME.pid.
#   start_process NAME command args…
start_process() {
  local name=$1; shift
  setsid "$@" >"$net/logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$net/pids/$name.pid"
}

# Wait until 127.0.0.1:PORT accepts connections; fail with the log's reason if NAME exits first.
wait_port() {
  local name=$1 port=$2 tries=${3:-300}
  local pid
  pid=$(cat "$net/pids/$name.pid")
  for _ in $(seq "$tries"); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "network: $name (pid $pid) exited before listening on 127.0.0.1:$port; from $net/logs/$name.log:" >&2
      log_reason "$net/logs/$name.log" >&2
      return 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "network: $name did not listen on 127.0.0.1:$port within $((tries / 10)) s; from $net/logs/$name.log:" >&2
  log_reason "$net/logs/$name.log" >&2
  return 1
}

# Stop every process recorded under $net/pids: TERM to its process group, KILL after 5 s.
stop_all() {
  local f pid name
  shopt -s nullglob
  for f in "$net"/pids/*.pid; do
    pid=$(cat "$f"); name=$(basename "$f" .pid)
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        echo "network: $name (pid $pid) did not stop on TERM; killed" >&2
      fi
    fi
    rm -f "$f"
  done
  shopt -u nullglob
}
