"""Delivery throughput and latency: status changes through a real worker to a
stub CRM (HubSpot) and a stub door system (Kisi), against a bare Celery round
trip measured in the same run.

Run from the repository root, with PostgreSQL and Redis up:

    .venv/bin/python -m bench.delivery_throughput            # 5,000 changes per run
    .venv/bin/python -m bench.delivery_throughput --quick    # 300, to try it out

Where it writes:
- its own database, ``BENCH_DATABASE_URL`` (default ``…/flex_bench``), created
  and migrated if missing. In it, it only ever deletes the rows of its own
  organization (slug ``bench``), so pointing it at another database does not
  wipe that database's integration tables;
- ``BENCH_REDIS_URL`` (default ``REDIS_URL``, else redis db 4) as the broker.
  Give it a Redis database no other worker uses: the benchmark's worker runs
  whatever task it finds there against the bench database;
- the worker's log in a temporary directory (printed at the end).

Two runs, each of ``--changes`` members moving from Contact to Active (a CRM
upsert and a door grant each, so 2 deliveries per change):
- **saturation**: every change committed before the worker starts, so it
  works off a backlog; throughput is deliveries per second from the first
  delivery recorded to the last, divided by the worker's processes
  (``--concurrency``, default 1: the figure is per worker process);
- **paced**: changes committed at ``--rate`` per second (default: half the
  change rate the saturation run delivered), below capacity, so latency is
  what one change costs.

For each: deliveries per second, and p50/p95 latency from commit to the CRM
stub receiving the upsert, to the door stub receiving the grant, and to the
delivery being recorded as succeeded. Two baselines from the same run: a
no-op Celery task (``integrations.probe``) sent the same way (a burst, then
paced at the same rate), and a bare HTTP round trip to the same CRM stub
(one upsert of one contact per request, one kept-alive connection). The
stubs answer at once and keep connections alive, as real remotes do.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django_scopes import scopes_disabled

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/flex_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL") or os.environ.get(
    "REDIS_URL", "redis://127.0.0.1:6379/4"
)
ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.local",
    "DJANGO_DEBUG": "false",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "CELERY_BROKER_URL": REDIS_URL,
    "CELERY_TASK_ALWAYS_EAGER": "false",
    # The stubs listen on 127.0.0.1.
    "INTEGRATIONS_ALLOW_PRIVATE_HOSTS": "true",
    # The stubs have no rate limit; the vendors' defaults would measure Kisi's 5/s.
    "INTEGRATIONS_VENDOR_RATE_LIMITS": "false",
    "LOG_LEVEL": "WARNING",
}
os.environ.update(ENV)

BENCH_SLUG = "bench"


def ensure_database():
    import psycopg

    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def delete_bench_rows():
    """Only the benchmark's own organization and what hangs off it, children
    first (locations and members are protected from cascading deletes)."""
    from audit.models import AuditEntry
    from integrations.models import Connection, Delivery, OutboxEvent
    from members.models import Member
    from organizations.models import Location, Organization

    org = Organization.objects.filter(slug=BENCH_SLUG).first()
    if org is None:
        return
    for model in (Delivery, OutboxEvent, Connection, AuditEntry, Member, Location):
        model.objects.filter(organization=org).delete()
    org.delete()


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def figures(latencies, count, seconds):
    if not latencies:
        return (0.0, float("nan"), float("nan"))
    return (count / seconds, statistics.median(latencies), percentile(latencies, 0.95))


def line(label, fig, unit="/s"):
    rate, p50, p95 = fig
    print(f"  {label:<30} {rate:9.1f}{unit:<3} p50 {p50 * 1000:9.1f} ms  p95 {p95 * 1000:9.1f} ms")


def pace(start, index, rate):
    """Sleep until the ``index``-th send is due at ``rate`` per second."""
    if rate:
        delay = start + index / rate - time.time()
        if delay > 0:
            time.sleep(delay)


def baseline(redis_client, probe, count, rate, tag):
    """A no-op task's round trip: sent → run by the worker."""
    keys = [f"bench:probe:{tag}:{i}" for i in range(count)]
    redis_client.delete(*keys)
    sent = []
    start = time.time()
    for index, key in enumerate(keys):
        pace(start, index, rate)
        sent.append(time.time())
        probe.delay(key)
    deadline = time.time() + 120 + count / 10
    received = [None] * count
    while time.time() < deadline:
        pipe = redis_client.pipeline()
        for key in keys:
            pipe.lindex(key, 0)
        received = [float(v) if v is not None else None for v in pipe.execute()]
        if all(v is not None for v in received):
            break
        time.sleep(0.2)
    done = [(s, r) for s, r in zip(sent, received, strict=True) if r is not None]
    redis_client.delete(*keys)
    latencies = [r - s for s, r in done]
    return figures(latencies, len(done), max(r for _, r in done) - start)


