#!/usr/bin/env bash
# Benchmarks (a) and (c): import of an ORGS_IMPORT-org workbook (validated and committed to a
# fresh SQLite database) against pandas.read_excel (openpyxl, calamine) merely parsing it and
# against the floor (bench/floor: calamine reading every cell); and the import's peak memory.
# MEM_1M=1 also measures the peak memory of importing a 1,000,000-org workbook.
# Results: bench/out/import/*.json, *.time.
source "$(dirname "$0")/lib.sh"
[ "${SKIP_SETUP:-}" = 1 ] || { setup_tools; setup_venv; build_dangjian; build_floor; }

D=$OUT/import
mkdir -p "$D"
XLSX=$D/orgs-$ORGS_IMPORT.xlsx
DB=$D/import.db

# importable RAW OUT: see importable.py (works around the export/import round-trip bug).
importable() { "$PY" "$BENCH/importable.py" "$1" "$2" | tee "$2.dropped.txt"; }

if [ ! -s "$XLSX" ]; then
    log "generate the workbook: dangjian demo --orgs $ORGS_IMPORT --xlsx ${XLSX%.xlsx}.raw.xlsx --no-db"
    timev "$D/demo-xlsx.time" "$DJ" --database "sqlite://$D/unused.db" demo --seed "$SEED" \
        --orgs "$ORGS_IMPORT" --xlsx "${XLSX%.xlsx}.raw.xlsx" --no-db
    importable "${XLSX%.xlsx}.raw.xlsx" "$XLSX"
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

log "(a) timings: dangjian import vs the calamine floor ($RUNS runs each)"
quiet
hyperfine --style basic --runs "$RUNS" --export-json "$D/hf-import.json" \
    --prepare "rm -f '$DB' '$DB-wal' '$DB-shm'" \
    -n "dangjian import" "'$DJ' --database 'sqlite://$DB' import '$XLSX'" \
    -n "dangjian import --dry-run (read + validate, nothing written)" \
    "'$DJ' --database 'sqlite://$DB' import --dry-run '$XLSX'" \
    -n "floor (calamine cells reader)" "'$FLOOR' '$XLSX' cells" \
    -n "floor (calamine worksheet_range)" "'$FLOOR' '$XLSX' range"

log "(a) pandas.read_excel, engine calamine ($RUNS runs)"
quiet
"$PY" "$BENCH/pandas_read.py" calamine "$XLSX" "$RUNS" "$D/pandas-calamine.json"
log "(a) pandas.read_excel, engine openpyxl ($OPENPYXL_RUNS runs)"
quiet
"$PY" "$BENCH/pandas_read.py" openpyxl "$XLSX" "$OPENPYXL_RUNS" "$D/pandas-openpyxl.json"

if [ "${MEM_1M:-}" = 1 ]; then
    BIGX=$D/orgs-1000000.xlsx
    if [ ! -s "$BIGX" ]; then
        log "(c) generate a 1,000,000-org workbook"
        timev "$D/demo-xlsx-1m.time" "$DJ" --database "sqlite://$D/unused.db" demo --seed "$SEED" \
            --orgs 1000000 --xlsx "${BIGX%.xlsx}.raw.xlsx" --no-db
        importable "${BIGX%.xlsx}.raw.xlsx" "$BIGX"
    fi
    log "(c) peak memory: import of the 1,000,000-org workbook"
    rm -f "$D/import-1m.db" "$D/import-1m.db"-*
    timev "$D/import-mem-1m.time" "$DJ" --database "sqlite://$D/import-1m.db" import "$BIGX" || true
    tail -5 "$D/import-mem-1m.time.log"
fi
rm -f "$D/unused.db" "$D/unused.db"-*
