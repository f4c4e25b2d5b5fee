# Shared settings and steps of the benchmark scripts; sourced, not run.
# Every knob can be overridden from the environment, e.g. RUNS=3 ORGS_BIG=200000 bench/run.sh
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
OUT=${OUT:-$BENCH/out}
RUNS=${RUNS:-5}                      # runs per timed command (medians are reported)
OPENPYXL_RUNS=${OPENPYXL_RUNS:-3}    # pandas+openpyxl is slow: fewer runs, stated in the report
ORGS_IMPORT=${ORGS_IMPORT:-100000}   # (a), (c): orgs in the imported workbook
ORGS_BIG=${ORGS_BIG:-1000000}        # (b), (d): orgs in the coverage database
AS_OF=${AS_OF:-2022-12-31}           # (b), (d): the date of the coverage figures
SEED=${SEED:-20211231}               # the demo generator's default seed
PG_URL_BASE=${PG_URL_BASE:-postgres://postgres@127.0.0.1}
PG_DB=${PG_DB:-dj_bench}

# The binaries are copied into bench/out/bin after the build, so that a rebuild in the shared
# target directory during a run cannot change what is being measured.
DJ=$OUT/bin/dangjian
FLOOR=$OUT/bin/xlsx-floor
PY=$BENCH/.venv/bin/python
mkdir -p "$OUT"

log() { printf '\n== %s  (%s)\n' "$*" "$(date +%H:%M:%S)"; }

# need COMMAND PACKAGE: installs the Debian package when the command is missing.
APT_UPDATED=
need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ -z "$APT_UPDATED" ]; then apt-get update -qq; APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

setup_tools() {
    need hyperfine hyperfine
    need sqlite3 sqlite3
    [ -x /usr/bin/time ] || need /usr/bin/time time
    need python3 python3
}

setup_venv() {
    if ! { [ -x "$PY" ] && "$PY" -c 'import pandas, openpyxl, python_calamine' 2>/dev/null; }; then
        log "python venv bench/.venv (pandas, openpyxl, python-calamine)"
        python3 -m venv "$BENCH/.venv"
        "$BENCH/.venv/bin/pip" install -q pandas openpyxl python-calamine
    fi
}

build_dangjian() {
    log "cargo build --release (dangjian)"
    (cd "$ROOT" && cargo build --release -q)
    mkdir -p "$OUT/bin"
    cp "$ROOT/target/release/dangjian" "$OUT/bin/dangjian"
    sha256sum "$OUT/bin/dangjian" | tee "$OUT/bin/dangjian.sha256"
}

build_floor() {
    log "cargo build --release (bench/floor)"
    (cd "$BENCH/floor" && cargo build --release -q)
    mkdir -p "$OUT/bin"
    cp "$BENCH/floor/target/release/xlsx-floor" "$OUT/bin/xlsx-floor"
}

# quiet: before a timed step, waits (up to QUIET_MAX seconds) until no compiler runs on the
# machine, since compilations by others would share the cores; logs the load either way.
QUIET_MAX=${QUIET_MAX:-900}
quiet() {
    local waited=0
    while pgrep -x rustc >/dev/null || pgrep -x cc1 >/dev/null; do
        [ "$waited" -ge "$QUIET_MAX" ] && { echo "   (still busy after ${waited}s; measuring anyway)"; break; }
        sleep 10; waited=$((waited + 10))
    done
    echo "   load before measuring: $(cut -d' ' -f1-3 /proc/loadavg) (waited ${waited}s for compilers to finish)" \
        | tee -a "$OUT/load.log"
}

# timev OUTFILE COMMAND...: runs COMMAND under /usr/bin/time -v; stdout+stderr of the command go
# to OUTFILE.log, the time report to OUTFILE. Returns the command's exit code.
timev() {
    local out=$1; shift
    local rc=0
    /usr/bin/time -v -o "$out" "$@" >"$out.log" 2>&1 || rc=$?
    printf '   wall %s, max RSS %s kB, exit %s\n' \
        "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out")" \
        "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out")" "$rc"
    return $rc
}

# floor_sql: the coverage floor query with the date filled in.
floor_sql() { sed "s/@AS_OF@/$AS_OF/g" "$BENCH/coverage_floor.sql"; }

# The big demo database for (b), built once and reused (delete it to rebuild).
big_db() { echo "$OUT/coverage/big-$ORGS_BIG.db"; }
