#!/usr/bin/env bash
# The whole suite in two runs, so that it stays well under ten minutes on two cores:
#   1. everything but the browser journeys, on PROBATIO_TEST_WORKERS workers (pytest-xdist;
#      each worker has its own test database);
#   2. the browser journeys, on the same number of workers (each worker has its own database,
#      live server and Chromium; inside a worker, the journeys run one after the other).
# PROBATIO_TEST_MARKERS narrows both runs (e.g. "not postgres" on SQLite); the arguments are
# passed to both. Exit status: the first failure; "no tests collected" (5) in one of the two
# runs is not one (a selection of a few files), in both it is.
set -u
cd "$(dirname "$0")/.."

pytest=.venv/bin/pytest
base="${PROBATIO_TEST_MARKERS:-}"
workers="${PROBATIO_TEST_WORKERS:-2}"

markers() {
    if [ -n "$base" ]; then echo "($base) and $1"; else echo "$1"; fi
}

"$pytest" -m "$(markers 'not browser')" -n "$workers" "$@"
first=$?
# loadgroup: the tests of a module marked xdist_group share a worker (and the demo it built).
"$pytest" -m "$(markers 'browser')" -n "$workers" --dist loadgroup "$@"
second=$?

if [ -n "$base" ]; then
    # What the markers left out, said out loud (xdist does not print "N deselected").
    left_out=$("$pytest" --collect-only -q -m "not ($base)" "$@" 2>/dev/null | tail -n 1 | cut -d/ -f1)
    echo "Tests désélectionnés par « $base » : ${left_out:-0} (voir make test-postgres)."
fi

if [ "$first" -eq 5 ] && [ "$second" -eq 5 ]; then
    exit 5
fi
for status in "$first" "$second"; do
    if [ "$status" -ne 0 ] && [ "$status" -ne 5 ]; then
        exit "$status"
    fi
done
exit 0
