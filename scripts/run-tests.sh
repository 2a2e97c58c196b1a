#!/usr/bin/env bash
# Runs every test with node's built-in runner: unit tests beside the code (dist/src/**/*.test.js),
# then contract, integration and end-to-end suites (dist/test/**). Extra arguments go to node --test.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find dist/src dist/test -name '*.test.js' | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "run-tests: no test files found under dist/" >&2
  exit 1
fi
exec node --test --test-concurrency=3 "$@" "${files[@]}"
