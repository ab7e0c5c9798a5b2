#!/usr/bin/env bash
# Runs the Cascade interop tests (called by the Makefile). Usage: InteropTests/run.sh [pytest args]
#   e.g. run.sh -k selfcheck   (harness self-checks only, no server needed, ~15 s)
#   CASCADE_BIN=path           cascade binary (default <repo>/.build/debug/cascade)
# A test fails, never skips, when the binary, its server or a real peer is missing
# (harness/require.py); what skips (a machine that cannot create namespaces) is listed with its
# reason in the summary (-rs).
#   CASCADE_INTEROP_TIMEOUT=s  hard limit for the whole run (default 1800)
#   CASCADE_GST_PYTHON=path    python with GStreamer's bindings for the webrtcbin peers (default /usr/bin/python3)
# conftest.py re-executes pytest inside a private network namespace (only `lo`).
# Output also goes to artifacts/interop/pytest.log; the last line printed is pytest's summary;
# the exit status is pytest's (124 if the hard timeout hit).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
artifacts="$repo/artifacts/interop"
mkdir -p "$artifacts"
log="$artifacts/pytest.log"
cd "$repo"
timeout --kill-after=30 "${CASCADE_INTEROP_TIMEOUT:-1800}" \
    python3 -m pytest "$here" -q -rfEs "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
summary="$(grep -aE '^=*[ ]*([0-9]+ (passed|failed|skipped|error|errors|deselected|xfailed|xpassed|warnings?)|no tests ran)' "$log" | tail -n 1)"
if [ -n "$summary" ] && [ "$(tail -n 1 "$log")" != "$summary" ]; then
    echo "$summary"
elif [ -z "$summary" ]; then
    echo "interop: no pytest summary (exit status $status; see $log)"
fi
exit "$status"
