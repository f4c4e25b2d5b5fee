"""Checks that dangjian's coverage figures equal the floor query's, printing both.

usage: compare_coverage.py DANGJIAN.json FLOOR.csv
DANGJIAN.json is `dangjian stats coverage --by region --format json`; FLOOR.csv the floor
query's rows (region,in_scope,abnormal,covered,own_covered,work_covered, no header).
Exits 1 when any figure differs.
"""

import csv
import json
import sys

FIELDS = ["in_scope", "abnormal", "covered", "own_covered", "work_covered"]

dj = json.load(open(sys.argv[1]))
floor = {}
for row in csv.reader(open(sys.argv[2])):
    if row:
        floor[row[0]] = dict(zip(FIELDS, map(int, row[1:])))

zero = dict.fromkeys(FIELDS, 0)
dj_rows = {r["key"]: r for r in dj["rows"]}
keys = sorted(set(dj_rows) | set(floor))
ok = True
print(f"as of {dj['as_of']}: dangjian / floor")
print(f"{'region':8} " + " ".join(f"{f:>23}" for f in FIELDS))
for k in keys:
    a = dj_rows.get(k, zero)
    b = floor.get(k, zero)
    cells = []
    for f in FIELDS:
        same = a[f] == b[f]
        ok &= same
        cells.append(f"{a[f]:>10} / {b[f]:<10}{' ' if same else '!'}")
    print(f"{k:8} " + " ".join(cells))
tot = {f: sum(r[f] for r in floor.values()) for f in FIELDS}
print(f"{'total':8} " + " ".join(f"{dj['total'][f]:>10} / {tot[f]:<10} " for f in FIELDS))
ok &= all(dj["total"][f] == tot[f] for f in FIELDS)
print("MATCH: every figure equal" if ok else "MISMATCH: figures marked ! differ")
sys.exit(0 if ok else 1)
