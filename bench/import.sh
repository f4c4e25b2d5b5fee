#!/usr/bin/env bash
# Benchmarks (a) and (c): import of an ORGS_IMPORT-org workbook (validated and committed to a
# fresh SQLite database) against pandas.read_excel (openpyxl, calamine) merely parsing it and
# against the floor (bench/floor: calamine reading every cell); and the import's peak memory.
# (memory_1m.sh does the same for a 1,000,000-org workbook.)
# Results: bench/out/import/*.json, *.time.
source "$(dirname "$0")/lib.sh"
[ "${SKIP_SETUP:-}" = 1 ] || { setup_tools; setup_venv; build_dangjian; build_floor; }

D=$OUT/import
mkdir -p "$D"
XLSX=$D/orgs-$ORGS_IMPORT.xlsx
DB=$D/import.db

if [ ! -s "$XLSX" ]; then
    log "generate the workbook: dangjian demo --orgs $ORGS_IMPORT --xlsx $XLSX --no-db"
    timev "$D/demo-xlsx.time" "$DJ" --database "sqlite://$D/unused.db" demo --seed "$SEED" \
        --orgs "$ORGS_IMPORT" --xlsx "$XLSX" --no-db
    rm -f "$D"/pandas-*.json
fi
ls -l "$XLSX"

log "floor: what the workbook holds"
"$FLOOR" "$XLSX" cells | tee "$D/floor-count.txt"

log "check: one import into a fresh database succeeds"
rm -f "$DB" "$DB"-*
quiet
timev "$D/import-mem.time" "$DJ" --database "sqlite://$DB" import "$XLSX"
tail -5 "$D/import-mem.time.log"
sqlite3 "$DB" "SELECT 'social_orgs', COUNT(*) FROM social_orgs; SELECT 'party_orgs', COUNT(*) FROM party_orgs; SELECT 'coverage_links', COUNT(*) FROM coverage_links;" | tee "$D/import-check.txt"

log "round trip: export the imported registry, re-import it (dry run, then for real): nothing changes"
EXPORT=$D/export-$ORGS_IMPORT.xlsx
quiet
timev "$D/export.time" "$DJ" --database "sqlite://$DB" export "$EXPORT"
for step in reimport-dry reimport; do
    quiet
    flag=""; [ "$step" = reimport-dry ] && flag=--dry-run
    timev "$D/$step.time" "$DJ" --database "sqlite://$DB" import $flag "$EXPORT" || true
    grep -v "^ " "$D/$step.time.log" | tail -4
done

log "(a) timings: dangjian import vs the calamine floor ($RUNS runs each)"
quiet
hyperfine --style basic --runs "$RUNS" --export-json "$D/hf-import.json" \
    --prepare "rm -f '$DB' '$DB-wal' '$DB-shm'" \
    -n "dangjian import" "'$DJ' --database 'sqlite://$DB' import '$XLSX'" \
    -n "dangjian import --dry-run (read + validate, nothing written)" \
    "'$DJ' --database 'sqlite://$DB' import --dry-run '$XLSX'" \
    -n "floor (calamine cells reader)" "'$FLOOR' '$XLSX' cells" \
    -n "floor (calamine worksheet_range)" "'$FLOOR' '$XLSX' range"

# The pandas peers do not depend on dangjian: their results are kept across runs on the same
# workbook unless RERUN_PEERS=1 (or the workbook is regenerated, which clears them above).
for eng in calamine openpyxl; do
    n=$RUNS; [ "$eng" = openpyxl ] && n=$OPENPYXL_RUNS
    if [ -s "$D/pandas-$eng.json" ] && [ "${RERUN_PEERS:-}" != 1 ]; then
        log "(a) pandas.read_excel, engine $eng: kept from an earlier run ($D/pandas-$eng.json)"
        continue
    fi
    log "(a) pandas.read_excel, engine $eng ($n runs)"
    quiet
    "$PY" "$BENCH/pandas_read.py" "$eng" "$XLSX" "$n" "$D/pandas-$eng.json"
done

rm -f "$D/unused.db" "$D/unused.db"-*
