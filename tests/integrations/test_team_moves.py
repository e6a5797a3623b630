"""Whole-team moves reach every connected system through the outbox (issue
14, item 3): moving out revokes door and printing and tells the CRMs
"former" for every member; undoing it grants them again; moving the team
sends the new location's groups (eager tasks, real HTTP to the stubs)."""

import datetime

import pytest
from django.utils import timezone

from members.actions.locations import location_update
from members.actions.moves import move_out, move_team, undo_move
from members.actions.records import member_create
from members.models import MemberStatus

from .conftest import connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def remotes(cast, kisi, papercut, hubspot, capsule):
    for stub in (kisi, papercut, hubspot, capsule):
        connect(cast.org, stub)
    return kisi, papercut, hubspot, capsule


def _team(cast, run, n):
    return [
        run(
            member_create,
            organization=cast.org,
            location=cast.harbour,
            company=cast.acme,
            first_name=f"Mover{i}",
            email=f"mover{i}@example.test",
            status=MemberStatus.ACTIVE,
            actor=cast.owner,
        )
        for i in range(n)
    ]


def test_moving_out_revokes_everyone_at_every_remote_and_undo_grants_again(cast, run, remotes):
    kisi, papercut, hubspot, capsule = remotes
    team = _team(cast, run, 6)
    emails = [m.email for m in team]
    assert all(kisi.has_access(e) and papercut.can_print(e) for e in emails)

    move = run(
        move_out,
        company=cast.acme,
        location=cast.harbour,
        end_date=timezone.localdate() + datetime.timedelta(days=5),
        reason="Moved out",
        actor=cast.owner,
    )

    for email in emails:
        assert not kisi.has_access(email)
        assert not papercut.can_print(email)
        assert hubspot.contact(email)["member_status"] == "former"
        assert capsule.tags_of(email) == ["Member: Former"]

    run(undo_move, move=move, actor=cast.owner)
    for email in emails:
        assert kisi.has_access(email) and papercut.can_print(email)
        assert hubspot.contact(email)["member_status"] == "active"


def test_moving_the_team_moves_their_door_group(cast, run, remotes):
    kisi, papercut, _, _ = remotes
    run(location_update, location=cast.harbour, actor=cast.owner, door_group="100",
        printing_group="Harbour printers")  # fmt: skip
    run(location_update, location=cast.mill, actor=cast.owner, door_group="200",
        printing_group="Mill printers")  # fmt: skip
    team = _team(cast, run, 3)
    run(move_team, company=cast.acme, from_location=cast.harbour, to_location=cast.mill,
        actor=cast.owner)  # fmt: skip
    for member in team:
        assert kisi.has_access(member.email, group_id=200)
        assert not kisi.has_access(member.email, group_id=100)
        assert papercut.groups_of(member.email) == {"Mill printers"}
