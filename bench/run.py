"""`make bench`: Jishi against a bare Django endpoint, on a 100,000-product catalog in PostgreSQL.

Two gunicorn servers run side by side with the same settings: Jishi (with
Redis as its shared cache and a task worker, as in production) and the ceiling
(bench/ceiling.py: one SQL query, the same 20 products, or a one-row
write). Each read cell — API listing, product detail, filtered search, the
listing page and the product page, at 8 and 32 clients — is measured in
strictly alternated runs against the ceiling, and the table gives Jishi's
requests/s, the ceiling's, their ratio and the issue's target. Then the
buying figures (bench/buying.py): place + pay with 1 and 8 buyers against
the bare write, a 1,000-buyer flash sale for 100 units, and SQL statements
per request of an order. ``bench/run.py buying`` runs only the buying part;
``bench/run.py search`` only the filtered Chinese keyword search at 1 and 8
clients, with its p95 (`make bench-search`: a million products in their own
database, loaded with COPY).
Traffic goes only to 127.0.0.1, bounded in time. Settings come from the
environment: BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_PRODUCTS (100000),
BENCH_SECONDS (10 per run), BENCH_ROUNDS (2 alternations), BENCH_WORKERS (4).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jishi_bench")
PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", "100000"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
PORT = 8099
CEILING_PORT = 8098
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
WRITE_TABLE = "bench_ceiling_write"  # the ceiling's one-row writes (bench/ceiling.py)
PRODUCT_IDS = ROOT / "bench" / "results" / "product-ids.txt"
BIN = Path(sys.executable).parent

SERVER_ENV = {
    **os.environ,
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "JISHI_ENV": "production",
    "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
    "JISHI_FIELD_KEY": "bench-only-field-key-not-for-production-0123456789",
    "JISHI_PET_LOG_KEY": "PRIVATE+KEY+bench/pets+f6e0365e+AQECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g",
    "ALLOWED_HOSTS": "127.0.0.1",
    "JISHI_SSL_REDIRECT": "0",  # plain HTTP on 127.0.0.1: no TLS to redirect to
    "JISHI_SANDBOX_ENABLED": "1",  # the buying benchmark pays through the sandbox gateway
    "PYTHONPATH": str(ROOT / "src"),
    "DJANGO_SETTINGS_MODULE": "jishi.config.settings",
    "LOG_LEVEL": "ERROR",  # not a line per refused flash-sale buyer
}


def prepare() -> None:
    """Create the benchmark database and its catalog once; later runs reuse it."""
    os.environ.update(SERVER_ENV)
    import django
    import psycopg

    admin = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the production server serves the manifest
    from django.db import connection

    from jishi.catalog.models import Product

    existing = Product.objects.count()
    if existing >= PRODUCTS:
        print(f"Catalog ready: {existing:,} products in {name}.")
    elif existing:
        sys.exit(f"{name} holds {existing:,} products, fewer than {PRODUCTS:,}: drop it and run again.")
    else:
        print(f"Loading {PRODUCTS:,} products into {name}…")
        sys.path.insert(0, str(ROOT))
        from bench.load_catalog import load

        seconds = load(PRODUCTS)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"Loaded in {seconds:.0f} s.")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {WRITE_TABLE} (id bigserial PRIMARY KEY, body text NOT NULL)")
    from jishi.catalog.selectors import published_products

    ids = published_products().order_by("?").values_list("pk", flat=True)[:2000]
    PRODUCT_IDS.parent.mkdir(exist_ok=True)
    PRODUCT_IDS.write_text("".join(f"{pk}\n" for pk in ids), encoding="utf-8")
    import redis
    from django_tasks_db.models import DBTaskResult

    redis.Redis.from_url(REDIS_URL).flushdb()  # every run starts from a cold cache
    DBTaskResult.objects.all().delete()  # and an empty queue: no earlier run's e-mails sent during this one


# The servers `bench/run.py serving` compares, each running Jishi and the ceiling alike; the rest of the
# bench uses SERVER (BENCH_SERVER), the one README recommends from that comparison.
SERVERS = ("gunicorn-sync", "gunicorn-gthread", "granian")
SERVER = os.environ.get("BENCH_SERVER", "gunicorn-sync")
THREADS = int(os.environ.get("BENCH_THREADS", "4"))  # per worker, for the threaded servers


def _command(server: str, app: str, port: int) -> list[str]:
    """The command line of ``server`` serving the WSGI ``app`` on 127.0.0.1:``port`` with WORKERS processes."""
    if server == "granian":
        return [
            str(BIN / "granian"),
            "--interface=wsgi",
            f"--workers={WORKERS}",
            f"--blocking-threads={THREADS}",
            "--host=127.0.0.1",
            f"--port={port}",
            "--log-level=warning",
            app,
        ]
    threads = [f"--threads={THREADS}", "--worker-class=gthread"] if server == "gunicorn-gthread" else []
    return [
        str(BIN / "gunicorn"),
        app,
        f"--workers={WORKERS}",
        *threads,
        f"--bind=127.0.0.1:{port}",
        "--no-control-socket",
        "--log-level=warning",
    ]


def _server(server: str, app: str, port: int, env: dict[str, str], probe: str) -> subprocess.Popen[bytes]:
    """One production-like server: the same worker settings for Jishi and for the ceiling."""
    process = subprocess.Popen(_command(server, app, port), env=env, cwd=ROOT)
    for _ in range(60):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{probe}", timeout=2)
            return process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    sys.exit(f"{app} did not come up under {server}")


def serve(server: str = SERVER) -> list[subprocess.Popen[bytes]]:
    """Jishi as production runs it (web workers, and a task worker to recount stale facets), and the ceiling."""
    jishi = _server(server, "jishi.config.wsgi:application", PORT, SERVER_ENV, "/api/v1/products?page_size=1")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval=1", "--verbosity=0"],
        env=SERVER_ENV,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,  # notifications of the buying runs, "sent" by the console e-mail backend
    )
    ceiling_env = {**os.environ, "DATABASE_URL": DATABASE_URL, "PYTHONPATH": str(ROOT)}
    return [jishi, worker, _server(server, "bench.ceiling:application", CEILING_PORT, ceiling_env, "/products")]


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


def measure(user_class: str, clients: int, port: int = PORT, seconds: int = SECONDS) -> dict[str, float]:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp) / "run"
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                user_class,
                "--headless",
                "--only-summary",
                "--loglevel=ERROR",
                f"--users={clients}",
                f"--spawn-rate={clients}",
                f"--run-time={seconds}s",
                f"--host=http://127.0.0.1:{port}",
                f"--csv={prefix}",
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "BENCH_PRODUCT_IDS": str(PRODUCT_IDS)},
        )
        with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
            row = next(r for r in csv.DictReader(stats) if r["Name"] == "Aggregated")
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "p99_ms": float(row["99%"]),
        "load": load,
    }


# scenario, locust user, the target share of the ceiling's requests/s
READS = (
    ("API listing", "ListingUser", 0.60),
    ("API product detail", "DetailUser", 0.60),
    ("API search 猫粮+category+price", "SearchUser", 0.40),
    ("listing page", "PageListingUser", 0.40),
    ("product page", "PageProductUser", 0.40),
)


def _mean(runs: list[dict[str, float]], key: str) -> float:
    return sum(r[key] for r in runs) / len(runs)


def alternated(user_class: str, clients: int) -> dict[str, float]:
    """ROUNDS pairs of runs, Jishi then the ceiling, then the other way round, so drift hits both alike."""
    jishi: list[dict[str, float]] = []
    ceiling: list[dict[str, float]] = []
    for round_ in range(ROUNDS):
        pair = ((jishi, user_class, PORT), (ceiling, "CeilingUser", CEILING_PORT))
        for runs, user, port in pair if round_ % 2 == 0 else reversed(pair):
            runs.append(measure(user, clients, port))
    return {
        "rps": _mean(jishi, "rps"),
        "ceiling_rps": _mean(ceiling, "rps"),
        "ratio": _mean(jishi, "rps") / _mean(ceiling, "rps"),
        "p50_ms": _mean(jishi, "p50_ms"),
        "p99_ms": _mean(jishi, "p99_ms"),
        "failures": sum(r["failures"] for r in jishi),
        "load": _mean(jishi + ceiling, "load"),
    }


# the targets for the filtered keyword search's p95, ms, by clients
SEARCH_P95_TARGETS = {1: 50, 8: 200}
SEARCH_SECONDS = 30  # a p95 wants a few hundred requests, even at one slow client


def search_at_scale() -> list[dict[str, float]]:
    """The filtered keyword search's latency at 1 and 8 clients, after a warm-up that fills the summary cache."""
    measure("SearchUser", 4, seconds=SEARCH_SECONDS)
    rows = []
    for clients, target in SEARCH_P95_TARGETS.items():
        figures = measure("SearchUser", clients, seconds=SEARCH_SECONDS)
        rows.append({"clients": clients, "target": target, **figures})
        print(
            f"  search {clients} clients  {figures['rps']:>6.1f} req/s  p50 {figures['p50_ms']:.0f} ms"
            f"  p95 {figures['p95_ms']:.0f} ms  p99 {figures['p99_ms']:.0f} ms  failed {figures['failures']:.0f}"
            f"  load {figures['load']:.1f}",
            flush=True,
        )
    return rows