def bare_http(crm, count):
    """Sequential upserts of one contact to the CRM stub over one kept-alive
    connection: what a request costs with nothing of ours around it."""
    import httpx

    latencies = []
    with httpx.Client(
        base_url=crm.url, headers={"Authorization": f"Bearer {crm.access_token}"}
    ) as client:
        start = time.time()
        for index in range(count):
            body = {"inputs": [{"idProperty": "email", "id": f"bare-{index}@example.test",
                                "properties": {"member_status": "active"}}]}  # fmt: skip
            sent = time.time()
            client.post("/crm/v3/objects/contacts/batch/upsert", json=body).raise_for_status()
            latencies.append(time.time() - sent)
        seconds = time.time() - start
    crm.reset()
    return figures(latencies, count, seconds)


def commit_changes(members, rate):
    from members.actions.status import member_change_status
    from members.models import MemberStatus

    committed = {}
    start = time.time()
    for index, member in enumerate(members):
        pace(start, index, rate)
        member_change_status(member=member, status=MemberStatus.ACTIVE, via="system")
        committed[member.pk] = time.time()
    return committed, start, time.time() - start


def run_changes(org, members, rate, crm, door, timeout, committed=None):
    """Move ``members`` to Active (at ``rate`` per second, or flat out) and
    measure until every delivery is finished. ``committed``: already done
    (the saturation run commits before its worker starts)."""
    from integrations.models import UNFINISHED, Delivery, DeliveryStatus

    if committed is None:
        crm.reset()
        door.reset()
        committed, start, commit_seconds = commit_changes(members, rate)
    else:
        committed, start, commit_seconds = committed

    refs = list(committed)
    expected = 2 * len(refs)
    deliveries = Delivery.objects.filter(organization=org, member_ref__in=refs)
    deadline = time.time() + timeout
    while deliveries.exclude(status__in=UNFINISHED).count() < expected:
        if time.time() > deadline:
            print(f"  gave up waiting after {timeout:.0f} s; figures below are partial")
            break
        time.sleep(0.2)

    rows = list(deliveries.values_list("pk", "member_ref", "succeeded_at", "status"))
    dead = sum(1 for row in rows if row[3] == DeliveryStatus.DEAD)
    member_of_key = {f"delivery-{pk}": ref for pk, ref, _, _ in rows}
    crm_latency = [
        request.received_at - committed[member_of_key[key]]
        for request in crm.requests_to("POST", "/crm/v3/objects/contacts/batch/upsert")
        for key in [
            item.get("objectWriteTraceId") or request.header("idempotency-key")
            for item in request.body["inputs"]
        ]
        if key in member_of_key
    ]
    member_of_email = {m.email: m.pk for m in members}
    email_of_user = {user["id"]: user["email"] for user in door.users}
    door_latency = [
        request.received_at
        - committed[member_of_email[email_of_user[request.body["role_assignment"]["user_id"]]]]
        for request in door.requests_to("POST", "/role_assignments")
    ]
    finished = [(ref, ok) for _, ref, ok, status in rows if ok is not None]
    done_latency = [ok.timestamp() - committed[ref] for ref, ok in finished]
    end = max((ok.timestamp() for _, ok in finished), default=time.time())
    if rate is None:  # a backlog: from the first delivery recorded to the last
        start = min((ok.timestamp() for _, ok in finished), default=start)
    seconds = max(end - start, 1e-6)
    print(
        f"  committed {len(refs)} changes in {commit_seconds:.1f} s "
        f"({len(refs) / commit_seconds:.0f}/s); {len(finished)}/{expected} deliveries "
        f"succeeded, {dead} dead; CRM contacts created {crm.created_count}, "
        f"door grants {len(door_latency)}"
    )
    return {
        "delivered": figures(done_latency, len(finished), seconds),
        "crm": figures(crm_latency, len(crm_latency), seconds),
        "door": figures(door_latency, len(door_latency), seconds),
        "changes_per_second": len(finished) / 2 / seconds,
    }


