#!/usr/bin/env bash
# All benchmarks, then the summary. Installs what it needs (hyperfine, sqlite3, the Python venv),
# builds dangjian and the floor in release mode, generates data into bench/out/.
#   bench/run.sh                    (a)+(c), (b), (d)
#   bench/run.sh import coverage    a subset: import | coverage | postgres | memory1m
# (memory1m, the 1,000,000-org workbook of (c), only runs when named.)
# Knobs (environment): RUNS, OPENPYXL_RUNS, ORGS_IMPORT, ORGS_BIG, AS_OF, KEEP_PG=1.
source "$(dirname "$0")/lib.sh"
setup_tools
setup_venv
build_dangjian
build_floor
export SKIP_SETUP=1
parts=("${@:-import coverage postgres}")
for p in ${parts[@]}; do
    case $p in
    import) "$BENCH/import.sh" ;;
    coverage) "$BENCH/coverage.sh" sqlite ;;
    postgres) "$BENCH/coverage.sh" postgres ;;
    memory1m) "$BENCH/memory_1m.sh" ;;
    *) echo "unknown part $p (import | coverage | postgres | memory1m)" >&2; exit 2 ;;
    esac
done
log "summary"
python3 "$BENCH/summarize.py" "$OUT" | tee "$OUT/summary.md"
