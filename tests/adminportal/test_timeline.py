"""The activity timeline of a member and of a company (issue 13, item 5):
the audit log's entries about them, newest first, 20 at a time, never
another organization's, and for a location-limited admin only what
concerns the members at their locations."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry, Verb, Via
from members.actions.status import member_change_status
from members.selectors import TIMELINE_PAGE_SIZE
from tests import factories as f

pytestmark = pytest.mark.django_db


#: The walk's bound in the "walk to a horizon" read plan (conftest.py):
#: inside the paging test's history of fifty, whose first two pages the
#: walk fills.
HORIZON = 25


def _entry(member=None, *, org, at, verb=Verb.MEMBER_UPDATED, subject=None, **fields):
    from django.contrib.contenttypes.models import ContentType

    subject = subject or member
    return AuditEntry.objects.create(
        organization=org,
        member=member,
        verb=verb,
        via=Via.ADMIN,
        subject_type=ContentType.objects.get_for_model(subject) if subject else None,
        subject_id=subject.pk if subject else None,
        created_at=at,
        **fields,
    )


def _url(cast, name, pk, **query):
    url = reverse(f"adminportal:{name}", args=[cast.org.slug, pk])
    return url + (f"?before={query['before']}" if query else "")


def _shown(response) -> list[int]:
    return [entry.pk for entry in response.context["timeline"]]


def _company_activity(client, cast, company):
    """The company page's activity card, read as htmx reads it when the
    card comes into view."""
    page = client.get(_url(cast, "company", company.pk))
    assert page.status_code == 200
    url = _url(cast, "company_timeline", company.pk)
    assert f'hx-get="{url}" hx-trigger="revealed"' in page.content.decode()
    return client.get(url, HTTP_HX_REQUEST="true")


def test_the_member_page_shows_what_happened_newest_first(client, cast):
    member = cast.teammate
    member_change_status(
        member=member, status="contact", actor=cast.admin, via=Via.ADMIN, reason="left"
    )
    member_change_status(member=member, status="active", actor=cast.admin, via=Via.ADMIN)
    client.force_login(cast.admin)
    response = client.get(reverse("adminportal:member", args=[cast.org.slug, member.pk]))
    html = response.content.decode()
    timeline = html[html.index('id="timeline"') :]
    assert "Status changed" in timeline
    assert timeline.index("Status: contact → active") < timeline.index("Status: active → contact")
    assert "Reason: left" in timeline


def test_a_member_timeline_pages_by_twenty_with_no_gaps_or_repeats(client, cast):
    member = cast.teammate
    AuditEntry.objects.filter(member=member).delete()
    start = timezone.now() - datetime.timedelta(days=1)
    # Some at the very same instant: the id breaks the tie.
    made = [
        _entry(member, org=cast.org, at=start + datetime.timedelta(seconds=n // 3))
        for n in range(45)
    ]
    expected = [e.pk for e in sorted(made, key=lambda e: (e.created_at, e.pk), reverse=True)]
    client.force_login(cast.admin)
    page = client.get(reverse("adminportal:member", args=[cast.org.slug, member.pk]))
    seen = _shown(page)
    more = page.context["timeline_more"]
    while more:
        response = client.get(more, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert len(response.context["timeline"]) <= TIMELINE_PAGE_SIZE
        seen += _shown(response)
        more = response.context["timeline_more"]
    assert seen == expected


def test_no_other_organizations_entries_and_no_forged_cursor(client, cast):
    member = cast.teammate
    now = timezone.now()
    ours = _entry(member, org=cast.org, at=now)
    # An entry of another organization naming this member's id (the log
    # keeps no constraint on it): never shown here.
    theirs = _entry(member, org=cast.other_org, at=now + datetime.timedelta(seconds=1))
    client.force_login(cast.admin)
    response = client.get(_url(cast, "member_timeline", member.pk))
    assert ours.pk in _shown(response) and theirs.pk not in _shown(response)
    forged = client.get(_url(cast, "member_timeline", member.pk, before=theirs.pk))
    assert _shown(forged) == []
    assert client.get(_url(cast, "member_timeline", member.pk, before="x")).status_code == 200
    # Another organization's member, by id: a 404.
    assert client.get(_url(cast, "member_timeline", cast.other_member.pk)).status_code == 404
    client.force_login(cast.other_admin)
    assert client.get(_url(cast, "member_timeline", member.pk)).status_code == 404


def test_a_company_timeline_pages_with_no_gaps_or_repeats_either_way(client, cast, read_plan):
    company = cast.acme
    start = timezone.now() - datetime.timedelta(days=1)
    AuditEntry.objects.filter(organization=cast.org).delete()
    # Entries of the company alone, of a member alone, and of both (a role
    # change: read by both ways into it). The two pages end at n=30 (a
    # member's) and n=10 (the company's): the next page starts from a
    # cursor that only one of the two reads holds.
    both, company_only = {0, 5, 35, 47}, {3, 10, 22, 41}
    made = []
    for n in range(50):
        at = start + datetime.timedelta(seconds=n // 4)  # ties: the id decides
        if n in both:
            entry = _entry(
                cast.teammate, org=cast.org, at=at, verb=Verb.COMPANY_ROLE_CHANGED, subject=company
            )
        elif n in company_only:
            entry = _entry(org=cast.org, at=at, verb=Verb.COMPANY_UPDATED, subject=company)
        else:
            entry = _entry((cast.contact, cast.billing, cast.teammate)[n % 3], org=cast.org, at=at)
        made.append(entry)
    _entry(cast.globex_contact, org=cast.org, at=start)  # another company's member
    expected = [e.pk for e in sorted(made, key=lambda e: (e.created_at, e.pk), reverse=True)]
    client.force_login(cast.admin)
    page = _company_activity(client, cast, company)
    seen, more = _shown(page), page.context["timeline_more"]
    while more:
        response = client.get(more, HTTP_HX_REQUEST="true")
        assert len(response.context["timeline"]) <= TIMELINE_PAGE_SIZE
        seen += _shown(response)
        more = response.context["timeline_more"]
    assert seen == expected
    # A cursor that is not one of this timeline's entries pages nothing.
    stranger = _entry(cast.globex_contact, org=cast.org, at=start + datetime.timedelta(days=2))
    for forged in (stranger.pk, "x"):
        response = client.get(_url(cast, "company_timeline", company.pk, before=forged))
        assert response.status_code == 200 and _shown(response) == []


def test_a_company_timeline_has_the_company_and_its_members_at_your_locations(
    client, cast, read_plan
):
    company = f.CompanyFactory(location=cast.harbour, also_at=[cast.mill], name="Umbrella")
    here = f.MemberFactory(location=cast.harbour, company=company)
    there = f.MemberFactory(location=cast.mill, company=company)
    stranger = f.MemberFactory(location=cast.harbour)
    now = timezone.now()
    about_company = _entry(org=cast.org, at=now, verb=Verb.COMPANY_UPDATED, subject=company)
    about_here = _entry(here, org=cast.org, at=now)
    about_there = _entry(there, org=cast.org, at=now)
    about_stranger = _entry(stranger, org=cast.org, at=now)
    role_there = _entry(
        there, org=cast.org, at=now, verb=Verb.COMPANY_ROLE_CHANGED, subject=company
    )
    other_org = _entry(org=cast.other_org, at=now, verb=Verb.COMPANY_UPDATED, subject=company)

    client.force_login(cast.owner)
    page = _company_activity(client, cast, company)
    assert set(_shown(page)) >= {about_company.pk, about_here.pk, about_there.pk, role_there.pk}
    assert not {about_stranger.pk, other_org.pk} & set(_shown(page))

    client.force_login(cast.admin)  # the harbour only
    shown = set(_shown(client.get(_url(cast, "company_timeline", company.pk))))
    assert {about_company.pk, about_here.pk} <= shown
    assert not {about_there.pk, role_there.pk, about_stranger.pk, other_org.pk} & shown


@pytest.mark.parametrize("size", [5, 60])
def test_timelines_keep_their_queries(client, cast, size, django_assert_max_num_queries):
    now = timezone.now()
    for n in range(size):
        _entry(cast.teammate, org=cast.org, at=now - datetime.timedelta(minutes=n))
        _entry(org=cast.org, at=now, verb=Verb.COMPANY_UPDATED, subject=cast.acme)
    client.force_login(cast.admin)
    with django_assert_max_num_queries(9):
        response = client.get(_url(cast, "member_timeline", cast.teammate.pk))
    assert response.status_code == 200
    with django_assert_max_num_queries(11):
        response = client.get(_url(cast, "company_timeline", cast.acme.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200


def test_a_timeline_entry_shows_names_reasons_and_values_as_text(client, cast):
    # The entries are written out in Python (timeline_tags.timeline_entries),
    # past the template engine's autoescaping.
    script = "<script>alert(1)</script>"
    member = f.MemberFactory(location=cast.harbour, company=cast.acme, first_name=script)
    _entry(
        member,
        org=cast.org,
        at=timezone.now(),
        actor_label=script,
        reason=script,
        before={"notes": script},
        after={"notes": "<b>bold</b>"},
    )
    client.force_login(cast.admin)
    member_page = client.get(_url(cast, "member", member.pk)).content.decode()
    for timeline in (
        member_page[member_page.index('id="timeline"') :],
        _company_activity(client, cast, cast.acme).content.decode(),
    ):
        assert script not in timeline and "<b>bold" not in timeline
        assert timeline.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3


def test_the_company_activity_card_reads_nothing_until_it_is_shown(client, cast):
    """The company page renders the card without reading the log, with a
    link to the activity for a browser without JavaScript; an empty
    history says so when it is read."""
    company = f.CompanyFactory(location=cast.harbour, name="Quiet Ltd")
    AuditEntry.objects.filter(organization=cast.org).delete()
    client.force_login(cast.admin)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(_url(cast, "company", company.pk)).content.decode()
    assert not [q for q in queries.captured_queries if "audit_auditentry" in q["sql"]]
    card = page[page.index('id="timeline"') :]
    assert f'href="{_url(cast, "company_timeline", company.pk)}"' in card
    assert "Nothing recorded" not in card
    activity = _company_activity(client, cast, company).content.decode()
    assert "Nothing recorded yet." in activity
    whole_page = client.get(_url(cast, "company_timeline", company.pk)).content.decode()
    assert "Nothing recorded yet." in whole_page
    entry = _entry(org=cast.org, at=timezone.now(), verb=Verb.COMPANY_UPDATED, subject=company)
    activity = _company_activity(client, cast, company)
    assert _shown(activity) == [entry.pk]
    assert "Nothing recorded yet." not in activity.content.decode()
