"""Hotline surge: N concurrent clients post calls that open cases, against PostgreSQL under `consular serve`.

Reports requests/s, p50/p99 latency and the ratio to a floor measured in the same run: the same server
answering a minimal view that does one INSERT; then the latency at a paced rate (BENCH_PACED_RATE calls/s
offered on a fixed schedule by the same clients). Target: at least half the floor's throughput, p99 under
150 ms at 50 concurrent clients on a 2-core machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench import db

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "50"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
PORT = int(os.environ.get("BENCH_PORT", "8731"))
# The paced (open-loop) phase: calls per second offered by all clients together, below the closed-loop rate.
PACED_RATE = float(os.environ.get("BENCH_PACED_RATE", "60"))
DB_URL = os.environ.get("CONSULAR_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/consular_bench")
ROOT = Path(__file__).resolve().parents[1]
CONSULAR = [sys.executable, "-m", "consular.cli"]


def _env() -> dict[str, str]:
    return {**os.environ, "CONSULAR_DATABASE_URL": DB_URL, "CONSULAR_BENCH_FLOOR": "true",
            "CONSULAR_CACHE_URL": "redis://127.0.0.1:6379/7", "CONSULAR_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings.base", "CONSULAR_DATABASE_CONN_MAX_AGE": "60"}


def _prepare() -> str:
    db.recreate(DB_URL)
    run = lambda *args: subprocess.run([*CONSULAR, *args], env=_env(), check=True, capture_output=True,  # noqa: E731
                                       text=True, cwd=ROOT)
    run("migrate", "-v0")
    run("loadreference")
    run("createuser", "bench-operator", "--role", "hotline_operator", "--mission", "HQ", "--name", "Bench Op")
    return run("apitoken", "bench-operator").stdout.strip()


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, body: bytes,
                   headers: dict[str, str]) -> int:
    head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{PORT}", "Content-Type: application/json",
            f"Content-Length: {len(body)}", "Connection: keep-alive", *[f"{k}: {v}" for k, v in headers.items()]]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
    await writer.drain()
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length, close = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        key, _, value = line.decode().partition(":")
        if key.lower() == "content-length":
            length = int(value)
        if key.lower() == "connection" and value.strip().lower() == "close":
            close = True
    await reader.readexactly(length)
    if close:
        raise ConnectionResetError
    return status


async def _client(path: str, make_body: Any, token: str, deadline: float, latencies: list[float],
                  errors: list[int], first_due: float | None = None, interval: float = 0.0) -> None:
    """One connection until `deadline`. Closed loop (no `first_due`): the next request goes out when the last
    answer came. Open loop: request k is due at first_due + k * interval, and its latency counts from when it
    was due, not from when it went out, so a slow answer that delays the next request is charged to it (no
    coordinated omission)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    due = first_due
    try:
        while (due if due is not None else time.perf_counter()) < deadline:
            if due is not None:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
            body = json.dumps(make_body()).encode()
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
            start = time.perf_counter() if due is None else due
            try:
                status = await _request(reader, writer, path, body, headers)
            except (ConnectionResetError, asyncio.IncompleteReadError):
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
                continue
            latencies.append(time.perf_counter() - start)
            if status >= 400:
                errors.append(status)
            if due is not None:
                due += interval
    finally:
        writer.close()


def _case_body() -> dict[str, Any]:
    n = uuid.uuid4().int
    return {
        "direction": "inbound", "caller_name": "王芳", "caller_phone": f"+86 138 {n % 10**8:08d}",
        "language": "zh", "topic": "emergency", "summary": "Father injured in a bus crash near Vang Vieng",
        "started_at": "2026-11-26T10:00:00Z",
        "open_case": {"category": "traffic_accident", "urgency": "p1", "summary": "Bus crash, passengers injured",
                      "location": {"country": "LA", "subdivision": "LA-VI", "city": "Vang Vieng"},
                      "persons": [{"name_zh": "王建国", "name_latin": "WANG JIANGUO", "birth_date": "1961-03-02",
                                   "passport_number": f"E{n % 10**8:08d}", "phone": "+8562055501234"}]},
    }


