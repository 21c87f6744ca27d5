"""`make bench`: a 100,000-product catalog in PostgreSQL, measured against gunicorn.

Prints requests/s, p50 and p99 for the product listing and a filtered
Chinese keyword search at 8 and 32 concurrent clients, then the buying
figures (bench/buying.py): place + pay with 1 and 8 buyers, a 500-buyer
flash burst for 100 units, and SQL statements per placement.
``bench/run.py buying`` runs only the buying part. Traffic goes only to
127.0.0.1, bounded in time. Settings come from the environment:
BENCH_DATABASE_URL, BENCH_PRODUCTS (100000), BENCH_SECONDS (20 per run),
BENCH_WORKERS (4).
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

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jishi_bench")
PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", "100000"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
PORT = 8099
BIN = Path(sys.executable).parent

SERVER_ENV = {
    **os.environ,
    "DATABASE_URL": DATABASE_URL,
    "JISHI_ENV": "production",
    "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
    "JISHI_FIELD_KEY": "bench-only-field-key-not-for-production-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1",
    "JISHI_SSL_REDIRECT": "0",  # plain HTTP on 127.0.0.1: no TLS to redirect to
    "JISHI_SANDBOX_ENABLED": "1",  # the buying benchmark pays through the sandbox gateway
    "PYTHONPATH": str(ROOT / "src"),
    "DJANGO_SETTINGS_MODULE": "jishi.config.settings",
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
    from jishi.catalog.models import Product

    existing = Product.objects.count()
    if existing >= PRODUCTS:
        print(f"Catalog ready: {existing:,} products in {name}.")
        return
    if existing:
        sys.exit(f"{name} holds {existing:,} products, fewer than {PRODUCTS:,}: drop it and run again.")
    print(f"Loading {PRODUCTS:,} products into {name}…")
    sys.path.insert(0, str(ROOT))
    from bench.load_catalog import load

    seconds = load(PRODUCTS)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"Loaded in {seconds:.0f} s.")


def serve() -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "jishi.config.wsgi:application",
            f"--workers={WORKERS}",
            f"--bind=127.0.0.1:{PORT}",
            "--no-control-socket",
            "--log-level=warning",
        ],
        env=SERVER_ENV,
        cwd=ROOT,
    )
    for _ in range(60):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/api/v1/products?page_size=1", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    sys.exit("gunicorn did not come up")


def measure(user_class: str, clients: int) -> dict[str, float]:
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
                f"--run-time={SECONDS}s",
                f"--host=http://127.0.0.1:{PORT}",
                f"--csv={prefix}",
            ],
            check=True,
            capture_output=True,
        )
        with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
            row = next(r for r in csv.DictReader(stats) if r["Name"] == "Aggregated")
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50_ms": float(row["50%"]),
        "p99_ms": float(row["99%"]),
    }


def main() -> None:
    prepare()
    server = serve()
    results = []
    only_buying = sys.argv[1:] == ["buying"]
    catalog_scenarios = (
        ()
        if only_buying
        else (
            ("listing (20/page)", "ListingUser"),
            ("search 猫粮+category+price", "SearchUser"),
        )
    )
    buying: list[dict[str, object]] = []
    try:
        for label, user_class in catalog_scenarios:
            measure(user_class, 4)  # warm-up: connections, caches, jieba dictionary in every worker
            for clients in (8, 32):
                figures = measure(user_class, clients)
                results.append({"scenario": label, "clients": clients, **figures})
                print(
                    f"  {label:<28} {clients:>3} clients  {figures['rps']:>7.1f} req/s  "
                    f"p50 {figures['p50_ms']:>6.0f} ms  p99 {figures['p99_ms']:>6.0f} ms",
                    flush=True,
                )
        sys.path.insert(0, str(ROOT))
        from bench import buying as buying_bench

        buying = buying_bench.main(f"http://127.0.0.1:{PORT}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\n{PRODUCTS:,} products, PostgreSQL, gunicorn {WORKERS} sync workers, {SECONDS} s per run, 2 cores shared")
    print("| scenario | clients | req/s | p50 ms | p99 ms | failures |\n|---|---:|---:|---:|---:|---:|")
    for r in results:
        figures = f"{r['rps']:.1f} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} | {r['failures']}"
        print(f"| {r['scenario']} | {r['clients']} | {figures} |")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(
        json.dumps({"catalog": results, "buying": buying}, indent=2, ensure_ascii=False), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
