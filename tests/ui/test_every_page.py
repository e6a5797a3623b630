"""Every page each persona can reach, at 1280 px and at 360 px: no sideways
page scroll, fingertip-sized controls on the phone, and no serious or
critical axe-core finding (WCAG 2.2 AA and axe's best practices).

The crawl follows the links the persona sees (same origin, GET only, no
logout or downloads), one page per kind of page, so a page added later is
checked as soon as something links to it.
"""

from collections import deque

import pytest

from .checks import axe_violations, links, overflow, shape, small_targets
from .conftest import PERSONAS, log_in

pytestmark = pytest.mark.browser

# More kinds of page than the owner reaches today; reaching it means the
# product grew: raise it rather than leave pages out.
MAX_PAGES = 90

ANONYMOUS_SEEDS = ["/accounts/login/", "/o/northwind/join/harbour/"]
LOGGED_IN_SEEDS = [
    "/",
    "/accounts/invitations/",
    "/accounts/email/",
    "/accounts/password/change/",
    # Where the persona may not go: the refusals are pages too.
    "/o/northwind/admin/",
    "/o/northwind/portal/",
    "/o/northwind/portal/team/",
]


def _check(page, url: str, *, phone: bool, linked: bool) -> list[str]:
    response = page.goto(url)
    status = response.status if response else 0
    problems = []
    if status >= 500 or (linked and status == 404):
        problems.append(f"answered {status}")
    why = overflow(page)
    if why:
        problems.append(why)
    if phone:
        problems += [f"smaller than 44 px: {t}" for t in small_targets(page)]
    problems += axe_violations(page)
    return problems


def _crawl(page, seeds: list[str], origin: str) -> tuple[list[str], list[str]]:
    """Visit and check every kind of page reachable from ``seeds`` at the
    page's width; returns (the pages visited, what was wrong)."""
    queue = deque((origin + seed, False) for seed in seeds)
    seen, visited, failures = set(), [], []
    while queue:
        url, linked = queue.popleft()
        if shape(url) in seen:
            continue
        seen.add(shape(url))
        assert len(visited) < MAX_PAGES, f"the crawl reached {MAX_PAGES} kinds of page: raise it"
        problems = _check(page, url, phone=False, linked=linked)
        failures += [f"1280px {url}: {problem}" for problem in problems]
        visited.append(url)
        seen.add(shape(page.url))
        queue.extend((link, True) for link in links(page, origin))
    return visited, failures


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_every_page_works_on_a_phone_and_passes_axe(persona, world, open_context, live_server):
    user = PERSONAS[persona](world.cast)
    desktop = open_context("desktop").new_page()
    if user is None:
        state = None
        seeds = [*ANONYMOUS_SEEDS, world.invitation_path]
    else:
        state = log_in(desktop, user)
        seeds = LOGGED_IN_SEEDS
    visited, failures = _crawl(desktop, seeds, live_server.url)

    phone = open_context("phone", state).new_page()
    for url in visited:
        problems = _check(phone, url, phone=True, linked=False)
        failures += [f"360px {url}: {problem}" for problem in problems]

    print(f"{persona}: {len(visited)} pages", *visited, sep="\n  ")
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures)
