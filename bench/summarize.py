"""Prints the results found in bench/out as Markdown tables (the numbers of docs/benchmarks.md).

usage: summarize.py [OUT_DIR]   (default: bench/out beside this file)
Missing results are skipped, so it can run after any subset of the benchmarks.
"""

import json
import os
import re
import statistics
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "out")


def load(*parts):
    path = os.path.join(OUT, *parts)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f) if path.endswith(".json") else f.read()


def hf(data):
    """hyperfine export -> {name: (median, runs, min, max)}"""
    out = {}
    for r in (data or {}).get("results", []):
        out[r["command"]] = (r["median"], len(r["times"]), min(r["times"]), max(r["times"]))
    return out


def timev(text):
    """/usr/bin/time -v report -> (wall seconds, max RSS MiB, exit status)"""
    if not text:
        return None
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
    status = re.search(r"Exit status: (\d+)", text)
    return secs, rss, int(status.group(1)) if status else None


def fmt_s(s):
    return f"{s:.3f} s" if s < 10 else f"{s:.1f} s"


def verdict(ok):
    return "**met**" if ok else "**missed**"


def section_import():
    d = hf(load("import", "hf-import.json"))
    if not d:
        return
    counts = load("import", "floor-count.txt") or ""
    m = re.search(r"total\t(\d+) rows\t(\d+) cells", counts)
    rows, cells = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    org_rows = None
    for line in counts.splitlines():
        if line.startswith("社会组织") or line.startswith("社会组织名录"):
            org_rows = int(line.split("\t")[1].split()[0])
    print("### (a) Import of the workbook\n")
    print(f"Workbook: {org_rows or '?'} org rows; {rows} data rows and {cells} non-empty cells "
          "over all sheets.\n")
    print("| command | runs | median | min–max | orgs/s | data rows/s (all sheets) | dangjian ÷ this |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    dj = d.get("dangjian import")
    entries = [(k, v) for k, v in d.items()]
    for eng in ("calamine", "openpyxl"):
        p = load("import", f"pandas-{eng}.json")
        if p:
            t = p["times"]
            entries.append((f"pandas.read_excel engine={eng} (in-process; + {p['startup_s']:.2f} s "
                            "interpreter and import pandas not counted)",
                            (p["median"], len(t), min(t), max(t))))
    for name, (med, n, lo, hi) in entries:
        rate = f"{rows / med:,.0f}" if rows else "?"
        orate = f"{org_rows / med:,.0f}" if org_rows else "?"
        ratio = f"{dj[0] / med:.2f}" if dj else "?"
        print(f"| {name} | {n} | {fmt_s(med)} | {lo:.2f}–{hi:.2f} s | {orate} | {rate} | {ratio} |")
    print()
    if dj:
        floor = min(v[0] for k, v in d.items() if k.startswith("floor"))
        targets = []
        for eng, need in (("openpyxl", 10), ("calamine", 2)):
            p = load("import", f"pandas-{eng}.json")
            if p:
                sp = p["median"] / dj[0]
                targets.append(f"- speed-up over pandas+{eng} (pandas median ÷ dangjian median): "
                               f"{sp:.2f}× (target ≥ {need}×): {verdict(sp >= need)}")
        r = dj[0] / floor
        targets.append(f"- vs the floor (the faster calamine mode): dangjian takes {r:.2f}× the "
                       f"floor's time (target ≤ 1.5×): {verdict(r <= 1.5)}")
        print("\n".join(targets) + "\n")


def section_memory():
    rows = []
    for label, parts in (
        ("import of the (a) workbook", ("import", "import-mem.time")),
        ("import of a 1,000,000-org workbook", ("import", "import-mem-1m.time")),
        ("demo --xlsx --no-db (writing the (a) workbook)", ("import", "demo-xlsx.time")),
        ("demo --xlsx --no-db (writing the 1,000,000-org workbook)", ("import", "demo-xlsx-1m.time")),
    ):
        t = timev(load(*parts))
        if t:
            rows.append((label, t))
    if not rows:
        return
    print("### (c) Peak memory (`/usr/bin/time -v`, maximum resident set size)\n")
    print("| command | wall | max RSS | exit | target < 500 MB |")
    print("|---|---:|---:|---:|---|")
    for label, (wall, rss, status) in rows:
        mb = rss * 1.048576
        if not label.startswith("import"):
            tgt = "—"
        elif status != 0:
            tgt = "not applicable: the import was refused (see exit)"
        else:
            tgt = verdict(mb < 500)
        print(f"| {label} | {fmt_s(wall)} | {rss:,.0f} MiB ({mb:,.0f} MB) | {status} | {tgt} |")
    print()


def section_coverage(backend, letter):
    d = hf(load("coverage", f"hf-{backend}.json"))
    if not d:
        return
    print(f"### ({letter}) Coverage by region, {backend}\n")
    demo = timev(load("coverage", f"{backend}-demo.time"))
    if demo:
        print(f"Building the database (`demo`): {fmt_s(demo[0])} wall, {demo[1]:,.0f} MiB max RSS, "
              f"exit {demo[2]}.\n")
    cmp_ = load("coverage", f"{backend}-compare.txt") or ""
    if cmp_:
        print("Same figures: " + ("yes, every count equal" if "MATCH" in cmp_ and "MISMATCH" not in cmp_
                                   else "**NO — see compare output**") + ".\n")
    print("| command | runs | median | min–max | dangjian ÷ this |")
    print("|---|---:|---:|---:|---:|")
    dj = d.get("dangjian stats coverage")
    for name, (med, n, lo, hi) in d.items():
        ratio = f"{dj[0] / med:.2f}" if dj else "?"
        print(f"| {name} | {n} | {fmt_s(med)} | {lo:.3f}–{hi:.3f} s | {ratio} |")
    print()
    if dj:
        floor = min(v[0] for k, v in d.items() if k.startswith("floor"))
        r = dj[0] / floor
        print(f"- dangjian takes {r:.2f}× the (fastest) floor's time (target ≤ 1.5×): {verdict(r <= 1.5)}")
        print(f"- dangjian median {dj[0]:.3f} s (target < 0.5 s): {verdict(dj[0] < 0.5)}\n")


section_import()
section_memory()
section_coverage("sqlite", "b")
section_coverage("postgres", "d")