def reads_against_ceiling() -> list[dict[str, Any]]:
    """Every read cell at 8 and 32 clients, alternated with the ceiling, after a warm-up."""
    for _label, user_class, _target in READS:  # warm-up: connections, caches, jieba in every worker
        measure(user_class, 4)
    measure("CeilingUser", 4, CEILING_PORT)
    reads: list[dict[str, Any]] = []
    for label, user_class, target in READS:
        for clients in (8, 32):
            figures = alternated(user_class, clients)
            reads.append({"scenario": label, "clients": clients, "target": target, **figures})
            print(
                f"  {label:<32} {clients:>3} clients  {figures['rps']:>7.1f} req/s"
                f" = {figures['ratio']:>4.0%} of {figures['ceiling_rps']:.1f}"
                f"  p50 {figures['p50_ms']:>5.0f} ms  p99 {figures['p99_ms']:>5.0f} ms  load {figures['load']:.1f}",
                flush=True,
            )
    return reads


def servers_compared() -> list[dict[str, Any]]:
    """Each of SERVERS in turn: the API listing and the product page at 32 clients (and the ceiling's listing),
    place + pay with 8 buyers, and the flash sale."""
    from bench import buying

    data = buying.setup(buying.BUYERS)
    base, ceiling = f"http://127.0.0.1:{PORT}", f"http://127.0.0.1:{CEILING_PORT}"
    rows = []
    for server in SERVERS:
        processes = serve(server)
        try:
            for user_class in ("ListingUser", "PageProductUser"):  # warm-up
                measure(user_class, 4)
            measure("CeilingUser", 4, CEILING_PORT)
            buying.run_clients(base, data["buyers"], data["everyday"].pk, 2, 3)
            row = {
                "server": server,
                "listing": measure("ListingUser", 32),
                "ceiling": measure("CeilingUser", 32, CEILING_PORT),
                "page": measure("PageProductUser", 32),
                "orders": buying.run_clients(base, data["buyers"], data["everyday"].pk, 8, 15),
                "flash": buying.flash_burst(base, ceiling, data["buyers"], data["flash"], data["owner"]),
            }
        finally:
            stop(processes)
        rows.append(row)
        print(f"  {server}: {_server_row(row)}", flush=True)
    return rows


