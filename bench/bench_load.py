"""Over HTTP under load: `aftercare serve` against the hello-world skill served alike.

    .venv/bin/python bench/bench_load.py [--requests 4000] [--rounds 3]
        [--clients 1,8,32,64] [--workers N] [--threads N] [--postgres URL]

Load comes from wrk (Debian's `apt-get install wrk`; C, so the load generator takes
little of the two cores it shares with the servers), on 127.0.0.1 only, keep-alive,
a fixed number of requests per run (each wrk thread stops at its share; 120 s at most).
Each run sends a realistic mix, round robin over 500 patients already in the store:
launch, record a treatment (a write), questions about activities, "what should I
avoid", the sheet's facts. Signatures are off (bench/bench_verification.py measures
them); the Settings API is the tests' stand-in on 127.0.0.1, so each device's zone is
fetched once per worker and then cached.

Contenders, interleaved round by round so a noisy neighbour slows each alike:
  hello       ask-sdk's hello-world skill (bench/common.py), same workers and limits
  sqlite      `aftercare serve` on a SQLite file
  postgresql  `aftercare serve` on a PostgreSQL server of the benchmark's own
              (bench/own_postgres.py: initdb into a temporary folder, another loopback
              port), or on --postgres URL, or, without the server binaries, on
              AFTERCARE_TEST_POSTGRES_URL with a warning; a fresh schema each time
Prints per client count: throughput, p50, p99 (wrk's), errors; the range over rounds;
and the ratios to hello. Goals: p99 < 50 ms at 32 clients, no errors, throughput that
does not fall as clients grow. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, make_url, text  # noqa: E402

from bench.common import REQUESTS, ROOT, free_port, wait_for_health  # noqa: E402
from bench.own_postgres import (  # noqa: E402
    Postgres,
    own_postgres,
    reset_statistics,
    statement_report,
)
from skill import config  # noqa: E402
from skill.store import SelfReportedPatients, Store, upgrade_database  # noqa: E402
from tests.conftest import SECRET_KEY, SKILL_ID  # noqa: E402
from tests.standin_alexa_api import StandInAlexaApi  # noqa: E402

AFTERCARE = Path(sys.executable).with_name("aftercare")
PATIENTS = 500
DEVICES = 50
MIX = [
    "launch_treated_patient",
    "can_i_makeup_a_minute_before",
    "can_i_swim_on_saturday",
    "record_confirmed",  # she confirms her treatment's time: it is saved
    "avoid_now",
    "can_i_workout_at_the_boundary",
    "fact_results",
    "next_session",
]
RECORD = "record_confirmed"
# Each wrk thread stops after its share of answers and leaves a file saying so; wrk
# itself runs until -d, so the runner interrupts it (it then prints its summary) once
# every thread is done.
WRK_SCRIPT = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
local bodies = {}
local sent, answered, limit, marker = 0, 0, 0, nil
function init(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  limit = tonumber(args[2])
  marker = args[3] .. "/done-" .. id
  sent = math.random(#bodies)
end
function request()
  sent = sent + 1
  -- A treatment she records gets a time of its own, so that the write is a write.
  local treated = string.format("%02d:%02d", math.random(0, 23), math.random(0, 59))
  local body = string.gsub(bodies[(sent % #bodies) + 1], "@TREATED@", treated)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  answered = answered + 1
  if answered == limit then
    io.open(marker, "w"):close()
    wrk.thread:stop()
  end
end
"""
WRK_LIMIT_SECONDS = 120
TREATED = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)


def patient(number: int) -> str:
    return f"amzn1.ask.account.LOAD-{number:06d}"


