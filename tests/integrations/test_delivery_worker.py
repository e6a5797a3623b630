"""End-to-end delivery through a real Celery worker over Redis (R3.2, R3.3).

The web side (this process) commits changes; a prefork worker subprocess with
four processes (so deliveries really run side by side) delivers them to the
five stub remotes over real HTTP. Beat's sweep is sent through the broker, as
beat sends it. Outages are made honestly: the web side's broker points at a
closed port or at a socket that accepts and never answers, the worker's whole
process group is SIGKILLed mid-delivery, the remotes answer 429 with
Retry-After, 500, or hang past the client's timeout.

Every scenario ends with the same check, per member and per stub: the
member's changes arrived exactly once each, in the order they were made.
"""

import time
from collections import defaultdict
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db.models import Count, Sum

from config.celery import app as celery_app
from integrations.models import Delivery, DeliveryStatus, OutboxEvent
from members.actions.status import member_change_status
from members.models import Member, MemberStatus
from tests import factories as f
from tests.conftest import hung_redis
from tests.stubs.hubspot import UPSERT_PATH

from .conftest import WORKER_SETTINGS, all_finished, connect, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"
# What beat sends every 30 s in production; tests send it every second.
SWEEP = settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]["task"]

RETRY_AFTER = {"status": 429, "retry_after": 1}
SERVER_ERROR = {"status": 500}
TIMEOUT = {"status": 503, "hang": 3}  # the worker's client gives up after 2 s


@contextmanager
def broker_at(url):
    """Point this process's producer (the web side) at ``url``."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.broker_write_url

    def reset_pools():
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    conf.broker_url = conf.broker_write_url = url
    reset_pools()
    try:
        yield
    finally:
        conf.broker_url, conf.broker_write_url = saved
        reset_pools()


@pytest.fixture
def stubs(cast, hubspot, capsule, kisi, papercut, webhook):
    """All five remotes, each connected to the cast's organization."""
    remotes = {
        "hubspot": hubspot,
        "capsule": capsule,
        "kisi": kisi,
        "papercut": papercut,
        "webhook": webhook,
    }
    for stub in remotes.values():
        connect(cast.org, stub)
    return remotes


SWEEP_EVERY = 1.0
# Room for a loaded 2-core machine on top of what the settings explain.
LOADED_MACHINE = 30.0
# However much moves, a wait ends: a delivery retried for ever must fail.
NEVER_DONE = 600.0


def quiet_limit(*, lease: float = WORKER_SETTINGS["INTEGRATIONS_LEASE_SECONDS"]) -> float:
    """The longest the worker's deliveries may all sit still, from its
    settings: a lease running out (a dead worker's claims are taken back only
    then), then a backoff or Retry-After, a request timing out and a sweep."""
    return (
        lease
        + WORKER_SETTINGS["INTEGRATIONS_BACKOFF_MAX"]
        + WORKER_SETTINGS["INTEGRATIONS_HTTP_TIMEOUT"]
        + WORKER_SETTINGS["INTEGRATIONS_SWEEP_GRACE"]
        + 2 * SWEEP_EVERY
        + LOADED_MACHINE
    )


def progress():
    """Changes whenever a delivery is claimed, tried, finished or taken back,
    or an event is swept."""
    return (
        tuple(Delivery.objects.values_list("status").annotate(n=Count("pk")).order_by("status")),
        Delivery.objects.aggregate(attempts=Sum("attempts"))["attempts"],
        OutboxEvent.objects.filter(processed_at__isnull=False).count(),
    )


def beat_until(done, *, quiet=None, message="every delivery to finish"):
    """Send beat's sweep through the broker once a second until ``done()``.

    Fails when nothing has moved for ``quiet`` seconds (from the worker's
    settings), not after a fixed time: a loaded machine delivers slower and
    still passes, a stuck delivery fails."""
    quiet = quiet_limit() if quiet is None else quiet
    started = last_move = time.monotonic()
    seen = None
    next_sweep = 0.0
    while not done():
        now = time.monotonic()
        if (current := progress()) != seen:
            seen, last_move = current, now
        elif now - last_move > quiet:
            raise AssertionError(f"nothing moved for {quiet:.0f}s waiting for {message}: {seen}")
        if now - started > NEVER_DONE:
            raise AssertionError(f"still moving after {NEVER_DONE:.0f}s waiting for {message}")
        if now >= next_sweep:
            celery_app.send_task(SWEEP)
            next_sweep = now + SWEEP_EVERY
        time.sleep(0.2)


