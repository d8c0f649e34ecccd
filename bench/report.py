"""docs/benchmarks.md: one section per benchmark, each replaced only when that benchmark runs again.

A section starts with a marker line `<!-- bench:NAME -->` (NAME is the module in `bench/`) and ends where the
next marker starts; a run of some benchmarks keeps the other sections as they were, with their own dates.
"""

from __future__ import annotations

import os
import platform
import re
import time
from pathlib import Path

REPORT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADER = [
    "# Benchmarks",
    "",
    "Written by `make bench` (`python -m bench [NAME ...]`); each section holds the figures of that benchmark's",
    "last run, on the machine named in it. They are measurements, not assertions: the test suite never times",
    "anything.",
    "",
]
_MARKER = re.compile(r"^<!-- bench:([a-z_]+) -->$", re.MULTILINE)


def section(module: str, result: dict[str, object]) -> str:
    lines = [
        f"<!-- bench:{module} -->",
        f"## {result['name']}",
        "",
        f"Run {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}.",
        "",
        "| figure | value |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in result.items() if k not in {"name", "reading"}]
    lines += ["", str(result.get("reading", "")), ""]
    return "\n".join(lines)


def sections(text: str) -> dict[str, str]:
    """The sections of an existing report by benchmark module (text before the first marker is dropped)."""
    found = list(_MARKER.finditer(text))
    out = {}
    for i, match in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        out[match.group(1)] = text[match.start():end].rstrip("\n") + "\n"
    return out


def write(results: dict[str, dict[str, object]], order: list[str], path: Path = REPORT) -> None:
    """Replace the sections of the benchmarks in `results`, keep the others, in `order`."""
    kept = sections(path.read_text("utf-8")) if path.exists() else {}
    kept.update({module: section(module, result) for module, result in results.items()})
    names = [m for m in order if m in kept] + sorted(m for m in kept if m not in order)
    path.write_text("\n".join(HEADER) + "\n" + "\n".join(kept[m] for m in names), "utf-8")
