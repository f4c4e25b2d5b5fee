#!/usr/bin/env bash
# Benchmark (c) at 1,000,000 orgs: peak memory (/usr/bin/time -v) of writing a 1,000,000-org demo
# workbook and of importing it into a fresh SQLite database.
# Results: bench/out/import/*-1m.time (+ .log with the command's output).
source "$(dirname "$0")/lib.sh"
[ "${SKIP_SETUP:-}" = 1 ] || { setup_tools; setup_venv; build_dangjian; }

D=$OUT/import
mkdir -p "$D"
BIGX=$D/orgs-1000000.xlsx
if [ ! -s "$BIGX" ]; then
    log "(c) generate a 1,000,000-org workbook"
    quiet
    timev "$D/demo-xlsx-1m.time" "$DJ" --database "sqlite://$D/unused.db" demo --seed "$SEED" \
        --orgs 1000000 --xlsx "${BIGX%.xlsx}.raw.xlsx" --no-db
    importable "${BIGX%.xlsx}.raw.xlsx" "$BIGX"
    rm -f "$D/unused.db" "$D/unused.db"-*
fi
ls -l "$BIGX"
log "(c) peak memory: import of the 1,000,000-org workbook"
rm -f "$D/import-1m.db" "$D/import-1m.db"-*
quiet
timev "$D/import-mem-1m.time" "$DJ" --database "sqlite://$D/import-1m.db" import "$BIGX" || true
grep -v '^\[警告\]' "$D/import-mem-1m.time.log" | tail -5