def make_changes(members, *, twice_every=4):
    """Every member to Former; every ``twice_every``-th straight on to Active,
    so its two events sit side by side in the queue and, with four pool
    processes, the second could overtake a first that has to be retried."""
    for index, member in enumerate(members):
        member_change_status(member=member, status=MemberStatus.FORMER, via="admin")
        if index % twice_every == 0:
            member_change_status(member=member, status=MemberStatus.ACTIVE, via="admin")
    return members[::twice_every]


def hanging(stubs):
    """Requests that are being held by an injected hang right now."""
    now = time.time()
    return sum(
        1
        for stub in stubs.values()
        for r in stub.requests
        if r.fault and r.fault.hang and now < r.received_at + r.fault.hang
    )


# -- what each stub received, per member ----------------------------------------------


def received(stubs):
    """Per stub, per member id: one entry per push the stub took in (requests
    answered with an injected fault changed nothing and are left out), in
    arrival order. Where the stub sees it, an entry names the change
    (``event_id``, via the Idempotency-Key) and the status sent."""
    deliveries = {d.idempotency_key: d for d in Delivery.objects.all()}
    member_by_email = {m.email.casefold(): m.pk for m in Member.objects.all()}
    out = {kind: defaultdict(list) for kind in stubs}

    for hook in stubs["webhook"].deliveries:  # only requests it handled
        assert hook.verified, "a webhook arrived with a bad signature"
        delivery = deliveries[hook.idempotency_key]
        out["webhook"][delivery.member_ref].append(
            (delivery.event_id, hook.payload["data"]["status"])
        )
    for r in stubs["hubspot"].requests:
        if r.fault is None and r.method == "POST" and r.path == UPSERT_PATH:
            # A batch upsert names each input's delivery (objectWriteTraceId).
            for item in r.body["inputs"]:
                delivery = deliveries[item.get("objectWriteTraceId") or r.header("idempotency-key")]
                status = item["properties"]["member_status"]
                out["hubspot"][delivery.member_ref].append((delivery.event_id, status))
    for r in stubs["capsule"].requests:
        # Search, then one write (create or update) per push; the status tag
        # is only in a write that changes it, so entries name the change only.
        if r.fault is None and r.method in ("POST", "PUT"):
            delivery = deliveries[r.header("idempotency-key")]
            out["capsule"][delivery.member_ref].append((delivery.event_id, "written"))
    for r in stubs["kisi"].requests:
        # Every push starts by looking the user up; Kisi gets no key.
        if r.fault is None and r.method == "GET" and r.path == "/users":
            out["kisi"][member_by_email[r.query["query"].casefold()]].append("looked up")
    for r in stubs["papercut"].requests:
        if r.fault is not None or not r.body:
            continue
        method, params = r.body
        if method == "api.isUserExists":  # every push starts with it
            out["papercut"][member_by_email[params[1]]].append("disabled")
        elif method == "api.setUserProperty" and params[2] == "disabled-print":
            pushes = out["papercut"][member_by_email[params[1]]]
            pushes[-1] = "enabled" if params[3] == "FALSE" else "disabled"
    return out


def expected(members):
    """What each stub must have received: every change once, in order. The
    webhook carries each change's own status; the others push the member's
    current state, which here is the final one (every change was committed
    before any push went out)."""
    out = {kind: {} for kind in ("webhook", "hubspot", "capsule", "kisi", "papercut")}
    events = defaultdict(list)
    for event in OutboxEvent.objects.order_by("pk"):
        events[event.member_ref].append(event)
    for member in Member.objects.filter(pk__in=[m.pk for m in members]):
        mine = events[member.pk]
        out["webhook"][member.pk] = [(e.pk, e.payload["status"]) for e in mine]
        out["hubspot"][member.pk] = [(e.pk, member.status) for e in mine]
        out["capsule"][member.pk] = [(e.pk, "written") for e in mine]
        out["kisi"][member.pk] = ["looked up"] * len(mine)
        access = "enabled" if member.status == MemberStatus.ACTIVE else "disabled"
        out["papercut"][member.pk] = [access] * len(mine)
    return out


