#!/usr/bin/env bash
# Benchmark (c) at 1,000,000 orgs: peak memory (/usr/bin/time -v) of writing a 1,000,000-org demo
# workbook, of the floor reading it, and of importing it into a fresh SQLite database.
# Results: bench/out/import/*-1m.time (+ .log with the command's output).
source "$(dirname "$0")/lib.sh"
[ "${SKIP_SETUP:-}" = 1 ] || { setup_tools; setup_venv; build_dangjian; build_floor; }

D=$OUT/import
mkdir -p "$D"
BIGX=$D/orgs-1000000.xlsx
if [ ! -s "$BIGX" ]; then
    log "(c) generate a 1,000,000-org workbook"
    quiet
    timev "$D/demo-xlsx-1m.time" "$DJ" --database "sqlite://$D/unused.db" demo --seed "$SEED" \
        --orgs 1000000 --xlsx "$BIGX" --no-db
    rm -f "$D/unused.db" "$D/unused.db"-*
fi
ls -l "$BIGX"
log "(c) the floor's peak memory: calamine reading every cell of the 1,000,000-org workbook"
quiet
timev "$D/floor-mem-1m.time" "$FLOOR" "$BIGX" cells
log "(c) peak memory: import of the 1,000,000-org workbook"
rm -f "$D/import-1m.db" "$D/import-1m.db"-*
quiet
timev "$D/import-mem-1m.time" "$DJ" --database "sqlite://$D/import-1m.db" import "$BIGX" || true
grep -v '^\[警告\]' "$D/import-mem-1m.time.log" | tail -5
