"""Delivery throughput: 5,000 status changes through a real worker to a stub
CRM (HubSpot) and a stub door system (Kisi), against a bare Celery round trip.

Run from the repository root, with PostgreSQL and Redis up:

    .venv/bin/python -m bench.delivery_throughput [--changes 5000] [--concurrency 4]

It uses its own database (``flex_bench``, created and migrated if missing;
override with BENCH_DATABASE_URL) and REDIS_URL (default redis db 4), starts
the stubs in this process and ``celery -A config worker`` as a subprocess.

Printed:
- baseline: a no-op task (``integrations.probe``) sent N times; latency from
  send to the worker running it, and tasks per second;
- pipeline: latency from each change's commit to (a) the CRM stub receiving
  the upsert and (b) each delivery recorded as succeeded; deliveries per
  second over the whole run; and the ratios to the baseline.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/flex_bench")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4")
ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.local",
    "DJANGO_DEBUG": "false",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "CELERY_BROKER_URL": REDIS_URL,
    "CELERY_TASK_ALWAYS_EAGER": "false",
    "LOG_LEVEL": "WARNING",
}
os.environ.update(ENV)


def ensure_database():
    import psycopg

    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(label, latencies, count, seconds):
    p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
    print(
        f"{label:<34} {count / seconds:9.1f}/s  p50 {p50 * 1000:8.1f} ms  p95 {p95 * 1000:8.1f} ms"
    )
    return count / seconds, p50, p95


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=5000)
    parser.add_argument("--probes", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    import redis
    from django.db import connection

    from config.celery import app
    from integrations.models import Connection, Delivery, DeliveryStatus, OutboxEvent
    from integrations.services import connection_save
    from members.models import Member, MemberStatus, StatusChange
    from members.services import member_change_status
    from organizations.models import Location, Organization
    from tests.stubs import HubSpotStub, KisiStub

    # A clean slate for the benchmark's own organization.
    Organization.objects.filter(slug="bench").delete()
    with connection.cursor() as cursor:
        for table in ("integrations_delivery", "integrations_outboxevent"):
            cursor.execute(f"DELETE FROM {table}")
    app.control.purge()
    org = Organization.objects.create(name="Bench", slug="bench")
    location = Location.objects.create(organization=org, name="Bench", slug="bench")
    Member.objects.bulk_create(
        Member(
            organization=org,
            location=location,
            first_name="Bench",
            last_name=str(i),
            email=f"bench{i}@example.test",
            status=MemberStatus.ACTIVE,
        )
        for i in range(args.changes)
    )
    members = list(Member.objects.filter(organization=org).order_by("pk"))

    log = open(ROOT / "bench" / "worker.log", "wb")  # noqa: SIM115
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "--pool=prefork", f"--concurrency={args.concurrency}",
            "--without-gossip", "--without-mingle", "--loglevel=WARNING",
            "-n", f"bench-{os.getpid()}@%h",
        ],
        cwd=ROOT, env={**os.environ, **ENV}, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        time.sleep(1)
        # Wait until the worker takes tasks (a probe round trip).
        r = redis.Redis.from_url(REDIS_URL)
        r.delete("bench:warmup", "bench:probe")
        from integrations.tasks import probe

        probe.delay("bench:warmup")
        if r.blpop("bench:warmup", timeout=60) is None:
            raise SystemExit("worker did not start; see bench/worker.log")

        # -- baseline: bare task round trip --------------------------------------------
        sent = []
        start = time.time()
        for _ in range(args.probes):
            sent.append(time.time())
            probe.delay("bench:probe")
        while r.llen("bench:probe") < args.probes:
            time.sleep(0.05)
        received = [float(x) for x in r.lrange("bench:probe", 0, -1)]
        # Probes are consumed by several processes; match by order of arrival.
        base_lat = [b - a for a, b in zip(sent, sorted(received), strict=True)]
        base = summary("baseline no-op task", base_lat, args.probes, max(received) - start)

        # -- the pipeline ----------------------------------------------------------------
        with HubSpotStub() as crm, KisiStub() as door:
            for stub, kind in ((crm, "hubspot"), (door, "kisi")):
                connection_save(
                    organization=org, kind=kind, name=kind, base_url=stub.url,
                    credentials={k: str(v) for k, v in stub.credentials.items()},
                )  # fmt: skip
            committed = {}
            start = time.time()
            for member in members:
                member_change_status(member=member, status=MemberStatus.FORMER, via="system")
                committed[member.pk] = time.time()
            commit_seconds = time.time() - start
            total = args.changes * 2
            while (
                Delivery.objects.filter(
                    status__in=[DeliveryStatus.SUCCEEDED, DeliveryStatus.DEAD]
                ).count()
                < total
            ):
                time.sleep(0.2)
            rows = list(Delivery.objects.values_list("pk", "member_ref", "succeeded_at", "status"))
            dead = sum(1 for row in rows if row[3] == DeliveryStatus.DEAD)
            by_key = {f"delivery-{pk}": member_ref for pk, member_ref, _, _ in rows}
            crm_lat = [
                req.received_at - committed[by_key[req.header("idempotency-key")]]
                for req in crm.requests
            ]
            done_lat = [
                ok.timestamp() - committed[member_ref]
                for _, member_ref, ok, status in rows
                if ok is not None
            ]
            end = max(ok.timestamp() for _, _, ok, _ in rows if ok is not None)
            print(f"committed {args.changes} changes in {commit_seconds:.1f} s "
                  f"({args.changes / commit_seconds:.0f}/s); {dead} dead")  # fmt: skip
            pipe = summary("pipeline: commit → delivered (DB)", done_lat, total, end - start)
            summary("pipeline: commit → CRM receipt", crm_lat, len(crm_lat), end - start)
            assert crm.created_count == args.changes
            assert OutboxEvent.objects.filter(processed_at__isnull=True).count() == 0
        print(
            f"ratios (pipeline / baseline): throughput {pipe[0] / base[0]:.2f}×, "
            f"p50 {pipe[1] / base[1]:.1f}×, p95 {pipe[2] / base[2]:.1f}×"
        )
        print(f"worker: --pool=prefork --concurrency={args.concurrency}")
        StatusChange.objects.filter(organization=org).delete()
        Connection.objects.filter(organization=org).delete()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()


if __name__ == "__main__":
    main()
