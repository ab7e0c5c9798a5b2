#!/usr/bin/env bash
# Runs the libFuzzer targets of `cascade-fuzz` (Fuzz/, docs/security.md *Fuzzing*) for SECONDS
# each, one after the other: `scripts/fuzz.sh SECONDS [TARGET...]` (all targets when none named).
#
# A target starts from its seeds (Fuzz/Corpus/TARGET, only read) and from what earlier runs found
# (.fuzz/corpus/TARGET, git-ignored, where new inputs go). A crash is saved as
# .fuzz/crashes/TARGET-crash-<sha1>, the run's output as .fuzz/TARGET.log. Prints a line a target
# (executions, seconds, crash or not) and exits 1 when a target crashed or did not run.
set -uo pipefail

seconds=${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}
shift
bin=${FUZZ_BIN:-.build/debug/cascade-fuzz}
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <("$bin" list); fi
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no targets (is $bin built?)"; exit 1; }

mkdir -p .fuzz/crashes
failed=0
for target in "${targets[@]}"; do
    mkdir -p ".fuzz/corpus/$target"
    log=".fuzz/$target.log"
    started=$(date +%s)
    # -timeout: an input that takes 10 s is a hang worth a crash file of its own.
    "$bin" "$target" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
        -artifact_prefix=".fuzz/crashes/$target-" ".fuzz/corpus/$target" "Fuzz/Corpus/$target" >"$log" 2>&1
    status=$?
    elapsed=$(( $(date +%s) - started ))
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ $status -eq 0 ] && [ -n "$executions" ]; then
        echo "fuzz: $target: $executions executions in $elapsed s, no crash"
    else
        failed=1
        echo "fuzz: $target: FAILED (exit $status) after ${executions:-?} executions in $elapsed s; see $log:"
        grep -m3 -E 'ERROR|Fatal error|deadly signal|Test unit written' "$log" | sed 's/^/    /'
    fi
done
exit $failed