def _server_row(row: dict[str, Any]) -> str:
    listing, ceiling, page, orders, flash = (row[k] for k in ("listing", "ceiling", "page", "orders", "flash"))
    return (
        f"| {row['server']} | {listing['rps']:.1f} | {listing['p99_ms']:.0f} | {ceiling['rps']:.1f}"
        f" | {listing['rps'] / ceiling['rps']:.0%} | {page['rps']:.1f} | {page['p99_ms']:.0f}"
        f" | {orders['orders_per_s']:.1f} | {flash['succeeded']} | {flash['sold_out_after_ms']:.0f}"
        f" | {flash['refused_p99_ms']:.0f} | {flash['5xx'] + orders['5xx'] + listing['failures'] + page['failures']} |"
    )


def print_tables(reads: list[dict[str, Any]], search: list[dict[str, float]], buying: dict[str, Any]) -> None:
    print(
        f"\n{PRODUCTS:,} products, PostgreSQL, Redis cache, {SERVER} with {WORKERS} workers, "
        f"{ROUNDS} alternated runs of {SECONDS} s per cell, 2 cores shared"
    )
    if reads:
        print("| scenario | clients | Jishi req/s | ceiling req/s | ratio | target | p50 ms | p99 ms | load |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in reads:
        print(
            f"| {r['scenario']} | {r['clients']} | {r['rps']:.1f} | {r['ceiling_rps']:.1f} | {r['ratio']:.0%}"
            f" | ≥ {r['target']:.0%} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} | {r['load']:.1f} |"
        )
    if search:
        print(f"Search: a {SEARCH_SECONDS} s warm-up at 4 clients, then one {SEARCH_SECONDS} s run per row")
        print("| filtered keyword search | clients | req/s | p50 ms | p95 ms | target p95 | p99 ms | load |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in search:
        print(
            f"| {PRODUCTS:,} products | {r['clients']} | {r['rps']:.1f} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f}"
            f" | < {r['target']} | {r['p99_ms']:.0f} | {r['load']:.1f} |"
        )
    if buying:
        from bench.buying import table

        print(table(buying))


def compare_servers() -> None:
    """``bench/run.py serving``: the servers side by side, one table."""
    rows = servers_compared()
    print(
        f"\n{PRODUCTS:,} products, PostgreSQL, Redis cache, {WORKERS} workers per server"
        f" ({THREADS} threads each where threaded), one {SECONDS} s run per read cell, 2 cores shared"
    )
    print(
        "| server | API listing req/s (32) | p99 ms | ceiling req/s (32) | ratio | product page req/s (32)"
        " | p99 ms | place + pay orders/s (8) | flash orders | sold out ms | refused p99 ms | errors |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(_server_row(row))


def main() -> None:
    """Everything, or only ``buying``, ``search`` or ``serving`` (the first argument)."""
    only = sys.argv[1] if len(sys.argv) > 1 else ""
    if only not in ("", "buying", "search", "serving"):
        sys.exit("usage: bench/run.py [buying | search | serving]")
    prepare()
    if only == "serving":
        sys.path.insert(0, str(ROOT))
        compare_servers()
        return
    servers = serve()
    sys.path.insert(0, str(ROOT))
    reads: list[dict[str, Any]] = []
    search: list[dict[str, float]] = []
    buying: dict[str, Any] = {}
    try:
        if only == "search":
            search = search_at_scale()
        if not only:
            reads = reads_against_ceiling()
        if only in ("", "buying"):
            from bench import buying as buying_bench

            buying = buying_bench.main(
                f"http://127.0.0.1:{PORT}",
                f"http://127.0.0.1:{CEILING_PORT}",
                lambda: measure("CeilingWriteUser", 8, CEILING_PORT)["rps"],
            )
    finally:
        stop(servers)
    print_tables(reads, search, buying)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(
        json.dumps({"reads": reads, "buying": buying, "search": search}, indent=2, ensure_ascii=False),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
