"""Run every benchmark and write docs/benchmarks.md.  Usage: python -m bench  (or `make bench`)."""

from __future__ import annotations

import sys

from bench import audit_throughput, hotline_surge, incident_matching


def main() -> int:
    results = [audit_throughput.run(), hotline_surge.run(), incident_matching.run()]
    audit_throughput.write_report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
