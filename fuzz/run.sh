#!/usr/bin/env bash
# Fuzz every target of fuzz/ with cargo-fuzz (libFuzzer) on the nightly toolchain.
#
#   bash fuzz/run.sh smoke              # scripts/test.sh: each target 5 s from its seeds and regressions
#   bash fuzz/run.sh campaign [SECONDS] # each target SECONDS (600) with JOBS (2) at a time; stats in
#                                       # target/fuzz-campaign/<target>.log and summary.tsv
#   TARGETS="file_index csr" bash fuzz/run.sh campaign 60
#
# New inputs go to a scratch folder, never into fuzz/corpus/; `campaign` then merges those that
# add coverage into fuzz/corpus/<target>/ (libFuzzer -merge=1). A crash fails the run and leaves
# its input in fuzz/artifacts/<target>/: copy it to fuzz/regressions/<target>/ and fix the code
# (wallet-core/tests/fuzz_corpus.rs replays every regression on stable).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mode=${1:-smoke}
seconds=${2:-600}
jobs=${JOBS:-2}

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz/run.sh: the nightly toolchain is missing (cargo-fuzz needs it): rustup toolchain install nightly" >&2
  exit 1
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz/run.sh: installing cargo-fuzz 0.13.2" >&2
  cargo +nightly install cargo-fuzz --version 0.13.2 --locked --quiet
fi

export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-$root/target/fuzz}
# The smoke run builds unoptimised (much quicker to build, fast enough for 5 s); campaigns
# build with optimisations, as cargo-fuzz does by default.
profile=${FUZZ_PROFILE:-$([ "$mode" = smoke ] && echo dev || echo release)}
build_flags=()
bin_profile=release
if [ "$profile" = dev ]; then build_flags=(--dev); bin_profile=debug; fi
targets=${TARGETS:-$(ls fuzz/fuzz_targets | sed 's/\.rs$//')}
out=$root/target/fuzz-$mode
rm -rf "$out"
mkdir -p "$out"
if ! cargo +nightly fuzz build "${build_flags[@]}" >"$out/build.log" 2>&1; then
  tail -40 "$out/build.log" >&2
  echo "fuzz/run.sh: cargo +nightly fuzz build failed (the whole log: $out/build.log)" >&2
  exit 1
fi
bin_dir=$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/$bin_profile
for t in $targets; do
  [ -x "$bin_dir/$t" ] || { echo "fuzz/run.sh: $bin_dir/$t was not built" >&2; exit 1; }
done

# One target: fresh inputs into $out/new/<t>, reading the kept corpus and regressions.
run_one() {
  local t=$1 secs=$2
  mkdir -p "$out/new/$t" "fuzz/regressions/$t" "fuzz/artifacts/$t"
  local code=0 extra=() started=$SECONDS
  # ureq resolves the server's address on a thread of its own (to time it out), which may still
  # be running when an input ends: LeakSanitizer reports that thread's few bytes as a leak.
  [ "$t" = fabric_ca_response ] && extra=(-detect_leaks=0)
  # The smoke run (an unoptimised build) starts from the seeds and regressions; the whole kept
  # corpus is replayed on stable by wallet-core/tests/fuzz_corpus.rs.
  local from="fuzz/corpus/$t"
  if [ "$mode" = smoke ]; then
    from="$out/seeds/$t"
    mkdir -p "$from"
    cp fuzz/corpus/"$t"/seed-* "$from"/
  fi
  "$bin_dir/$t" "$out/new/$t" "$from" "fuzz/regressions/$t" \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    "${extra[@]}" -artifact_prefix="fuzz/artifacts/$t/" >"$out/$t.log" 2>&1 || code=$?
  secs=$((SECONDS - started))
  local execs cov
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$out/$t.log" | tail -1 | cut -d' ' -f2)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$secs" "${execs:-0}" "$(ls "$out/new/$t" | wc -l)" "${cov:-0}" "$code" \
    >>"$out/summary.tsv"
  if [ "$code" -ne 0 ]; then
    echo "fuzz/run.sh: $t failed (exit $code); its log is $out/$t.log, the input in fuzz/artifacts/$t/:" >&2
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$out/$t.log" >&2 || tail -20 "$out/$t.log" >&2
    return 1
  fi
}

case $mode in
  smoke)
    failed=0
    for t in $targets; do run_one "$t" 5 || failed=1; done
    ;;
  campaign)
    failed=0
    pids=()
    for t in $targets; do
      run_one "$t" "$seconds" &
      pids+=($!)
      if [ ${#pids[@]} -ge "$jobs" ]; then wait "${pids[0]}" || failed=1; pids=("${pids[@]:1}"); fi
    done
    for p in "${pids[@]}"; do wait "$p" || failed=1; done
    # Keep what adds coverage: merge the new inputs into the kept corpus.
    for t in $targets; do
      "$bin_dir/$t" -merge=1 -max_len=65536 "fuzz/corpus/$t" "$out/new/$t" >>"$out/$t.merge.log" 2>&1 || failed=1
    done
    ;;
  *) echo "fuzz/run.sh: the modes are smoke and campaign" >&2; exit 2 ;;
esac

printf 'target\tseconds\texecutions\tnew inputs\tcoverage\texit\n'
cat "$out/summary.tsv"
exit $failed
