"""Whole-team moves in the admin portal (issue 14, item 3): the preview
lists exactly who is affected in a constant number of queries, the
confirmation moves them and links Undo, and only an admin who manages
customers at the location may; another tenant's or a forged id is a 404."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from companies.models import CompanyLocation
from members.actions.moves import move_out
from members.models import Member, MemberStatus, TeamMove
from tests import factories as f
from tests.team_cast import shows

pytestmark = pytest.mark.django_db


def _url(cast, name, *args, org=None):
    return reverse(f"adminportal:{name}", args=[(org or cast.org).slug, *args])


def _move_out_url(cast, company=None, location=None):
    return _url(cast, "company_move_out", (company or cast.acme).pk, (location or cast.harbour).pk)


@pytest.fixture
def umbrella(cast):
    """A company at both of Northwind's locations, one member at each."""
    company = f.CompanyFactory(location=cast.harbour, also_at=[cast.mill], name="Umbrella")
    f.MemberFactory(location=cast.harbour, company=company, first_name="Hana")
    f.MemberFactory(location=cast.mill, company=company, first_name="Milo")
    return company


def test_the_company_page_offers_the_moves_and_the_preview_lists_who(client, cast):
    client.force_login(cast.admin)
    page = client.get(_url(cast, "company", cast.acme.pk))
    assert shows(page, "Move out of Harbour")
    response = client.get(_move_out_url(cast))
    assert response.status_code == 200
    for member in (cast.contact, cast.billing, cast.teammate):
        assert shows(response, member.full_name)
    assert response.context["preview"].count == 3


@pytest.mark.parametrize("size", [10, 120])
def test_the_preview_costs_the_same_at_any_size(client, cast, size, django_assert_max_num_queries):
    f.MemberFactory.create_batch(size, location=cast.harbour, company=cast.acme)
    client.force_login(cast.admin)
    client.get(_move_out_url(cast))  # caches warm
    with django_assert_max_num_queries(30):
        response = client.get(_move_out_url(cast))
    assert response.context["preview"].count == size + 3
    assert len(response.context["page"].object_list) == min(size + 3, 100)
    with django_assert_max_num_queries(30):
        client.get(_url(cast, "company_move_team", cast.acme.pk, cast.harbour.pk))


def test_moving_out_from_the_page_then_undo(client, cast):
    client.force_login(cast.admin)
    end = timezone.localdate() + datetime.timedelta(days=7)
    response = client.post(
        _move_out_url(cast), {"end_date": end.isoformat(), "reason": "Moved to Berlin"}
    )
    assert response.status_code == 302
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "3 member(s) are Former" in message and "Undo" in message
    assert Member.objects.get(pk=cast.teammate.pk).status == MemberStatus.FORMER
    move = TeamMove.objects.get()
    page = client.get(_url(cast, "company", cast.acme.pk))
    assert shows(page, "moved out")
    assert shows(page, _url(cast, "team_move_undo", move.pk))

    undo = client.get(_url(cast, "team_move_undo", move.pk))
    assert undo.status_code == 200 and undo.context["restored_count"] == 3
    client.post(_url(cast, "team_move_undo", move.pk))
    assert Member.objects.get(pk=cast.teammate.pk).status == MemberStatus.ACTIVE
    assert CompanyLocation.objects.get(company=cast.acme, location=cast.harbour).ended_at is None


def test_a_missing_date_is_said_at_the_field(client, cast):
    client.force_login(cast.admin)
    response = client.post(_move_out_url(cast), {"end_date": "", "reason": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors["end_date"]
    assert Member.objects.get(pk=cast.teammate.pk).status == MemberStatus.ACTIVE


def test_moving_the_team_from_the_page(client, cast):
    client.force_login(cast.owner)
    response = client.post(
        _url(cast, "company_move_team", cast.acme.pk, cast.harbour.pk),
        {"to_location": cast.mill.pk, "reason": "Bigger office"},
    )
    assert response.status_code == 302
    assert Member.objects.get(pk=cast.teammate.pk).location_id == cast.mill.pk


def test_only_an_admin_of_the_location_may(client, cast, umbrella):
    # The mill's admin sees Umbrella (at the mill too) but not its harbour.
    client.force_login(cast.mill_admin)
    assert client.get(_move_out_url(cast, umbrella)).status_code == 403
    response = client.post(
        _move_out_url(cast, umbrella), {"end_date": timezone.localdate(), "reason": "x"}
    )
    assert response.status_code == 403
    assert not TeamMove.objects.exists()
    # Acme is at the harbour only: the mill's admin does not see it at all.
    assert client.get(_move_out_url(cast)).status_code == 404
    # The team may move only to a location the admin manages.
    client.force_login(cast.admin)
    response = client.post(
        _url(cast, "company_move_team", umbrella.pk, cast.harbour.pk),
        {"to_location": cast.mill.pk, "reason": "x"},
    )
    assert response.status_code == 200 and response.context["form"].errors["to_location"]
    assert not TeamMove.objects.exists()


def test_another_tenant_and_forged_ids_are_404(client, cast, umbrella):
    move = move_out(
        company=umbrella, location=cast.mill, end_date=timezone.localdate(), reason="",
        actor=cast.owner,
    )  # fmt: skip
    client.force_login(cast.other_admin)
    for url in (_move_out_url(cast), _url(cast, "team_move_undo", move.pk)):
        assert client.get(url).status_code in (403, 404)
    # Their own organization's address, our ids.
    other = _url(cast, "company_move_out", cast.acme.pk, cast.harbour.pk, org=cast.other_org)
    assert client.get(other).status_code == 404
    other_undo = _url(cast, "team_move_undo", move.pk, org=cast.other_org)
    assert client.post(other_undo).status_code == 404
    client.force_login(cast.admin)
    # A location that is not the company's, one it moved out of, a move of
    # a location the admin does not manage.
    assert client.get(_move_out_url(cast, location=cast.mill)).status_code == 404
    assert client.get(_move_out_url(cast, location=cast.other_location)).status_code == 404
    assert client.get(_move_out_url(cast, umbrella, cast.mill)).status_code == 404
    assert client.get(_url(cast, "team_move_undo", move.pk)).status_code == 404
    assert TeamMove.objects.get().undone_at is None


def test_an_undo_over_the_seat_cap_offers_to_go_over_it(client, cast):
    move = move_out(
        company=cast.acme, location=cast.harbour, end_date=timezone.localdate(),
        reason="Gone", actor=cast.owner,
    )  # fmt: skip
    CompanyLocation.objects.filter(company=cast.acme, location=cast.harbour).update(seats=1)
    client.force_login(cast.admin)
    undo = _url(cast, "team_move_undo", move.pk)
    assert 'name="over_seat_cap"' not in client.get(undo).content.decode()

    refused = client.post(undo, follow=True)
    assert refused.redirect_chain[-1][0] == f"{undo}?seats=full"
    assert shows(refused, "uses 0 of 1 seats at Harbour")
    assert 'name="over_seat_cap"' in refused.content.decode()
    assert not Member.objects.filter(company=cast.acme, status=MemberStatus.ACTIVE).exists()

    client.post(undo, {"over_seat_cap": "1"})
    assert Member.objects.filter(company=cast.acme, status=MemberStatus.ACTIVE).count() == 3