def assert_each_change_once_in_order(stubs, members):
    got, want = received(stubs), expected(members)
    wrong = [
        f"{kind} member {pk}: got {got[kind].get(pk, [])}, want {sequence}"
        for kind, per_member in want.items()
        for pk, sequence in per_member.items()
        if got[kind].get(pk, []) != sequence
    ]
    assert not wrong, f"{len(wrong)} wrong sequences, e.g.:\n" + "\n".join(wrong[:8])
    strangers = {kind: set(got[kind]) - set(want[kind]) for kind in got}
    assert not any(strangers.values()), f"pushes for members that did not change: {strangers}"


def assert_remote_state_is_current(stubs, members):
    kisi, papercut = stubs["kisi"], stubs["papercut"]
    hubspot, capsule = stubs["hubspot"], stubs["capsule"]
    for member in Member.objects.filter(pk__in=[m.pk for m in members]):
        active = member.status == MemberStatus.ACTIVE
        assert kisi.has_access(member.email) == active, member
        assert len(kisi.assignments_for(member.email)) <= 1
        assert papercut.can_print(member.email) == active, member
        assert hubspot.contact(member.email)["member_status"] == member.status
        assert capsule.tags_of(member.email) == [f"Member: {member.status.capitalize()}"]
    assert hubspot.created_count == len(members)
    assert len(capsule.parties) == len(members)


# -- the scenarios ---------------------------------------------------------------------


def broker_outage(cast, stubs, worker_factory):
    """The issue's outage test: 200 members change while the broker is
    unreachable; the remotes fail the first push of every member changed
    twice (429, 500, or a hang past the timeout)."""
    members = f.MemberFactory.create_batch(200, location=cast.harbour)
    twice = members[::4]
    for k, stub in enumerate(stubs.values()):
        for j, member in enumerate(twice):
            fault = TIMEOUT if j == k else (RETRY_AFTER if (j + k) % 2 else SERVER_ERROR)
            stub.fail_next(contains=member.email, **fault)
    worker_factory()

    with broker_at(CLOSED_PORT_BROKER):
        make_changes(members)

    assert OutboxEvent.objects.filter(processed_at__isnull=True).count() == 250
    assert not any(stub.requests for stub in stubs.values())
    return members  # the broker is back: beat's sweep finds the events


def worker_killed(cast, stubs, worker_factory):
    """The pool processes are all stuck mid-delivery when the worker's whole
    process group is SIGKILLed; more changes arrive while none runs."""
    members = f.MemberFactory.create_batch(24, location=cast.harbour)
    doomed = members[:2]
    for stub in stubs.values():
        for member in doomed:
            stub.fail_next(503, hang=HANG, contains=member.email)
    make_changes(members)  # queued in Redis until a worker comes

    # A long lease: its time limits (50 % / 75 %) must not cut the hang before
    # all four pool processes are stuck in it, however loaded the machine is.
    worker = worker_factory(
        INTEGRATIONS_HTTP_TIMEOUT=str(HANG), INTEGRATIONS_LEASE_SECONDS=str(KILLED_LEASE)
    )
    stuck = Delivery.objects.filter(status=DeliveryStatus.IN_FLIGHT)

    def all_stuck():
        # Every pool process hangs in a request for a doomed member (one
        # request at a time each): nothing else is half-sent when the worker
        # dies. The rest of their batches is claimed, not sent.
        refs = set(stuck.values_list("member_ref", flat=True))
        return hanging(stubs) >= worker.concurrency and {m.pk for m in doomed} <= refs

    wait_until(
        all_stuck,
        timeout=KILLED_LEASE * 0.4,  # below the soft time limit of the first one stuck
        interval=0.02,
        message="every pool process to be stuck",
    )
    worker.kill()
    assert stuck.count() >= worker.concurrency

    for member in doomed:
        member_change_status(member=member, status=MemberStatus.CONTACT, via="admin")
    worker_factory()
    return members  # the leases run out; beat's sweep takes the deliveries back


