"""Peer of benchmark (a): pandas.read_excel merely parsing every sheet of the workbook.

usage: pandas_read.py ENGINE FILE RUNS OUT.json
ENGINE is openpyxl or calamine. Each run is timed inside one Python process around
`pandas.read_excel(FILE, sheet_name=None, engine=ENGINE)` only: the interpreter start and
`import pandas` are excluded (they are measured once and recorded as `startup_s`), which
favours pandas. Writes the per-run seconds and the data-row count as JSON.
"""

import importlib.metadata
import json
import statistics
import subprocess
import sys
import time

engine, path, runs, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

t0 = time.perf_counter()
subprocess.run([sys.executable, "-c", "import pandas"], check=True)
startup = time.perf_counter() - t0

import pandas as pd  # noqa: E402

times = []
rows = None
for i in range(runs):
    t0 = time.perf_counter()
    frames = pd.read_excel(path, sheet_name=None, engine=engine)
    dt = time.perf_counter() - t0
    times.append(dt)
    rows = {name: len(df) for name, df in frames.items()}
    del frames
    print(f"pandas+{engine} run {i + 1}/{runs}: {dt:.3f} s", file=sys.stderr, flush=True)

result = {
    "engine": engine,
    "file": path,
    "times": times,
    "median": statistics.median(times),
    "startup_s": startup,
    "rows": rows,
    "versions": {"pandas": pd.__version__},
}
for dist in ("openpyxl", "python-calamine"):
    try:
        result["versions"][dist] = importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        pass
with open(out, "w") as f:
    json.dump(result, f, indent=1)
print(f"pandas+{engine}: median {result['median']:.3f} s over {runs} runs, rows {rows}")