def _phase(path: str, make_body: Any, token: str, rate: float | None = None) -> dict[str, float]:
    """CLIENTS connections for SECONDS: each sending as soon as its last answer came (closed loop), or, with
    `rate`, all of them together sending `rate` requests per second on a fixed schedule (open loop)."""
    latencies: list[float] = []
    errors: list[int] = []

    async def main() -> None:
        start = time.perf_counter()
        deadline = start + SECONDS
        if rate is None:
            clients = [_client(path, make_body, token, deadline, latencies, errors) for _ in range(CLIENTS)]
        else:
            interval = CLIENTS / rate  # each client's period; their schedules interleave evenly
            clients = [_client(path, make_body, token, deadline, latencies, errors,
                               first_due=start + interval * i / CLIENTS, interval=interval) for i in range(CLIENTS)]
        await asyncio.gather(*clients)

    started = time.perf_counter()
    asyncio.run(main())
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1) if ordered else 0.0,
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 1) if ordered else 0.0,
    }


def run() -> dict[str, object]:
    token = _prepare()
    server = subprocess.Popen([*CONSULAR, "serve", "--port", str(PORT), "--workers", str(WORKERS)], env=_env(),
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                import urllib.request

                with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/api/v1/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        _phase("/api/v1/bench/floor", dict, token)  # warm up the workers
        floor = _phase("/api/v1/bench/floor", dict, token)
        calls = _phase("/api/v1/calls", _case_body, token)
        paced = _phase("/api/v1/calls", _case_body, token, rate=PACED_RATE)
    finally:
        server.terminate()
        server.wait(timeout=30)
    figures: dict[str, object] = {
        "name": f"Hotline surge: {CLIENTS} clients posting calls that open P1 cases (PostgreSQL, gunicorn "
                f"{WORKERS} workers)",
        "clients": CLIENTS, "seconds_per_phase": SECONDS,
        "floor_rps": floor["rps"], "floor_p50_ms": floor["p50_ms"], "floor_p99_ms": floor["p99_ms"],
        "calls_rps": calls["rps"], "calls_p50_ms": calls["p50_ms"], "calls_p99_ms": calls["p99_ms"],
        "calls_errors": calls["errors"], "ratio_to_floor": round(calls["rps"] / floor["rps"], 2),
        "paced_offered_rps": PACED_RATE, "paced_rps": paced["rps"], "paced_p50_ms": paced["p50_ms"],
        "paced_p99_ms": paced["p99_ms"], "paced_errors": paced["errors"],
        "target": "ratio >= 0.5 and p99 < 150 ms",
        "met": calls["rps"] / floor["rps"] >= 0.5 and calls["p99_ms"] < 150,
    }
    figures["reading"] = (
        "Reading: clients are closed-loop (each waits for its answer), so mean latency = clients / throughput "
        "(Little's law): a p99 under 150 ms with 50 clients needs well over 333 calls/s, i.e. under ~6 ms of CPU "
        "per call for the application and PostgreSQL together on 2 cores. Opening a case from a call takes 6 "
        "round trips (11 statements) in one transaction: BEGIN, the idempotency claim (INSERT ... ON CONFLICT DO "
        "NOTHING), the case (the same, so a reference collision draws again without a savepoint), one query of "
        "six INSERTs (person, name-search keys, duties, call, both timeline events, both audit "
        "entries), the stored answer, COMMIT; the bearer token is looked up once per process every "
        "CONSULAR_API_TOKEN_CACHE_SECONDS; every personal field is encrypted. The floor takes 5 (BEGIN, claim, "
        "one INSERT, stored answer, COMMIT), so what still separates the two is mostly Python. The INSERTs' SQL "
        "is compiled once per shape and kept (consular.core.db); measured in-process, a call still spends about "
        "0.8 ms in psycopg binding the six-INSERT query's ~60 parameters client-side (a fresh set of dumpers "
        "per cursor, the UNNEST arrays, a query too long for psycopg's parse cache), 0.7 ms in DRF validating "
        "the nested call, and 0.5 ms preparing the values (ten Fernet encryptions among them). The host is "
        "shared: other work on its 2 cores shows in these figures. The paced phase is the same 50 connections "
        f"sending {PACED_RATE:g} calls/s between them on a fixed schedule (open loop, latency counted from when "
        "each request was due): what an operator waits during a surge the machine can carry, as opposed to the "
        "closed loop, whose latency is set by the clients' number over the throughput. "
        + ("The target is met." if figures["met"] else
           "The target is not met on this machine.")
    )
    for key, value in figures.items():
        if key != "reading":
            print(f"{key}: {value}")
    return figures