def write_bodies(path: Path, api_url: str, hello: bool) -> None:
    """One JSON body per line: the mix, round robin over the patients."""
    lines = []
    for number in range(PATIENTS):
        name = MIX[number % len(MIX)]
        envelope = json.loads((REQUESTS / f"{name}.json").read_text("utf-8"))
        for holder in (envelope.get("session"), envelope["context"]["System"]):
            if holder is not None:
                holder["user"]["userId"] = patient(number)
        system = envelope["context"]["System"]
        system["apiEndpoint"] = api_url
        system.setdefault("apiAccessToken", "stand-in-token")
        system["device"]["deviceId"] = f"amzn1.ask.device.LOAD-{number % DEVICES}"
        if name == RECORD:
            # Each request then saves a treatment at another time (see WRK_SCRIPT):
            # the same time again is "already saved", no write at all.
            envelope["request"]["intent"]["slots"]["time"]["value"] = "@TREATED@"
        if hello:
            envelope["request"] = {
                **envelope["request"],
                "type": "IntentRequest",
                "intent": {"name": "HelloWorldIntent", "confirmationStatus": "NONE"},
            }
        lines.append(json.dumps(envelope))
    path.write_text("\n".join(lines) + "\n", "utf-8")


def seed(database_url: str) -> None:
    """Brings the database to the latest schema and stores the patients' treatments."""
    upgrade_database(database_url)
    store = Store.from_url(database_url)
    with store.session() as session:
        SelfReportedPatients(session).record_histories(
            {patient(n): [TREATED - timedelta(days=n % 20)] for n in range(PATIENTS)}
        )
        session.commit()
    store.dispose()


