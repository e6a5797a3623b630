"""What one request of each directory page costs in this process: Python
function calls, CPU time and queries. A companion to bench/directory.py,
whose latencies move with everything else the machine does: the number of
Python calls a page makes does not, so a change's effect on a page shows
here in one run, before the slower benchmark confirms it.

Run from the repository root, after bench/directory.py has seeded its
database (it reads the same one, ``BENCH_DATABASE_URL``, and changes
nothing there beyond what a page view does):

    .venv/bin/python -m bench.page_calls                       # every page below
    .venv/bin/python -m bench.page_calls members/?sort=company  # pages by path
    .venv/bin/python -m bench.page_calls --top 30 members/     # and a profile
    .venv/bin/python -m bench.page_calls --top 30 --ours members/  # of our code
    .venv/bin/python -m bench.page_calls --sql members/        # and its queries

A path is under the organization's admin portal (``members/``), or starts
with ``portal/`` for the member portal, read as Bigcorp's contact person;
``BIG`` in a path is Bigcorp's id. ``--as limited`` reads the admin pages as
the admin limited to one location. CPU is the median of five batches of
``--requests``; calls are counted by cProfile over five requests.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time

from bench.directory import DATABASE_URL, ENV, ROOT, SLUG

PAGES = [
    "bench-bare/",
    "bench-layout/",
    "",
    "members/",
    "members/?sort=company",
    "members/?q=Company+0042",
    "contacts/",
    "companies/",
    "users/",
    "companies/BIG/",
    "companies/BIG/timeline/",
    "portal/team/",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="pages to measure (default: a set of each kind)")
    parser.add_argument("--as", dest="who", choices=["owner", "limited"], default="owner")
    parser.add_argument("--requests", type=int, default=20, help="per CPU batch")
    parser.add_argument("--top", type=int, default=0, help="print the profile's top functions")
    parser.add_argument("--sql", action="store_true", help="print each query and its time")
    parser.add_argument(
        "--ours", action="store_true", help="the profile of the project's own functions only"
    )
    args = parser.parse_args()

    os.environ.update(ENV)
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_scopes import scopes_disabled

    from companies.models import Company
    from organizations.models import Organization

    settings.ALLOWED_HOSTS = ["*"]
    with scopes_disabled():
        org = Organization.objects.filter(slug=SLUG).first()
        if org is None:
            sys.exit(f"No bench data in {DATABASE_URL}: run `python -m bench.directory` first.")
        big = Company.objects.get(organization=org, name="Bigcorp")
        logins = {
            "owner": f"owner@{SLUG}.test",
            "limited": f"admin@{SLUG}.test",
            "contact": big.contact_person.email,
        }
    clients = {}
    for who, email in logins.items():
        clients[who] = Client()
        clients[who].force_login(get_user_model().objects.get(email=email))

    print(f"{'page':45} {'as':8} {'CPU ms':>7} {'calls':>9} {'queries':>8} {'KB':>5}")
    for page in args.paths or PAGES:
        page = page.replace("BIG", str(big.pk))
        portal = page.startswith("portal/")
        who = "contact" if portal else args.who
        path = f"/o/{org.slug}/{page}" if portal else f"/o/{org.slug}/admin/{page}"
        client = clients[who]
        for _ in range(3):  # the process's and the cache's first reads
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        batches = []
        for _ in range(5):
            started = time.process_time()
            for _ in range(args.requests):
                client.get(path)
            batches.append((time.process_time() - started) / args.requests * 1000)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(5):
            client.get(path)
        profile.disable()
        stats = pstats.Stats(profile)
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        print(
            f"{page or '(dashboard)':45} {who:8} {statistics.median(batches):7.1f} "
            f"{stats.total_calls / 5:9,.0f} {len(queries):8} {len(response.content) / 1024:5.0f}"
        )
        if args.sql:
            for query in queries.captured_queries:
                print(f"  {float(query['time']) * 1000:6.1f} ms  {query['sql'][:300]}")
        if args.top:
            # The project's own functions: where in the view the calls go.
            ours = [rf"^{ROOT}/(?!\.venv)"] if args.ours else []
            stats.sort_stats("cumulative").print_stats(*ours, args.top)


if __name__ == "__main__":
    main()
