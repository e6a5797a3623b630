"""The directory, the dashboard and big teams at size (issue 12): p50/p95 of
each page against a bare logged-in view, measured in one run.

Run from the repository root, with PostgreSQL up:

    .venv/bin/python -m bench.directory                    # 100,000 members
    .venv/bin/python -m bench.directory --members 20000    # smaller, faster

Where it writes: its own database, ``BENCH_DATABASE_URL`` (default
``…/flex_directory_bench``), created and migrated if missing. It seeds two
organizations there (slugs ``dirbench`` and ``dirbench2``) once per size and
keeps them: a second run at the same size starts measuring at once
(``--reseed`` starts over; it deletes only those two organizations' rows).

The data set: ``--members`` members (default 100,000) in ``--companies``
companies (5,000) at ``--locations`` locations (10), a fifth with an active
membership, ten audit entries each over two years (a million at the default
size: the audit log is the biggest table a real directory has), and five
events each sent to four connected systems (two million deliveries: the
dashboard's integration health reads them); one company ("Bigcorp") of
``--team`` members (1,000) whose contact person logs in; beside it a second
organization a twentieth the size. Rows go in with ``bulk_create`` in
batches, through the models, so every constraint holds.

It serves the project with gunicorn (``--workers`` sync workers, default 4,
DEBUG off, bench/settings.py: the project's urls plus the bare view) and
requests each page ``--rounds`` times per repetition from ``--workers``
threads at once, pages interleaved in a shuffled order each round, three
repetitions. It prints p50/p95 per page in milliseconds and p95 over the
bare view's p95. The CSV exports of the Members tab and of the Contacts
and Former tab (together every member), for the owner and for an admin
limited to one location, are timed to their first byte and to their end,
with the growth of the serving worker's resident memory.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/flex_directory_bench"
)
ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DJANGO_DEBUG": "false",
    "DATABASE_URL": DATABASE_URL,
    "LOG_LEVEL": "WARNING",
}
os.environ.update(ENV)
# No Redis needed: the embedded broker and a per-process cache, as `make run`.
os.environ.pop("REDIS_URL", None)

SLUG, SLUG_SMALL = "dirbench", "dirbench2"
PASSWORD = "bench-password-1"
BATCH = 5_000


def ensure_database():
    import psycopg

    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def delete_org(slug):
    """One bench organization's rows, children first (locations and members
    are protected from cascading deletes)."""
    from django.db import connection

    from audit.models import AuditEntry
    from companies.models import Company
    from integrations.models import Connection
    from members.models import Member, Membership, Plan
    from notifications.models import Notification
    from organizations.models import Location, Organization

    org = Organization.objects.filter(slug=slug).first()
    if org is None:
        return
    Company.objects.filter(organization=org).update(contact_person=None, billing_person=None)
    Notification.objects.filter(organization=org).delete()
    with connection.cursor() as cursor:  # millions of rows: not one by one through the ORM
        for table in ("audit_auditentry", "integrations_delivery", "integrations_outboxevent"):
            cursor.execute(f"DELETE FROM {table} WHERE organization_id = %s", [org.pk])
    for model in (Connection, AuditEntry, Membership, Member, Company, Plan, Location):
        model.objects.filter(organization=org).delete()
    org.delete()


def seed(slug, *, members, companies, locations, team, users=True):
    """One organization at size; returns what the measurements need."""
    from django.contrib.auth import get_user_model
    from guardian.shortcuts import assign_perm

    from audit.models import AuditEntry, Verb, Via
    from companies.models import Company, CompanyLocation
    from members.actions.roles import company_set_roles
    from members.models import Member, Membership, MemberStatus, Plan, PortalAccess
    from organizations.models import Location, Organization, OrganizationAdmin
    from organizations.permissions import MANAGE_CUSTOMERS

    started = time.monotonic()
    rng = random.Random(slug)
    # Team management on from the start: switching it on later recomputes
    # every company's grants.
    org = Organization.objects.create(name=slug.title(), slug=slug, contacts_manage_team=True)
    places = Location.objects.bulk_create(
        [
            Location(organization=org, name=f"Location {i:02}", slug=f"{slug}-loc-{i}")
            for i in range(locations)
        ]
    )
    firms = Company.objects.bulk_create(
        [Company(organization=org, name=f"Company {i:05}") for i in range(companies)],
        batch_size=BATCH,
    )
    # Each company at one location (a member of it works there).
    home = {firm.pk: places[i % locations] for i, firm in enumerate(firms)}
    CompanyLocation.objects.bulk_create(
        [CompanyLocation(organization=org, company=firm, location=home[firm.pk]) for firm in firms],
        batch_size=BATCH,
    )
    big = firms[0]
    Company.objects.filter(pk=big.pk).update(name="Bigcorp")
    statuses = [MemberStatus.ACTIVE] * 6 + [MemberStatus.CONTACT] * 3 + [MemberStatus.FORMER]
    accesses = [PortalAccess.NONE] * 5 + [PortalAccess.ACTIVE] * 3 + [PortalAccess.PENDING] * 2
    firsts = ["Ada", "Ben", "Cleo", "Dev", "Eva", "Finn", "Gia", "Hugo", "Ines", "Jon"] * 3
    lasts = ["Ng", "Okafor", "Patel", "Quinn", "Rossi", "Silva", "Tanaka", "Ueda", "Vogel"]
    rows = []
    for i in range(members):
        company = big if i < team else (firms[rng.randrange(companies)] if i % 4 else None)
        rows.append(
            Member(
                organization=org,
                location=home[company.pk] if company else places[i % locations],
                company=company,
                first_name=f"{rng.choice(firsts)}{i % 97}",
                last_name=rng.choice(lasts),
                email=f"m{i}@{slug}.test",
                status=statuses[i % len(statuses)],
                portal_access=accesses[i % len(accesses)],
            )
        )
        if len(rows) == BATCH or i == members - 1:
            Member.objects.bulk_create(rows, batch_size=BATCH)
            rows = []
    plan = Plan.objects.create(organization=org, name="Hot desk")
    today = date.today()
    ids = list(Member.objects.filter(organization=org).values_list("pk", flat=True)[::5])
    for start in range(0, len(ids), BATCH):
        Membership.objects.bulk_create(
            [
                Membership(
                    organization=org,
                    plan=plan,
                    member_id=pk,
                    start_date=today - timedelta(days=30),
                )
                for pk in ids[start : start + BATCH]
            ]
        )
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                organization=org,
                member_id=ids[i],
                verb=Verb.MEMBER_STATUS_CHANGED,
                via=Via.ADMIN,
                before={"status": "active"},
                after={"status": "contact"},
            )
            for i in range(min(300, len(ids)))
        ]
    )
    history(org, per_member=HISTORY_PER_MEMBER)
    deliveries(org, per_member=EVENTS_PER_MEMBER)
    found = {"org": org}
    if users:
        User = get_user_model()
        owner = User.objects.create_user(email=f"owner@{slug}.test", password=PASSWORD)
        OrganizationAdmin.objects.create(organization=org, user=owner, is_owner=True)
        limited = User.objects.create_user(email=f"admin@{slug}.test", password=PASSWORD)
        OrganizationAdmin.objects.create(organization=org, user=limited)
        assign_perm(MANAGE_CUSTOMERS, limited, places[1])
        contact = Member.objects.filter(company=big).order_by("pk").first()
        contact.user = User.objects.create_user(email=contact.email, password=PASSWORD)
        contact.status, contact.portal_access = MemberStatus.ACTIVE, PortalAccess.ACTIVE
        contact.save()
        company_set_roles(company=big, contact_person=contact, billing_person=None)
    print(f"  seeded {slug}: {members:,} members in {time.monotonic() - started:.0f} s")
    return found


#: Audit entries a member has, spread over two years: a real directory's
#: log is its biggest table, and reads of it must not walk it all.
HISTORY_PER_MEMBER = 10


def history(org, *, per_member):
    """``per_member`` entries for each member of ``org``, at random times in
    the last two years, written by PostgreSQL itself (a million rows in
    about 40 s)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from audit.models import Verb, Via
    from members.models import Member

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO audit_auditentry (organization_id, member_id, subject_type_id,
                subject_id, verb, via, actor_label, before, after, reason, request_id,
                created_at)
            SELECT m.organization_id, m.id, %s, m.id, %s, %s, 'bench', '{}', '{}', '', '',
                now() - random() * interval '730 days'
            FROM members_member m CROSS JOIN generate_series(1, %s)
            WHERE m.organization_id = %s
            """,
            [
                ContentType.objects.get_for_model(Member).pk,
                Verb.MEMBER_UPDATED,
                Via.SYSTEM,
                per_member,
                org.pk,
            ],
        )
        cursor.execute("ANALYZE audit_auditentry")


#: Events each member sent to connected systems; each went to every one of
#: CONNECTIONS, so the delivery log holds twenty per member (two million at
#: the default size): what the dashboard's integration health reads.
EVENTS_PER_MEMBER = 5
CONNECTIONS = 4


def deliveries(org, *, per_member):
    """Outbox events and their deliveries over the last 30 days, written by
    PostgreSQL itself (two million deliveries in about 40 s). Half the
    connections are healthy, so the dashboard has to prove that none of
    their deliveries is dead or failed in the last hour; the others hold a
    dead delivery in a thousand. One in fifty failed once, long enough ago."""
    from django.db import connection

    from integrations.models import Connection

    ids = [
        Connection.objects.create(
            organization=org, kind="webhook", name=f"Bench {n}", base_url="http://127.0.0.1:9/"
        ).pk
        for n in range(CONNECTIONS)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO integrations_outboxevent (organization_id, member_id, member_ref,
                event, payload, sequence, created_at, processed_at)
            SELECT m.organization_id, m.id, m.id, 'member.updated', '{}', 1000000 + n,
                now() - interval '2 hours' - random() * interval '30 days', now()
            FROM members_member m CROSS JOIN generate_series(1, %s) n
            WHERE m.organization_id = %s
            """,
            [per_member, org.pk],
        )
        cursor.execute(
            """
            INSERT INTO integrations_delivery (organization_id, event_id, connection_id,
                member_id, member_ref, status, attempts, last_error, created_at,
                next_attempt_at, last_attempt_at, succeeded_at, last_failed_at)
            SELECT e.organization_id, e.id, c.id, e.member_id, e.member_ref,
                CASE WHEN c.n > %s AND e.id %% 1000 = 0 THEN 'dead' ELSE 'succeeded' END,
                1, '', e.created_at, e.created_at, e.created_at, e.created_at,
                CASE WHEN e.id %% 50 = 0 THEN e.created_at END
            FROM integrations_outboxevent e
            CROSS JOIN unnest(%s::bigint[]) WITH ORDINALITY AS c(id, n)
            WHERE e.organization_id = %s
            """,
            [CONNECTIONS // 2, ids, org.pk],
        )
        cursor.execute("ANALYZE integrations_outboxevent")
        cursor.execute("ANALYZE integrations_delivery")


def ensure_data(args):
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from companies.models import Company
    from integrations.models import Connection
    from members.models import Member
    from organizations.models import Organization

    # Seeding writes millions of rows a statement; the served project keeps
    # its 30 s statement timeout (config/settings/base.py).
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
    org = Organization.objects.filter(slug=SLUG).first()
    wanted = args.members
    if args.reseed or org is None or Member.objects.filter(organization=org).count() != wanted:
        # All or nothing: a seed stopped halfway would pass for a whole one.
        with transaction.atomic():
            delete_org(SLUG)
            delete_org(SLUG_SMALL)
            get_user_model().objects.filter(email__endswith=f"@{SLUG}.test").delete()
            seed(
                SLUG,
                members=wanted,
                companies=args.companies,
                locations=args.locations,
                team=args.team,
            )
            seed(
                SLUG_SMALL,
                members=max(wanted // 20, 100),
                companies=max(args.companies // 20, 5),
                locations=2,
                team=0,
                users=False,
            )
        # VACUUM too: the rows a reseed deleted stay in the indexes until it
        # runs, and the planner wades through them on every query (a member
        # read took 1 ms to plan, under 0.5 ms after). Not left to autovacuum,
        # which some machines here run with off.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    org = Organization.objects.get(slug=SLUG)
    if not Connection.objects.filter(organization=org).exists():  # seeded before deliveries were
        deliveries(org, per_member=EVENTS_PER_MEMBER)
    big = Company.objects.get(organization=org, name="Bigcorp")
    return org, big


def session_cookie(email):
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(email=email))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


#: Ends a page's path that is asked for as htmx asks (a fragment is never
#: sent, so the server sees the path alone).
HTMX = "#htmx"


def fetch(base, path, cookie):
    headers = {"Cookie": cookie}
    if path.endswith(HTMX):
        headers["HX-Request"] = "true"
    request = urllib.request.Request(base + path, headers=headers)
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        first = response.read(1)
        ttfb = time.perf_counter() - started
        size = len(first) + len(response.read())
        status = response.status
    return time.perf_counter() - started, ttfb, size, status


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _after(queryset, ordering, position):
    """The ``?after=`` anchor of the keyset page starting at ``position``:
    the link a reader clicking Next that many times would follow."""
    return queryset.order_by(*ordering).values_list("pk", flat=True)[position - 1]


def pages(org, big, cookies, members):
    from companies.models import Company
    from members.models import Member, MemberStatus, Plan

    everyone = Member.objects.filter(organization=org)
    sample = everyone.order_by("pk")[members // 2]
    location = sample.location_id
    plan = Plan.objects.filter(organization=org).first()
    admin, limited, contact = cookies["owner"], cookies["limited"], cookies["contact"]
    active = everyone.filter(status=MemberStatus.ACTIVE)
    # The deepest page of the Members tab, as its Next links reach it.
    deep = max(1, active.count() // 50 - 1)
    deep_after = _after(active, ["first_name", "last_name", "id"], deep * 50)
    companies = Company.objects.filter(organization=org)
    deep_companies = max(1, companies.count() // 50 - 1)
    companies_after = _after(companies, ["name", "id"], deep_companies * 50)
    base = f"/o/{org.slug}/admin"
    m = f"{base}/members/"
    return {
        "bare view": (f"{base}/bench-bare/", admin),
        "bare layout (no content)": (f"{base}/bench-layout/", admin),
        "dashboard": (f"{base}/", admin),
        "dashboard (location admin)": (f"{base}/", limited),
        "members page 1": (m, admin),
        "members page 1 (location admin)": (m, limited),
        f"members page {deep + 1:,} (deep, after=)": (f"{m}?after={deep_after}", admin),
        "members search (email)": (f"{m}?q={sample.email}", admin),
        "members search (name)": (f"{m}?q={sample.first_name}", admin),
        "members search (two words)": (f"{m}?q={sample.first_name}+{sample.last_name}", admin),
        "members search (company)": (f"{m}?q=Company+0042", admin),
        "members filters (access, location)": (
            f"{m}?portal_access=active&location={location}",
            admin,
        ),
        "members filter role=contact": (f"{m}?role=contact", admin),
        "members filter role=admin": (f"{m}?role=admin", admin),
        "members filter membership=active": (f"{m}?membership=active", admin),
        "members filter membership=none": (f"{m}?membership=none", admin),
        "members filter plan": (f"{m}?plan={plan.pk}", admin),
        "members filter new": (f"{m}?new=on", admin),
        "members filter company": (f"{m}?company={big.pk}", admin),
        "members sort company": (f"{m}?sort=company", admin),
        "members sort location": (f"{m}?sort=location", admin),
        "members sort newest": (f"{m}?sort=-added", admin),
        "members sort name Z-A": (f"{m}?sort=-name", admin),
        "contacts tab": (f"{base}/contacts/", admin),
        "contacts tab status=former": (f"{base}/contacts/?status=former", admin),
        "companies tab": (f"{base}/companies/", admin),
        f"companies page {deep_companies + 1} (after=)": (
            f"{base}/companies/?after={companies_after}",
            admin,
        ),
        "companies search": (f"{base}/companies/?q=0042", admin),
        "companies (location admin)": (f"{base}/companies/", limited),
        "users tab": (f"{base}/users/", admin),
        "users search": (f"{base}/users/?q={big.contact_person.first_name}", admin),
        "company page (Bigcorp)": (f"{base}/companies/{big.pk}/", admin),
        # What the page's activity card reads when it comes into view (htmx).
        "company activity (Bigcorp, htmx)": (
            f"{base}/companies/{big.pk}/timeline/{HTMX}",
            admin,
        ),
        "My team (Bigcorp)": (f"/o/{org.slug}/portal/team/", contact),
    }


def export_paths(org):
    """The Members tab (Active) and the Contacts and Former tab: together
    every member of the organization."""
    from django.urls import reverse

    return {
        tab: reverse(f"adminportal:{tab}_export", args=[org.slug])
        for tab in ("members", "contacts")
    }


def worker_rss(master_pid) -> dict[int, int]:
    """Resident memory (bytes) of each of gunicorn's workers."""
    rss = {}
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss[int(pid)] = int(line.split()[1]) * 1024
    return rss


def measure_export(base, path, cookie, master_pid):
    """First byte and end of one export, and how much the worker that served
    it grew (the largest growth of any worker: only one was busy)."""
    before = worker_rss(master_pid)
    total, ttfb, size, status = fetch(base, path, cookie)
    after = worker_rss(master_pid)
    growth = max(after.get(pid, 0) - rss for pid, rss in before.items())
    return ttfb, total, size, status, growth


def serve(workers, port):
    fd, log_name = tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".log")
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            f"--workers={workers}",
            f"--bind=127.0.0.1:{port}",
            "--timeout=300",
        ],
        cwd=ROOT,
        env={**os.environ},
        stdout=fd,
        stderr=fd,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/accounts/login/", timeout=5).read()
            return process, base, log_name
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"gunicorn did not start; see {log_name}")


def measure(base, page_list, *, workers, rounds, repetitions):
    samples = {name: [] for name in page_list}
    sizes = {}
    with ThreadPoolExecutor(workers) as pool:
        for name, (path, cookie) in page_list.items():  # warm each worker
            for result in pool.map(fetch, [base] * workers, [path] * workers, [cookie] * workers):
                assert result[3] == 200, (name, result)
                sizes[name] = result[2]
        order = list(page_list)
        for _rep in range(repetitions):
            for _round in range(rounds):
                random.shuffle(order)
                for name in order:
                    path, cookie = page_list[name]
                    for total, *_ in pool.map(
                        fetch, [base] * workers, [path] * workers, [cookie] * workers
                    ):
                        samples[name].append(total * 1000)
    return samples, sizes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--companies", type=int, default=5_000)
    parser.add_argument("--locations", type=int, default=10)
    parser.add_argument("--team", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5, help="per repetition")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--export-repetitions", type=int, default=2)
    parser.add_argument(
        "--only", nargs="*", help="measure only the pages whose name has one of these words"
    )
    args = parser.parse_args()

    ensure_database()
    import django
    from django.core.management import call_command
    from django_scopes import scopes_disabled

    django.setup()
    call_command("migrate", verbosity=0)
    with scopes_disabled():
        org, big = ensure_data(args)
        cookies = {
            "owner": session_cookie(f"owner@{SLUG}.test"),
            "limited": session_cookie(f"admin@{SLUG}.test"),
            "contact": session_cookie(big.contact_person.email),
        }
        page_list = pages(org, big, cookies, args.members)
        exports_to = export_paths(org)

    if args.only:
        page_list = {
            name: page
            for name, page in page_list.items()
            if name == "bare view" or any(word in name for word in args.only)
        }
    load_before = os.getloadavg()
    process, base, log = serve(args.workers, args.port)
    try:
        samples, sizes = measure(
            base,
            page_list,
            workers=args.workers,
            rounds=args.rounds,
            repetitions=args.repetitions,
        )
        exports = []
        for who in ("owner", "limited"):
            for tab, path in exports_to.items():
                for _ in range(args.export_repetitions):
                    result = measure_export(base, path, cookies[who], process.pid)
                    exports.append((f"{tab}, {who}", *result))
    finally:
        process.terminate()
        process.wait(30)

    bare = pct(samples["bare view"], 0.95)
    print(
        f"\n{args.members:,} members / {args.companies:,} companies / {args.locations} "
        f"locations, Bigcorp {args.team:,}; gunicorn {args.workers} workers, "
        f"{args.repetitions}×{args.rounds} rounds × {args.workers} requests per page"
    )
    print(f"{'page':40} {'p50 ms':>8} {'p95 ms':>8} {'× bare p95':>11} {'KB':>8}")
    for name, values in samples.items():
        p50, p95 = statistics.median(values), pct(values, 0.95)
        print(f"{name:40} {p50:8.1f} {p95:8.1f} {p95 / bare:11.1f} {sizes[name] / 1024:8.1f}")
    for who, ttfb, total, size, status, growth in exports:
        print(
            f"CSV export ({who}): status {status}, first byte {ttfb * 1000:.0f} ms, "
            f"total {total:.1f} s, {size / 1e6:.1f} MB, worker memory +{growth / 1e6:.1f} MB"
        )
    print(f"load average before / after: {load_before} / {os.getloadavg()}")
    print(f"gunicorn log: {log}")


if __name__ == "__main__":
    main()
