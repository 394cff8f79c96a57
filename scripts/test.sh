#!/usr/bin/env bash
# Runs every test: web/devstack/tests under Deno, inference under Node's test runner, the training recipe's data
# tests under Debian's python3. Needs PostgreSQL and Redis
# on 127.0.0.1 (starts them when they are installed but down) and the packages scripts/bootstrap.sh installs.
# Ends with one summary line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

ensure_services() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && command -v redis-server >/dev/null; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  fi
}
ensure_services

log_dir=${TEST_LOG_DIR:-.tmp/test-logs}
mkdir -p "$log_dir"
status=0

echo "== type check (deno check + tsc for inference) =="
deno task check 2>&1 | grep -vE "^(\x1b\[[0-9;]*m)*Check" | tee "$log_dir/check.log"
[ "${PIPESTATUS[0]}" = 0 ] || status=1

echo "== deno tests (web, devstack, migrations, end-to-end) =="
deno test -A 2>&1 | tee "$log_dir/deno.log"
[ "${PIPESTATUS[0]}" = 0 ] || status=1

echo "== inference tests (node:test) =="
(cd inference && npm test --silent) 2>&1 | tee "$log_dir/inference.log"
[ "${PIPESTATUS[0]}" = 0 ] || status=1

echo "== training recipe tests (Python unittest: data generator, numpy front end = TypeScript front end, model card) =="
(cd inference/training && /usr/bin/python3 -m unittest tests.test_data tests.test_patches tests.test_audibility tests.test_synth_kit tests.test_drumsynth tests.test_voice tests.test_features_parity tests.test_model_card) 2>&1 |
  tee "$log_dir/training.log"
[ "${PIPESTATUS[0]}" = 0 ] || status=1

# Deno ends with "ok | 12 passed (3 steps) | 0 failed"; node:test with "# pass 12" / "# fail 0".
strip() { sed -E 's/\x1b\[[0-9;]*m//g' "$1"; }
deno_pass=$(strip "$log_dir/deno.log" | grep -oE '\| [0-9]+ passed' | tail -1 | grep -oE '[0-9]+' || echo 0)
deno_fail=$(strip "$log_dir/deno.log" | grep -oE '\| [0-9]+ failed' | tail -1 | grep -oE '[0-9]+' || echo 0)
node_pass=$(strip "$log_dir/inference.log" | grep -E '^# pass [0-9]+' | tail -1 | grep -oE '[0-9]+' || echo 0)
node_fail=$(strip "$log_dir/inference.log" | grep -E '^# fail [0-9]+' | tail -1 | grep -oE '[0-9]+' || echo 0)
# unittest ends with "Ran 15 tests in 5.1s" and "OK" or "FAILED (failures=1, errors=2)"
py_ran=$(grep -oE '^Ran [0-9]+ test' "$log_dir/training.log" | grep -oE '[0-9]+' || echo 0)
py_fail=$(grep -oE '(failures|errors)=[0-9]+' "$log_dir/training.log" | grep -oE '[0-9]+' | awk '{s += $1} END {print s + 0}')
passed=$((${deno_pass:-0} + ${node_pass:-0} + ${py_ran:-0} - py_fail))
failed=$((${deno_fail:-0} + ${node_fail:-0} + py_fail))
[ "$status" = 0 ] || [ "$failed" -gt 0 ] || failed=1 # a runner that crashed counts as a failure
echo "$passed passed, $failed failed"
exit $status