@contextmanager
def postgres_schema(server_url: str):
    schema = f"bench_{uuid.uuid4().hex}"
    admin = create_engine(server_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield (
            make_url(server_url)
            .update_query_dict({"options": f"-c search_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def served(command: list[str], environment: dict[str, str], health: str):
    process = subprocess.Popen(
        command,
        env={**os.environ, **environment},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_health(health, process)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)


@dataclass
class Run:
    throughput: float  # requests per second
    p50_ms: float
    p99_ms: float
    errors: int
    sent: int


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(figure: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", figure).groups()
    return float(number) * _UNITS[unit]


def run_wrk(url: str, bodies: Path, script: Path, clients: int, count: int) -> Run:
    threads = min(2, clients)
    with tempfile.TemporaryDirectory() as markers:
        wrk = subprocess.Popen(
            [
                "wrk",
                f"-t{threads}",
                f"-c{clients}",
                f"-d{WRK_LIMIT_SECONDS}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                str(script),
                url,
                "--",
                str(bodies),
                str(count // threads),
                markers,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + WRK_LIMIT_SECONDS
        while len(os.listdir(markers)) < threads and time.monotonic() < deadline:
            if wrk.poll() is not None:
                break
            time.sleep(0.02)
        wrk.send_signal(signal.SIGINT)
        out, _ = wrk.communicate(timeout=30)
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    sent = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (
        sum(map(int, socket_errors.groups())) if socket_errors else 0
    )
    return Run(
        throughput=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=_ms(percentiles["50"]),
        p99_ms=_ms(percentiles["99"]),
        errors=errors,
        sent=sent,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000, help="per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", default="1,8,32,64")
    parser.add_argument("--workers", type=int, help="default: aftercare serve's (one per core)")
    parser.add_argument("--threads", type=int, help="default: aftercare serve's")
    parser.add_argument("--postgres", help="a server to use instead of one of our own")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    client_counts = [int(count) for count in options.clients.split(",")]
    workers = options.workers or len(os.sched_getaffinity(0))
    threads = options.threads or config.from_environment({}, "/nowhere")["THREADS"]

    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        devices = {f"amzn1.ask.device.LOAD-{n}": "America/New_York" for n in range(DEVICES)}
        alexa_api = stack.enter_context(StandInAlexaApi(devices))
        script = scratch / "mix.lua"
        script.write_text(WRK_SCRIPT)
        databases = {"sqlite": f"sqlite:///{scratch / 'load.sqlite3'}"}
        postgres: Postgres | None
        if options.postgres:
            postgres = Postgres(options.postgres, None, own=False)
        else:
            fallback = os.environ.get("AFTERCARE_TEST_POSTGRES_URL")
            postgres = stack.enter_context(own_postgres(fallback))
        if postgres is not None:
            databases["postgresql"] = stack.enter_context(postgres_schema(postgres.url))
        else:
            print("no PostgreSQL (no server binaries, --postgres or AFTERCARE_TEST_POSTGRES_URL)")
        write_bodies(scratch / "hello.jsonl", alexa_api.url, hello=True)
        write_bodies(scratch / "aftercare.jsonl", alexa_api.url, hello=False)

        targets: dict[str, tuple[str, Path]] = {}
        port = free_port()
        stack.enter_context(
            served(
                [sys.executable, "bench/common.py", "hello", str(port), str(workers)],
                {"AFTERCARE_THREADS": str(threads)},
                f"http://127.0.0.1:{port}/",
            )
        )
        targets["hello"] = (f"http://127.0.0.1:{port}/", scratch / "hello.jsonl")
        for name, database_url in databases.items():
            seed(database_url)
            port = free_port()
            command = [str(AFTERCARE), "serve", "--port", str(port), "--workers", str(workers)]
            if options.threads:
                command += ["--threads", str(options.threads)]
            environment = {
                "AFTERCARE_DATABASE_URL": database_url,
                "AFTERCARE_VERIFY_SIGNATURES": "0",
                "AFTERCARE_SKILL_ID": SKILL_ID,
                "AFTERCARE_SECRET_KEY": SECRET_KEY,
                "REQUESTS_CA_BUNDLE": alexa_api.ca_bundle_path,
            }
            stack.enter_context(served(command, environment, f"http://127.0.0.1:{port}/healthz"))
            targets[name] = (f"http://127.0.0.1:{port}/alexa", scratch / "aftercare.jsonl")

        for url, bodies in targets.values():  # warm: zones, pools, first imports
            run_wrk(url, bodies, script, 8, 1000)
        log_from = 0 if postgres is None else reset_statistics(postgres)
        runs: dict[tuple[str, int], list[Run]] = {}
        for _ in range(options.rounds):
            for clients in client_counts:
                for name, (url, bodies) in targets.items():
                    run = run_wrk(url, bodies, script, clients, options.requests)
                    runs.setdefault((name, clients), []).append(run)
        if postgres is not None:
            report = statement_report(postgres, since=log_from)

    print(
        f"over HTTP, {workers} workers × {threads} threads, "
        f"{options.rounds} rounds of {options.requests} requests per client count "
        "(median, [range over rounds])"
    )
    for clients in client_counts:
        print(f"{clients} clients:")
        hello = runs[("hello", clients)]
        for name in targets:
            these = runs[(name, clients)]
            line = (
                f"  {name:10} {_figure([r.throughput for r in these], '{:.0f}')} req/s  "
                f"p50 {_figure([r.p50_ms for r in these], '{:.1f}')} ms  "
                f"p99 {_figure([r.p99_ms for r in these], '{:.1f}')} ms  "
                f"errors {sum(r.errors for r in these)}"
            )
            if name != "hello":
                throughput = [r.throughput / h.throughput for r, h in zip(these, hello)]
                p99 = [r.p99_ms / h.p99_ms for r, h in zip(these, hello)]
                line += (
                    f"  | vs hello: throughput {_figure(throughput, '{:.2f}')}, "
                    f"p99 {_figure(p99, '{:.2f}')}"
                )
            print(line)
    if postgres is not None:
        print("PostgreSQL's view of the runs (pg_stat_statements, slow statement log):")
        print(report)
    return 1 if any(run.errors for these in runs.values() for run in these) else 0


def _figure(values: list[float], shape: str) -> str:
    median = shape.format(statistics.median(values))
    return f"{median} [{shape.format(min(values))}–{shape.format(max(values))}]"


if __name__ == "__main__":
    sys.exit(main())
