#!/usr/bin/env python3
"""Collects the `BENCH {json}` lines of the benchmark logs into one results file (JSON) and a
Markdown table; with --docs, puts the table into docs/performance.md between its markers.

    collect.py OUT_DIR MODE [--docs docs/performance.md] LOG...
"""
import datetime
import json
import os
import platform
import subprocess
import sys

BEGIN, END = "<!-- bench-table:begin -->", "<!-- bench-table:end -->"


def machine():
    def read(path):
        try:
            with open(path) as f:
                return f.read()
        except OSError:
            return ""

    cpu = next((l.split(":", 1)[1].strip() for l in read("/proc/cpuinfo").splitlines() if l.startswith("model name")), "?")
    mem = next((int(l.split()[1]) for l in read("/proc/meminfo").splitlines() if l.startswith("MemTotal")), 0)
    debian = read("/etc/debian_version").strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem / 1048576, 1),
        "kernel": platform.release(),
        "debian": debian,
        "commit": commit,
    }


def figures(logs):
    out, failed = [], []
    for log in logs:
        bench = os.path.basename(log).removesuffix(".log")
        try:
            with open(log, errors="replace") as f:
                lines = f.read().splitlines()
        except OSError:
            failed.append(bench)
            continue
        found = False
        for line in lines:
            if line.startswith("BENCH "):
                try:
                    fig = json.loads(line[6:])
                except json.JSONDecodeError:
                    continue
                fig["bench"] = bench
                out.append(fig)
                found = True
        if not found:
            failed.append(bench)
    return out, failed


def fmt(v):
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"
    return str(v)


def table(results):
    m = results["machine"]
    rows = [
        f"Run {results['date']} ({results['mode']} mode, commit {m['commit']}): {m['cores']} cores ({m['cpu']}), "
        f"{m['memory_gib']} GiB, Debian {m['debian']}, kernel {m['kernel']}.",
        "",
        "| group | figure | value | baseline | baseline value | ratio | target | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in results["figures"]:
        met = {True: "yes", False: "**no**", None: "—"}[f.get("met")]
        rows.append(
            f"| {f.get('group')} | {f.get('name')} | {fmt(f.get('value'))} {f.get('unit', '')} | {f.get('baseline') or '—'} | "
            f"{fmt(f.get('baseline_value'))} | {fmt(f.get('ratio'))} | {f.get('target') or '—'} | {met} |"
        )
    if results["failed"]:
        rows += ["", "Benchmarks that printed no figure (see their logs): " + ", ".join(results["failed"]) + "."]
    return "\n".join(rows) + "\n"


def main():
    args = sys.argv[1:]
    out_dir, mode = args[0], args[1]
    docs = None
    if len(args) > 3 and args[2] == "--docs":
        docs, logs = args[3], args[4:]
    else:
        logs = args[2:]
    figs, failed = figures(logs)
    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": mode,
        "machine": machine(),
        "figures": figs,
        "failed": failed,
    }
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    md = table(results)
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write(md)
    print(md)
    if docs:
        with open(docs) as f:
            text = f.read()
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            _, tail = rest.split(END, 1)
            with open(docs, "w") as f:
                f.write(head + BEGIN + "\n" + md + END + tail)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
