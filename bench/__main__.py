"""Run benchmarks and update their sections of docs/benchmarks.md.

Usage: python -m bench [NAME ...]   (or `make bench`, `make bench BENCH="incident_matching"`)

With no names every benchmark runs. Each runs in its own process (each sets up Django on its own database);
a benchmark that fails leaves its old section in place and makes the exit status non-zero.
"""

from __future__ import annotations

import json
import subprocess
import sys

from bench import report

BENCHMARKS = ["audit_throughput", "hotline_surge", "incident_matching", "alert_fanout"]
_CHILD = ("import json, sys, importlib; r = importlib.import_module('bench.' + sys.argv[1]).run(); "
          "print('BENCH-RESULT ' + json.dumps(r, default=str))")


def main(argv: list[str]) -> int:
    wanted = argv or BENCHMARKS
    unknown = [n for n in wanted if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    results: dict[str, dict[str, object]] = {}
    failed = []
    for name in wanted:
        print(f"== {name}", flush=True)
        payload: list[str] = []
        with subprocess.Popen([sys.executable, "-u", "-c", _CHILD, name], stdout=subprocess.PIPE,
                              text=True) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:  # progress as it comes (a run at full size takes an hour)
                if line.startswith("BENCH-RESULT "):
                    payload.append(line.rstrip("\n"))
                else:
                    print(line, end="", flush=True)
        if proc.returncode or not payload:
            failed.append(name)
            continue
        results[name] = json.loads(payload[-1][len("BENCH-RESULT "):])
    report.write(results, BENCHMARKS)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
