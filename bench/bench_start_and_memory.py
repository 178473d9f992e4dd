"""Cold start and memory: process start to first answer, and RSS under sustained load.

    .venv/bin/python bench/bench_start_and_memory.py [--rounds 7] [--requests 100000]

Cold start: from starting the process to the first answered POST, in interleaved
rounds, for
  hello         ask-sdk's hello-world skill on flask-ask-sdk and waitress, one process
  hello+orm     the same, also importing SQLAlchemy's ORM, as a skill that keeps data
  aftercare     `aftercare serve --workers 1` on a database already at the latest
                schema (a restart: the usual start)
  aftercare x2  `aftercare serve --workers 2` (the first worker's first answer)
Goal: aftercare within 1.2 of hello+orm.

Memory: `aftercare serve` (one worker per core) answers --requests requests (the load
mix of bench_load.py, 32 clients, wrk); each worker's RSS is read from /proc every
10,000 requests. Goal: under 120 MiB per worker, flat from 10,000 to 100,000.
Never part of the test suite.
"""

from __future__ import annotations

import argparse
import compileall
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from bench.bench_load import (  # noqa: E402
    AFTERCARE,
    DEVICES,
    WRK_SCRIPT,
    run_wrk,
    seed,
    served,
    write_bodies,
)
from bench.common import ROOT, free_port, hello_world_request, ratio_range  # noqa: E402
from tests.conftest import SECRET_KEY, SKILL_ID  # noqa: E402
from tests.standin_alexa_api import StandInAlexaApi  # noqa: E402

HELLO = """
import sys
sys.path.insert(0, {root!r})
{extra}
import waitress
from bench.common import hello_world_app
waitress.serve(hello_world_app(), host="127.0.0.1", port={port}, threads=8, _quiet=True)
"""
LAUNCH = (ROOT / "tests" / "requests" / "launch_new_patient.json").read_bytes()


def first_answer_seconds(command: list[str], url: str, body: bytes, environment: dict) -> float:
    """Seconds from starting ``command`` to its first 200 for ``body`` at ``url``."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        env={**os.environ, **environment},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{command[:3]} exited early")
            try:
                response = requests.post(
                    url, data=body, headers={"Content-Type": "application/json"}, timeout=5
                )
                if response.status_code == 200:
                    return time.perf_counter() - started
            except requests.ConnectionError:
                time.sleep(0.002)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


def cold_start(rounds: int, scratch: Path) -> None:
    # An installed package starts from compiled bytecode; a worktree run with
    # PYTHONDONTWRITEBYTECODE set (as the project's machines are) would compile every
    # module of skill/ on every start, while the libraries it is compared with are
    # compiled in site-packages.
    for folder in ("skill", "bench"):
        compileall.compile_dir(ROOT / folder, quiet=1)
    database = f"sqlite:///{scratch / 'start.sqlite3'}"
    seed(database)  # at the latest schema: a restart, not a first install
    environment = {
        "AFTERCARE_DATABASE_URL": database,
        "AFTERCARE_VERIFY_SIGNATURES": "0",
        "AFTERCARE_SKILL_ID": SKILL_ID,
        "AFTERCARE_SECRET_KEY": SECRET_KEY,
    }
    body = LAUNCH.replace(b'"apiAccessToken"', b'"unusedToken"')  # no Settings API call

    def hello(extra: str):
        port = free_port()
        script = HELLO.format(root=str(ROOT), extra=extra, port=port)
        command = [sys.executable, "-c", script]
        return lambda: first_answer_seconds(
            command, f"http://127.0.0.1:{port}/", hello_world_request(), {}
        )

    def aftercare(workers: int):
        port = free_port()
        command = [str(AFTERCARE), "serve", "--port", str(port), "--workers", str(workers)]
        return lambda: first_answer_seconds(
            command, f"http://127.0.0.1:{port}/alexa", body, environment
        )

    contenders = {
        "hello": hello(""),
        "hello+orm": hello("import sqlalchemy.orm"),
        "aftercare": aftercare(1),
        "aftercare x2": aftercare(2),
    }
    seconds: dict[str, list[float]] = {name: [] for name in contenders}
    for name, start in contenders.items():
        start()  # warm the file cache once
    for _ in range(rounds):
        for name, start in contenders.items():
            seconds[name].append(start())
    print(f"cold start, process start to first answer, {rounds} rounds (median [range]):")
    for name, figures in seconds.items():
        print(
            f"  {name:12} {statistics.median(figures) * 1e3:5.0f} ms "
            f"[{min(figures) * 1e3:.0f}–{max(figures) * 1e3:.0f}]"
        )
    for name in ("aftercare", "aftercare x2"):
        for base in ("hello+orm", "hello"):
            median, low, high = ratio_range(seconds[name], seconds[base])
            goal = "  (goal <= 1.20)" if base == "hello+orm" and name == "aftercare" else ""
            print(f"  ratio {name} / {base}: {median:.2f} [{low:.2f}–{high:.2f}]{goal}")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def memory(total: int, scratch: Path) -> None:
    database = f"sqlite:///{scratch / 'memory.sqlite3'}"
    seed(database)
    devices = {f"amzn1.ask.device.LOAD-{n}": "America/New_York" for n in range(DEVICES)}
    with StandInAlexaApi(devices) as alexa_api:
        bodies = scratch / "memory.jsonl"
        write_bodies(bodies, alexa_api.url, hello=False)
        script = scratch / "mix.lua"
        script.write_text(WRK_SCRIPT)
        port = free_port()
        url = f"http://127.0.0.1:{port}/alexa"
        environment = {
            "AFTERCARE_DATABASE_URL": database,
            "AFTERCARE_VERIFY_SIGNATURES": "0",
            "AFTERCARE_SKILL_ID": SKILL_ID,
            "AFTERCARE_SECRET_KEY": SECRET_KEY,
            "REQUESTS_CA_BUNDLE": alexa_api.ca_bundle_path,
        }
        command = [str(AFTERCARE), "serve", "--port", str(port)]
        with served(command, environment, f"http://127.0.0.1:{port}/healthz") as process:
            children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
            workers = [int(pid) for pid in children.read_text().split()]
            print(f"memory: {len(workers)} workers, RSS in MiB after each 10,000 requests")
            print(f"  {0:>7}: " + ", ".join(f"{rss_mib(pid):.1f}" for pid in workers))
            errors = 0
            for done in range(10_000, total + 1, 10_000):
                errors += run_wrk(url, bodies, script, 32, 10_000).errors
                print(f"  {done:>7}: " + ", ".join(f"{rss_mib(pid):.1f}" for pid in workers))
            print(f"  errors: {errors}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--skip-memory", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        cold_start(options.rounds, Path(directory))
        if not options.skip_memory:
            memory(options.requests, Path(directory))


if __name__ == "__main__":
    main()
