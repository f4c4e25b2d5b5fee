#!/usr/bin/env bash
# Benchmarks (b) and (d): coverage by region as of AS_OF over ORGS_BIG orgs,
# `dangjian stats coverage --by region --format json` against the floor, the hand-written query
# bench/coverage_floor.sql run by the database's own shell on the same data.
#   bench/coverage.sh sqlite     (b) SQLite file bench/out/coverage/big-N.db (kept for reuse)
#   bench/coverage.sh postgres   (d) PostgreSQL database PG_DB on 127.0.0.1 (dropped at the end
#                                    unless KEEP_PG=1)
# The demo load itself is timed and its peak memory recorded (/usr/bin/time -v).
# Results: bench/out/coverage/<backend>-*.
source "$(dirname "$0")/lib.sh"
BACKEND=${1:-sqlite}
[ "${SKIP_SETUP:-}" = 1 ] || { setup_tools; build_dangjian; }

D=$OUT/coverage
mkdir -p "$D"
floor_sql >"$D/floor-$BACKEND.sql"

case $BACKEND in
sqlite)
    DB=$(big_db)
    URL=sqlite://$DB
    if [ ! -s "$DB" ]; then
        log "(b) build the database: dangjian --database $URL demo --orgs $ORGS_BIG"
        rm -f "$DB" "$DB"-*
        quiet
        timev "$D/sqlite-demo.time" "$DJ" --database "$URL" demo --seed "$SEED" --orgs "$ORGS_BIG"
        tail -2 "$D/sqlite-demo.time.log"
    fi
    FLOOR_CMD="sqlite3 -csv '$DB' < '$D/floor-$BACKEND.sql'"
    # The same query with the connection settings dangjian uses on SQLite (src/db/mod.rs).
    { echo "PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -65536;"; cat "$D/floor-$BACKEND.sql"; } \
        >"$D/floor-$BACKEND-pragmas.sql"
    FLOOR2_NAME="floor (sqlite3, dangjian's mmap_size and cache_size)"
    FLOOR2_CMD="sqlite3 -csv '$DB' < '$D/floor-$BACKEND-pragmas.sql'"
    ;;
postgres)
    need psql postgresql-client
    if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
        log "start PostgreSQL"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
        for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
    URL=$PG_URL_BASE/$PG_DB
    ADMIN="psql -q -X -v ON_ERROR_STOP=1 $PG_URL_BASE/postgres"
    log "(d) build the database: dangjian --database $URL demo --orgs $ORGS_BIG"
    $ADMIN -c "DROP DATABASE IF EXISTS $PG_DB" -c "CREATE DATABASE $PG_DB"
    quiet
    timev "$D/postgres-demo.time" "$DJ" --database "$URL" demo --seed "$SEED" --orgs "$ORGS_BIG"
    tail -2 "$D/postgres-demo.time.log"
    log "(d) VACUUM ANALYZE (planner statistics, as autovacuum would eventually gather)"
    psql -q -X "$URL" -c "VACUUM ANALYZE"
    FLOOR_CMD="psql -X -q -A -t -F, '$URL' -f '$D/floor-$BACKEND.sql'"
    ;;
*) echo "usage: $0 sqlite|postgres" >&2; exit 2 ;;
esac

DJ_CMD="'$DJ' --database '$URL' stats coverage --as-of $AS_OF --by region --format json"

log "check: dangjian's figures equal the floor's (as of $AS_OF)"
eval "$DJ_CMD" >"$D/$BACKEND-dangjian.json"
eval "$FLOOR_CMD" >"$D/$BACKEND-floor.csv"
[ -n "${FLOOR2_CMD:-}" ] && { eval "$FLOOR2_CMD" | cmp - "$D/$BACKEND-floor.csv" && echo "(floor with pragmas: same rows)"; }
python3 "$BENCH/compare_coverage.py" "$D/$BACKEND-dangjian.json" "$D/$BACKEND-floor.csv" \
    | tee "$D/$BACKEND-compare.txt"

log "timings: dangjian stats coverage vs the floor query ($RUNS runs each, 1 warm-up)"
quiet
extra=()
[ -n "${FLOOR2_CMD:-}" ] && extra=(-n "$FLOOR2_NAME" "$FLOOR2_CMD")
hyperfine --style basic --warmup 1 --runs "$RUNS" --export-json "$D/hf-$BACKEND.json" \
    -n "dangjian stats coverage" "$DJ_CMD" \
    -n "floor ($( [ "$BACKEND" = sqlite ] && echo sqlite3 || echo psql ))" "$FLOOR_CMD" \
    "${extra[@]}"
/usr/bin/time -v -o "$D/$BACKEND-stats.time" "$DJ" --database "$URL" stats coverage \
    --as-of "$AS_OF" --by region --format json >/dev/null

if [ "$BACKEND" = postgres ] && [ "${KEEP_PG:-}" != 1 ]; then
    log "(d) drop database $PG_DB"
    $ADMIN -c "DROP DATABASE $PG_DB"
fi