def report(title, result, base, http, processes, paced=False):
    print(title)
    line("baseline: no-op task", base)
    line("baseline: bare HTTP round trip", http)
    line("commit → CRM receipt", result["crm"])
    line("commit → door receipt", result["door"])
    line("commit → delivered (DB)", result["delivered"])
    rate, p50, p95 = result["delivered"]
    if paced:
        print(
            f"  latency / no-op task: p50 {p50 / base[1]:.1f}×, p95 {p95 / base[2]:.1f}×; "
            f"/ bare HTTP: p50 {p50 / http[1]:.1f}×, p95 {p95 / http[2]:.1f}×"
        )
        return
    per_process = rate / processes
    print(
        f"  deliveries/s per worker process: {per_process:.1f} "
        f"({processes} process{'es' if processes > 1 else ''}); "
        f"ratio to no-op tasks/s {rate / base[0]:.2f}×, "
        f"to bare HTTP requests/s {rate / http[0]:.2f}×"
    )


# A script, outside any request: it reads and writes only its own
# organization's rows, each query filtered to it by hand.
@scopes_disabled()
def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=5000, help="changes per run (5000)")
    parser.add_argument("--probes", type=int, default=2000, help="baseline tasks per run (2000)")
    parser.add_argument(
        "--concurrency", type=int, default=1, help="prefork worker processes (1: per process)"
    )
    parser.add_argument(
        "--rate", type=float, default=None, help="paced run: changes per second (default: half "
        "of what the saturation run delivered)"
    )  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="300 changes, 300 probes")
    args = parser.parse_args()
    if args.quick:
        args.changes, args.probes = 300, 300

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    import redis

    from integrations.services import connection_save
    from integrations.tasks import probe
    from members.models import Member, MemberStatus
    from organizations.models import Location, Organization
    from tests.stubs import HubSpotStub, KisiStub

    delete_bench_rows()
    org = Organization.objects.create(name="Bench", slug=BENCH_SLUG)
    location = Location.objects.create(organization=org, name="Bench", slug="bench")
    Member.objects.bulk_create(
        Member(
            organization=org,
            location=location,
            first_name="Bench",
            last_name=f"{run}{i}",
            email=f"bench-{run}{i}@example.test",
            status=MemberStatus.CONTACT,
        )
        for run in ("s", "p")
        for i in range(args.changes)
    )
    members = list(Member.objects.filter(organization=org).order_by("pk"))
    saturation_members = [m for m in members if m.last_name.startswith("s")]
    paced_members = [m for m in members if m.last_name.startswith("p")]

    log_dir = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    log_path = log_dir / "worker.log"
    log = log_path.open("wb")
    worker = None
    timeout = 300 + args.changes / 5
    HubSpotStub.keep_alive = KisiStub.keep_alive = True  # as real remotes answer
    try:
        r = redis.Redis.from_url(REDIS_URL)
        # Messages an interrupted run left would be worked off first.
        from config.celery import app

        app.control.purge()
        with HubSpotStub() as crm, KisiStub() as door:
            for stub, kind in ((crm, "hubspot"), (door, "kisi")):
                connection_save(
                    organization=org, kind=kind, name=kind, base_url=stub.url,
                    credentials={k: str(v) for k, v in stub.credentials.items()},
                )  # fmt: skip
            print(
                f"{args.changes} changes per run, 2 deliveries each (HubSpot upsert, Kisi "
                f"grant); worker --pool=prefork --concurrency={args.concurrency}\n"
            )
            # The saturation run's backlog, committed before a worker runs.
            committed = commit_changes(saturation_members, None)
            print(
                f"  committed {len(committed[0])} changes in {committed[2]:.1f} s before the "
                f"worker started ({len(committed[0]) / committed[2]:.0f}/s, in one process)"
            )
            worker = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "-A", "config", "worker",
                    "--pool=prefork", f"--concurrency={args.concurrency}",
                    "--without-gossip", "--without-mingle", "--loglevel=WARNING",
                    "-n", f"bench-{os.getpid()}@%h",
                ],
                cwd=ROOT, env={**os.environ, **ENV}, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            result = run_changes(org, saturation_members, None, crm, door, timeout, committed)
            base = baseline(r, probe, args.probes, None, "burst")
            http = bare_http(crm, args.probes)
            report("saturation (a backlog)", result, base, http, args.concurrency)

            rate = args.rate or max(1.0, result["changes_per_second"] / 2)
            print()
            # A minute of paced probes is plenty for their percentiles.
            probes = min(args.probes, max(100, int(rate * 60)))
            base = baseline(r, probe, probes, rate, "paced")
            result = run_changes(org, paced_members, rate, crm, door, timeout)
            report(
                f"paced ({rate:.1f} changes/s, half of capacity)", result, base, http,
                args.concurrency, paced=True,
            )  # fmt: skip
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        log.close()
        print(f"\nworker log: {log_path}")


if __name__ == "__main__":
    main()