# The killed worker's lease: the leases it took run out this long after its
# claims, and only then does the sweep take those deliveries back.
KILLED_LEASE = 60
HANG = 2 * KILLED_LEASE  # longer than anything could wait for it


def remote_429_then_500(cast, stubs, worker_factory):
    """Every stub answers every member's first push with 429 (Retry-After:
    1), then 500, then takes it. One delivery per task: a batch upsert of
    many members would meet every member's faults, and this scenario counts
    each member's own attempts (random faults meet batches in
    test_delivery_at_scale.py)."""
    members = f.MemberFactory.create_batch(24, location=cast.harbour)
    for stub in stubs.values():
        for member in members:
            stub.fail_next(contains=member.email, **RETRY_AFTER)
            stub.fail_next(contains=member.email, **SERVER_ERROR)
    make_changes(members)
    worker_factory(INTEGRATIONS_DELIVERY_BATCH=1)
    return members


def assert_retry_after_was_honoured(stubs, members):
    for kind, stub in stubs.items():
        for member in members:
            mentions = [r for r in stub.requests if member.email in _text(r)]
            [index] = [i for i, r in enumerate(mentions) if r.fault and r.fault.status == 429]
            gap = mentions[index + 1].received_at - mentions[index].received_at
            assert gap >= 1.0, f"{kind} retried {member.email} {gap:.2f}s after a 429"


def _text(request):
    return request.raw.decode("utf-8", "replace") + " ".join(request.query.values())


@pytest.mark.parametrize(
    "scenario",
    [broker_outage, worker_killed, remote_429_then_500],
    ids=["broker-outage", "worker-killed", "429-then-500"],
)
def test_every_change_reaches_every_stub_once_in_order(cast, stubs, worker_factory, scenario):
    members = scenario(cast, stubs, worker_factory)

    # The killed worker's leases must run out before the sweep can take its
    # deliveries back; then everything is retried like the other scenarios.
    beat_until(all_finished, quiet=quiet_limit(lease=KILLED_LEASE))

    events = OutboxEvent.objects.count()
    unsent = Delivery.objects.exclude(status=DeliveryStatus.SUCCEEDED)
    assert Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == events * 5, list(
        unsent.values_list("status", "connection__kind", "attempts", "last_error")[:10]
    )
    assert all(stub.pending_faults == 0 for stub in stubs.values()), "a fault never fired"
    assert_each_change_once_in_order(stubs, members)
    assert_remote_state_is_current(stubs, members)
    if scenario is remote_429_then_500:
        assert_retry_after_was_honoured(stubs, members)
        # The 429 paused the connection and did not count: the 500 did.
        assert set(
            Delivery.objects.filter(event__payload__status="former").values_list(
                "attempts", flat=True
            )
        ) == {2}


def test_a_hung_broker_does_not_hold_up_the_commit(cast, stubs, worker_factory):
    """Redis takes the connection and never answers: the change still commits
    within seconds (socket timeouts), and the sweep delivers it later."""
    member = f.MemberFactory(location=cast.harbour)
    with hung_redis() as url, broker_at(url):
        started = time.monotonic()
        member_change_status(member=member, status=MemberStatus.FORMER, via="admin")
        took = time.monotonic() - started
    # One refused send (outbox/broker.py), with generous slack for a loaded machine.
    limit = 2 * settings.BROKER_PUBLISH_TIMEOUT + 5
    assert took < limit, f"the commit waited {took:.1f}s for a hung broker (limit {limit:.0f}s)"
    assert OutboxEvent.objects.filter(processed_at__isnull=True).count() == 1

    worker_factory()
    beat_until(all_finished)
    assert_each_change_once_in_order(stubs, [member])
