"""The pipeline under load, through a real worker (issue 15, items 3 and 7):
one organization's resync does not starve another's single change, and
random SIGKILLs of pool processes during a burst of changes, with faults at
the stubs, lose nothing, reorder nothing and duplicate nothing."""

import os
import random
import signal
import threading
import time
from collections import defaultdict

import pytest

from integrations.models import Delivery, DeliveryStatus, OutboxEvent
from integrations.services import resync_connection
from members.actions.personal_data import member_update_details
from members.actions.status import member_change_status
from members.models import Member, MemberStatus
from tests import factories as f
from tests.stubs import KisiStub

from .conftest import all_finished, connect
from .test_delivery_worker import assert_remote_state_is_current, beat_until
from .test_delivery_worker import stubs as stubs  # noqa: PLC0414 - the fixture

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


# -- fairness ---------------------------------------------------------------------------

RESYNC = 1000


def test_a_resync_of_thousands_does_not_starve_another_organizations_single_change(
    cast, worker_factory
):
    """Northwind resyncs 1,000 members to its door system; Globex then makes
    one member Former. Globex's change is through while most of the resync
    still waits: bulk work queues behind single changes in the broker."""
    Member.objects.bulk_create(
        Member(
            organization=cast.org,
            location=cast.harbour,
            first_name="Resync",
            last_name=str(index),
            email=f"resync-{index}@example.test",
            status=MemberStatus.ACTIVE,
        )
        for index in range(RESYNC)
    )
    globex_member = f.MemberFactory(location=cast.other_location)
    with KisiStub() as northwind_doors, KisiStub() as globex_doors:
        northwind = connect(cast.org, northwind_doors)
        connect(cast.other_org, globex_doors)
        worker_factory(concurrency=2)

        resync_connection(connection=northwind)
        everyone = Member.objects.filter(organization=cast.org).count()
        resync = Delivery.objects.filter(connection=northwind)
        done = (DeliveryStatus.SUCCEEDED, DeliveryStatus.SKIPPED)
        # Every delivery of the resync made and queued: first come would serve
        # them all before anything queued now.
        beat_until(lambda: resync.count() == everyone, message="the resync's fan-out")
        before = resync.filter(status__in=done).count()
        member_change_status(member=globex_member, status=MemberStatus.FORMER, via="admin")

        single = Delivery.objects.filter(member_ref=globex_member.pk)
        beat_until(lambda: single.filter(status__in=done).exists(), message="the single change")
        meanwhile = resync.filter(status__in=done).count() - before

        # The batches the two pool processes held, and little more.
        assert meanwhile < 0.3 * everyone, (
            f"the single change waited for {meanwhile} of the resync's {everyone} deliveries"
        )
        beat_until(all_finished, message="the resync")
        assert resync.filter(status=DeliveryStatus.SUCCEEDED).count() == everyone


# -- kill at random -----------------------------------------------------------------------

MEMBERS = 40
#: The worker's own settings for this test: a short lease, so a killed
#: attempt is taken back within seconds, and room for many kills per delivery.
KILL_SETTINGS = {"INTEGRATIONS_LEASE_SECONDS": 4, "INTEGRATIONS_MAX_ATTEMPTS": 40}


def pool_processes(worker) -> list[int]:
    """The worker's pool processes (its main process's children)."""
    pid = worker.process.pid
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            return [int(child) for child in children.read().split()]
    except FileNotFoundError:
        return []


class Killer(threading.Thread):
    """SIGKILLs a random pool process of ``worker`` every 0.3–1.5 s; the
    worker's main process starts a new one each time."""

    def __init__(self, worker, rng):
        super().__init__(daemon=True)
        self.worker, self.rng = worker, rng
        self.kills = 0
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(self.rng.uniform(0.3, 1.5)):
            children = pool_processes(self.worker)
            if children:
                try:
                    os.kill(self.rng.choice(children), signal.SIGKILL)
                    self.kills += 1
                except ProcessLookupError:
                    pass


def faults(stubs, members, rng):
    """Per member, at a random stub each: a 500, a 429 (Retry-After 1) or an
    answer lost after the remote acted."""
    for member in members:
        for stub in rng.sample(list(stubs.values()), 2):
            fault = rng.choice([{"status": 500}, {"status": 429, "retry_after": 1}, {"drop": True}])
            stub.fail_next(contains=member.email, **fault)


def burst(members, owner, rng):
    """Two or three status changes per member; every fifth also corrects
    their email (the remotes hold them under the old one, or not yet)."""
    statuses = [MemberStatus.ACTIVE, MemberStatus.FORMER, MemberStatus.CONTACT]
    for index, member in enumerate(members):
        for _ in range(rng.choice([2, 3])):
            status = rng.choice([s for s in statuses if s != member.status])
            member_change_status(member=member, status=status, via="admin")
            member.refresh_from_db()
        if index % 5 == 0:
            member_update_details(member=member, actor=owner, email=f"moved-{member.email}")


def assert_webhook_events_in_order_none_lost(webhook):
    arrivals = defaultdict(list)
    for hook in webhook.deliveries:
        assert hook.verified
        arrivals[hook.payload["data"]["member_id"]].append(hook.payload["sequence"])
    for event in OutboxEvent.objects.all():
        assert event.sequence in arrivals[event.member_ref], f"event {event.pk} never arrived"
    for member_id, sequences in arrivals.items():
        # At least once (a lost answer is sent again), never out of order.
        assert sequences == sorted(sequences), f"member {member_id}: {sequences}"


def assert_no_duplicate_accounts(stubs, members):
    kisi_users = [user["email"].casefold() for user in stubs["kisi"].users]
    assert len(kisi_users) == len(set(kisi_users)), "a Kisi user twice"
    papercut = [name.casefold() for name in stubs["papercut"].users]
    assert len(papercut) == len(set(papercut))
    current = {m.email.casefold() for m in members}
    assert set(stubs["hubspot"].contacts) == current
    assert all(len(stubs["capsule"].parties_with_email(member.email)) == 1 for member in members)


def test_random_kills_during_a_burst_with_faults_converge(cast, stubs, worker_factory):
    rng = random.Random(int(os.environ.get("KILL_SEED", "15")))
    members = f.MemberFactory.create_batch(MEMBERS, location=cast.harbour)
    faults(stubs, members, rng)
    worker = worker_factory(**KILL_SETTINGS)
    killer = Killer(worker, rng)
    killer.start()
    try:
        burst(members, cast.owner, rng)
        time.sleep(3)  # keep killing while the burst is worked off
    finally:
        killer.stopped.set()
        killer.join()
    assert killer.kills >= 3

    beat_until(all_finished, message="every delivery after the kills")

    members = list(Member.objects.filter(pk__in=[m.pk for m in members]))
    events = OutboxEvent.objects.count()
    assert Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == events * 5
    assert all(stub.pending_faults == 0 for stub in stubs.values()), "a fault never fired"
    assert_remote_state_is_current(stubs, members)
    assert_webhook_events_in_order_none_lost(stubs["webhook"])
    assert_no_duplicate_accounts(stubs, members)
