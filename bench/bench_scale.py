"""Scale in patients: the per-request figure with 1,000 and with 1,000,000 patients.

    .venv/bin/python bench/bench_scale.py [--large 1000000] [--requests 2000] [--rounds 7]
        [--postgres URL]

For each database (SQLite; PostgreSQL: a server of its own, as bench_load.py starts
one, or --postgres URL), two stores are filled: 1,000 self-reported patients with a
treatment each, and --large of them (bulk-loaded: executemany on SQLite, COPY on
PostgreSQL, into a throwaway file or schema, removed at the end). Then "can I wear
makeup?" is answered in process (Flask's test client) for a different patient each
call, in interleaved rounds, and the ratio large / small printed (goal: within 1.1).
Before timing, it prints the query plan (EXPLAIN) of each query a skill request runs,
so an unindexed lookup shows. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_load import postgres_schema  # noqa: E402
from bench.common import REQUESTS, per_call_seconds, ratio_range  # noqa: E402
from bench.own_postgres import own_postgres  # noqa: E402
from skill.app import create_app  # noqa: E402
from skill.store import get_store, make_engine, upgrade_database  # noqa: E402
from skill.store.patients import _SELF_REPORTED  # noqa: E402
from skill.store.treatments import _COUNT, _LATEST  # noqa: E402
from tests.conftest import SECRET_KEY, SKILL_ID  # noqa: E402

SMALL = 1_000
TREATED = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
RECORDED = TREATED + timedelta(hours=1)
CHUNK = 50_000


def patient(number: int) -> str:
    return f"amzn1.ask.account.SCALE-{number:08d}"


def bulk_load(database_url: str, count: int) -> None:
    """``count`` self-reported patients (ids 1..count, in a fresh database) with one
    treatment each, the fastest way each database takes rows."""
    upgrade_database(database_url)
    # Not the service's engine: its 2-second bound on a connection's work would cut the
    # load off.
    engine = make_engine(database_url)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy("COPY patients (alexa_user_id, created_at) FROM STDIN") as copy:
                for number in range(count):
                    copy.write_row((patient(number), RECORDED))
            with cursor.copy(
                "COPY treatments (patient_id, treated_at, recorded_at) FROM STDIN"
            ) as copy:
                for number in range(count):
                    copy.write_row(
                        (number + 1, TREATED - timedelta(minutes=number % 1440), RECORDED)
                    )
            cursor.execute("ANALYZE patients")
            cursor.execute("ANALYZE treatments")
        else:
            # SQLAlchemy's SQLite DateTime keeps naive UTC text in this shape.
            stamp = "%Y-%m-%d %H:%M:%S.%f"
            recorded = RECORDED.replace(tzinfo=None).strftime(stamp)
            for start in range(0, count, CHUNK):
                numbers = range(start, min(count, start + CHUNK))
                cursor.executemany(
                    "INSERT INTO patients (alexa_user_id, created_at) VALUES (?, ?)",
                    [(patient(n), recorded) for n in numbers],
                )
                cursor.executemany(
                    "INSERT INTO treatments (patient_id, treated_at, recorded_at) VALUES (?, ?, ?)",
                    [
                        (
                            n + 1,
                            (TREATED - timedelta(minutes=n % 1440))
                            .replace(tzinfo=None)
                            .strftime(stamp),
                            recorded,
                        )
                        for n in numbers
                    ],
                )
            cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()


def explain(database_url: str) -> None:
    """The plan of each query a skill request runs (finding her; her treatments)."""
    app = create_app({"DATABASE_URL": database_url, "VERIFY_SIGNATURES": False})
    store = get_store(app)
    dialect = store.engine.dialect
    prefix = "EXPLAIN QUERY PLAN " if dialect.name == "sqlite" else "EXPLAIN "
    queries = {
        "find her (and her latest treatment)": (_SELF_REPORTED, {"alexa_user_id": patient(7)}),
        "count her treatments": (_COUNT, {"patient_id": 8}),
        "her latest treatment": (_LATEST, {"patient_id": 8}),
    }
    with store.engine.connect() as connection:
        for name, (query, parameters) in queries.items():
            sql = query.params(**parameters).compile(
                dialect=dialect, compile_kwargs={"literal_binds": True}
            )
            rows = connection.exec_driver_sql(f"{prefix}{sql}").all()
            plan = "; ".join(
                " ".join(str(part) for part in row if part is not None) for row in rows
            )
            print(f"    {name}: {plan}")
    store.dispose()


def question(number: int) -> bytes:
    envelope = json.loads((REQUESTS / "can_i_makeup_a_minute_before.json").read_text("utf-8"))
    for holder in (envelope["session"], envelope["context"]["System"]):
        holder["user"]["userId"] = patient(number)
    envelope["context"]["System"].pop("apiAccessToken")  # the default zone: no Settings API
    return json.dumps(envelope).encode("utf-8")


def asker(database_url: str, patients: int, seed: int):
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SKILL_ID": SKILL_ID,
            "SECRET_KEY": SECRET_KEY,
            "VERIFY_SIGNATURES": False,
        }
    )
    client = app.test_client()
    chosen = random.Random(seed)
    bodies = [question(chosen.randrange(patients)) for _ in range(4096)]
    headers = {"Content-Type": "application/json"}
    sent = iter(range(1 << 62))

    def ask() -> None:
        body = bodies[next(sent) % len(bodies)]
        response = client.post("/alexa", data=body, headers=headers)
        assert response.status_code == 200
        assert b"Makeup" in response.data, response.data[:300]

    return ask, get_store(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2000, help="calls per round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--postgres", help="a server to use instead of one of our own")
    options = parser.parse_args()
    results = {}
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        server = options.postgres
        if server is None:  # bench_load's: our own, or the shared one with a warning
            fallback = os.environ.get("AFTERCARE_TEST_POSTGRES_URL")
            own = stack.enter_context(own_postgres(fallback))
            server = None if own is None else own.url
        databases = {}
        for size in (SMALL, options.large):
            databases[("sqlite", size)] = f"sqlite:///{scratch / f'scale-{size}.sqlite3'}"
            if server:
                databases[("postgresql", size)] = stack.enter_context(postgres_schema(server))
        for (kind, size), url in databases.items():
            started = time.perf_counter()
            bulk_load(url, size)
            print(f"{kind}, {size:,} patients: loaded in {time.perf_counter() - started:.1f} s")
            explain(url)
        for kind in dict.fromkeys(kind for kind, _ in databases):
            calls, stores = {}, []
            for size in (SMALL, options.large):
                ask, store = asker(databases[(kind, size)], size, seed=size)
                calls[f"{size:,}"] = ask
                stores.append(store)
            results[kind] = per_call_seconds(calls, options.requests, options.rounds)
            for store in stores:
                store.dispose()

    print(f"in process, {options.rounds} rounds of {options.requests} questions, each her own")
    for kind, seconds in results.items():
        small, large = seconds[f"{SMALL:,}"], seconds[f"{options.large:,}"]
        median, low, high = ratio_range(large, small)
        print(
            f"  {kind:10} {SMALL:,}: {statistics.median(small) * 1e3:.3f} ms, "
            f"{options.large:,}: {statistics.median(large) * 1e3:.3f} ms; "
            f"ratio {median:.2f} (rounds {low:.2f}–{high:.2f}) (goal <= 1.10)"
        )


if __name__ == "__main__":
    main()
