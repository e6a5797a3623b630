"""Mass invite (R4.4): per-row errors, nothing from bad rows, any text, 10,000 rows."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from members.invitation_emails import SEND_CHUNK
from members.models import Member, Membership, PortalAccess
from members.tasks import send_invitations
from tests import factories as f
from tests.invitation_helpers import PREVIEWED, preview_then_invite

pytestmark = pytest.mark.django_db


def _url(cast):
    return reverse("adminportal:mass_invite", args=[cast.org.slug])


def test_every_kind_of_bad_row_gets_its_message_and_nothing_from_it_is_created(client, cast):
    plan = f.PlanFactory(organization=cast.org, location=cast.harbour)
    mill_plan = f.PlanFactory(organization=cast.org, location=cast.mill)
    other_company = f.CompanyFactory(location=cast.other_location)
    other_plan = f.PlanFactory(organization=cast.other_org)
    mill_company = f.CompanyFactory(location=cast.mill)  # admin does not manage the mill
    rows = "\n".join(
        [
            "First name\tLast name\tEmail\tPhone\tCompany ID\tPlan ID\tStart date",
            f"Ann\tOk\tann@example.test\t+1\t{cast.acme.pk}\t{plan.pk}\t2026-12-01",  # 2
            "Bad\tEmail\tnot-an-email\t\t\t\t",  # 3
            "Dup\tOne\tann@example.test\t\t\t\t",  # 4
            f"Old\tMember\t{cast.teammate.email.upper()}\t\t\t\t",  # 5
            f"Foreign\tCompany\tfc@example.test\t\t{other_company.pk}\t\t",  # 6
            "Nocompany\tX\tnc@example.test\t\t999999\t\t",  # 7
            f"Foreign\tPlan\tfp@example.test\t\t\t{other_plan.pk}\t",  # 8
            f"Bad\tDate\tbd@example.test\t\t\t{plan.pk}\t31/02/2026",  # 9
            "\tNoname\tnn@example.test\t\t\t\t",  # 10
            f"Mill\tCompany\tmc@example.test\t\t{mill_company.pk}\t\t",  # 11
            f"Wrong\tPlace\twp@example.test\t\t{cast.acme.pk}\t{mill_plan.pk}\t",  # 12
            "Bo\t\tbo@example.test",  # 13: short row, no company: lands at the chosen location
        ]
    )
    client.force_login(cast.admin)
    page = client.post(_url(cast), {"rows": rows, "location": cast.harbour.pk, "action": "preview"})
    assert page.status_code == 200
    preview = page.context["preview"]
    errors = {row.line: " ".join(row.errors) for row in preview.rows}
    assert errors[2] == "" and errors[13] == ""
    assert "not a valid email" in errors[3]
    assert "Duplicate email: the same as row 2" in errors[4]
    assert "already a member" in errors[5]
    assert "Unknown company ID" in errors[6]
    assert "Unknown company ID" in errors[7]
    assert "Unknown plan ID" in errors[8]
    assert "not a date" in errors[9]
    assert "First name is missing" in errors[10]
    assert "Unknown company ID" in errors[11]
    assert "Unknown plan ID" in errors[12]  # a plan of a location the admin does not manage
    assert preview.skipped_header
    assert not Member.objects.filter(email="ann@example.test").exists()  # preview writes nothing
    html = page.content.decode()
    assert "2 ready to invite" in html and "10 with errors" in html

    response = client.post(
        _url(cast),
        {"rows": rows, "location": cast.harbour.pk, "action": "invite", "previewed": "stale"},
    )
    assert response.status_code == 200  # not what was previewed: previewed again, no one invited
    assert not Member.objects.filter(email="ann@example.test").exists()
    response = preview_then_invite(client, _url(cast), {"rows": rows, "location": cast.harbour.pk})
    assert response.status_code == 302
    invited = Member.objects.filter(organization=cast.org, portal_access=PortalAccess.PENDING)
    assert set(invited.values_list("email", flat=True)) == {"ann@example.test", "bo@example.test"}
    ann = invited.get(email="ann@example.test")
    assert ann.company == cast.acme and ann.is_new
    membership = Membership.objects.get(member=ann)
    assert membership.plan == plan and str(membership.start_date) == "2026-12-01"


def test_comma_separated_rows_work_too(client, cast):
    client.force_login(cast.admin)
    preview_then_invite(
        client,
        _url(cast),
        {"rows": 'Zoe,"Smith, Jr",zoe@example.test,,', "location": cast.harbour.pk},
    )
    assert Member.objects.get(email="zoe@example.test").last_name == "Smith, Jr"


def test_company_page_mass_invite_forces_the_company(client, cast):
    client.force_login(cast.admin)
    url = reverse("adminportal:company_mass_invite", args=[cast.org.slug, cast.globex.pk])
    preview_then_invite(client, url, {"rows": f"Kim\t\tkim@example.test\t\t{cast.acme.pk}"})
    assert Member.objects.get(email="kim@example.test").company == cast.globex


def test_another_organizations_company_page_is_a_404(client, cast):
    client.force_login(cast.admin)
    other_company = f.CompanyFactory(location=cast.other_location)
    url = reverse("adminportal:company_mass_invite", args=[cast.org.slug, other_company.pk])
    assert client.post(url, {"rows": "A\t\ta@example.test", "action": "invite"}).status_code == 404
    assert not Member.objects.filter(email="a@example.test").exists()


def _post(client, cast, text, action="preview"):
    data = {"rows": text, "location": cast.harbour.pk}
    if action == "invite":
        return preview_then_invite(client, _url(cast), data)
    return client.post(_url(cast), {**data, "action": action})


def test_long_cells_and_control_characters_are_per_row_errors(client, cast):
    client.force_login(cast.admin)
    long_email = "a" * 250 + "@example.test"  # valid to validate_email, too long to store
    rows = "\n".join(
        [
            "Ann\t\tann@example.test",  # 1
            "",  # 2: blank lines count, so row numbers match the spreadsheet
            f"Long\t\t{long_email}",  # 3
            f"{'N' * 101}\t\tn@example.test",  # 4
            f"Ok\t{'L' * 101}\tl@example.test",  # 5
            "Ok\tL\tp@example.test\t" + "5" * 41,  # 6
            "Bell\x07\t\tb@example.test",  # 7
        ]
    )
    page = _post(client, cast, rows).content.decode()
    for line, message in (
        (3, "Email is longer than 254 characters."),
        (4, "First name is longer than 100 characters."),
        (5, "Last name is longer than 100 characters."),
        (6, "Phone is longer than 40 characters."),
        (7, "First name: Keep this on one line"),
    ):
        assert f"<td>{line}</td>" in page and message in page, (line, message)
    response = _post(client, cast, rows, action="invite")
    assert response.status_code == 302
    tried = ["ann@example.test", "n@example.test", "l@example.test", "p@example.test"]
    tried += ["b@example.test", long_email]
    invited = Member.objects.filter(email__in=tried).values_list("email", flat=True)
    assert list(invited) == ["ann@example.test"]


def test_a_cell_over_the_csv_limit_is_a_form_error(client, cast):
    client.force_login(cast.admin)
    text = "Ann\t\tann@example.test\n" + 'Big\t"' + "x" * 140_000 + '"\tb@example.test'
    response = _post(client, cast, text, action="invite")
    assert response.status_code == 200
    assert "Row 2 could not be read" in response.content.decode()
    assert not Member.objects.filter(email="ann@example.test").exists()


def test_a_paste_over_the_size_cap_says_so(client, cast, monkeypatch):
    from members.actions import mass_invite

    monkeypatch.setattr(mass_invite, "MAX_TEXT", 1_000)
    client.force_login(cast.admin)
    response = _post(client, cast, "Ann\t\tann@example.test\n" * 100)
    assert "paste at most 1,000 at a time" in response.content.decode()


def test_a_location_refusal_reads_as_itself(client, cast, monkeypatch):
    from django.core.exceptions import ValidationError

    from adminportal.views import invitations

    def refuse(**kwargs):
        raise ValidationError("Some rows point at a location you do not manage.")

    monkeypatch.setattr(invitations, "mass_invite", refuse)
    client.force_login(cast.admin)
    page = _post(client, cast, "Ann\t\tann@example.test", action="invite").content.decode()
    assert "a location you do not manage" in page and "meanwhile" not in page


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=400))
def test_arbitrary_text_never_gives_a_server_error(client, cast, text):
    client.force_login(cast.admin)
    for action in ("preview", "invite"):
        assert _post(client, cast, text, action).status_code in (200, 302)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.lists(st.text(alphabet="ab@.,\t\"' 0123456789-/\n", max_size=20), max_size=9),
        max_size=8,
    )
)
def test_spreadsheet_shaped_noise_never_gives_a_server_error(client, cast, rows):
    client.force_login(cast.admin)
    text = "\n".join("\t".join(cells) for cells in rows)
    assert _post(client, cast, text, "invite").status_code in (200, 302)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cells=st.lists(
        st.one_of(
            st.text(max_size=30),
            st.integers(0, 400).map(lambda n: "a" * n + "@example.test"),
            st.integers(90, 200_000).map(lambda n: "x" * n),
            st.integers(100_000, 140_000).map(lambda n: '"' + "q" * n + '"'),
        ),
        min_size=1,
        max_size=7,
    ),
    rows=st.integers(1, 3),
)
def test_long_cells_and_long_emails_never_give_a_server_error(client, cast, cells, rows):
    client.force_login(cast.admin)
    text = "\n".join("\t".join(cells) for _ in range(rows))
    for action in ("preview", "invite"):
        assert _post(client, cast, text, action).status_code in (200, 302)


def _big_paste(cast, n, plan, domain="bulk.test"):
    return "\n".join(
        f"First{i}\tLast{i}\tperson{i}@{domain}\t+1 555 {i:05d}\t{cast.acme.pk if i % 2 else ''}"
        f"\t{plan.pk if i % 3 == 0 else ''}\t2026-12-01"
        for i in range(n)
    )


@pytest.mark.parametrize("n", [100, 10_000])
def test_ten_thousand_rows_preview_and_commit_through_the_page_in_a_fixed_number_of_queries(
    client,
    cast,
    n,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    if n > 100 and connection.vendor == "sqlite":
        # SQLite caps bound parameters per statement, so Django splits a bulk
        # insert by row count there; the budget holds on PostgreSQL (CI).
        pytest.skip("the fixed query budget is a PostgreSQL property")
    plan = f.PlanFactory(organization=cast.org, location=cast.harbour)
    client.force_login(cast.admin)
    # A tenth of the rows first, measured the same way (after a first request
    # that pays the process's one-time costs): the time must grow with the
    # rows, not faster.
    with CaptureQueriesContext(connection):
        _cpu_seconds_to_invite(client, cast, _big_paste(cast, 1, plan, "warm.test"))
        tenth = _cpu_seconds_to_invite(client, cast, _big_paste(cast, n // 10, plan, "tenth.test"))
    data = {"rows": _big_paste(cast, n, plan), "location": cast.harbour.pk}
    started, cpu_started = time.monotonic(), time.process_time()
    # Fixed: one query per 2,000 addresses at most, whatever the rows hold.
    with django_assert_max_num_queries(20):
        page = client.post(_url(cast), {**data, "action": "preview"})
    parsed = time.monotonic()
    assert page.status_code == 200 and len(page.context["preview"].valid) == n
    previewed = PREVIEWED.search(page.content.decode()).group(1)
    # Five chunked inserts per 2,000 rows (user, address, member, invitation,
    # duplicate check: 25 at 10,000) and about twenty fixed ones (the
    # request's tenancy, location, company sites, plan, audit, outbox).
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        django_assert_max_num_queries(5 * -(-n // 2000) + 24),
    ):
        response = client.post(_url(cast), {**data, "action": "invite", "previewed": previewed})
    done, cpu = time.monotonic(), time.process_time() - cpu_started
    print(
        f"\nmass invite of {n} rows: preview {parsed - started:.2f}s, commit {done - parsed:.2f}s"
        f" ({cpu:.2f} CPU seconds; {n // 10} rows: {tenth:.2f})"
    )
    assert response.status_code == 302
    assert Member.objects.filter(email__endswith="@bulk.test", portal_access="pending").count() == n
    assert Membership.objects.filter(member__email__endswith="@bulk.test").count() == len(
        range(0, n, 3)
    )
    # Emails leave from Celery after commit, one task per chunk.
    (queue,) = [c for c in callbacks if c.__module__ == "outbox.engine"]  # engine.record
    sent = []
    monkeypatch.setattr(send_invitations, "delay", sent.append)
    queue()
    assert len(sent) == -(-n // SEND_CHUNK) and sum(len(chunk) for chunk in sent) == n
    # A per-row query or an unbatched write breaks the query budgets above.
    # Work that grows faster than the rows shows in the ratio of CPU seconds
    # (10 when linear, about 16 measured: the big run also pays for the
    # query log's 10,000-row statements and more garbage collection; work
    # per row that grows with the rows makes it 100). A loaded machine
    # stretches the wall clock, not this ratio.
    assert cpu < 30 * tenth, (
        f"mass invite of {n} rows took {cpu:.1f} CPU seconds, {n // 10} rows {tenth:.2f}: "
        "look for work that grows faster than the rows"
    )


def _cpu_seconds_to_invite(client, cast, text) -> float:
    """CPU seconds of this process (the test client runs the view here) for
    a preview and its commit."""
    data = {"rows": text, "location": cast.harbour.pk}
    started = time.process_time()
    page = client.post(_url(cast), {**data, "action": "preview"})
    previewed = PREVIEWED.search(page.content.decode()).group(1)
    response = client.post(_url(cast), {**data, "action": "invite", "previewed": previewed})
    assert response.status_code == 302
    return time.process_time() - started


def test_ten_thousand_bad_rows_show_the_first_200_and_download_as_csv(client, cast):
    client.force_login(cast.admin)
    text = "\n".join(f"F{i}\tL{i}\tbad-address-{i}" for i in range(10_000))
    page = client.post(_url(cast), {"rows": text, "location": cast.harbour.pk, "action": "preview"})
    html = page.content.decode()
    assert "the first 200 of 10000" in html and html.count('class="row-error"') == 200
    assert len(html) < 400_000
    download = client.post(
        _url(cast), {"rows": text, "location": cast.harbour.pk, "action": "errors"}
    )
    assert download["Content-Type"] == "text/csv"
    lines = download.content.decode().splitlines()
    assert len(lines) == 10_001 and lines[1].startswith("1,F0,L0,bad-address-0,")


def test_the_page_lists_the_company_and_plan_ids_the_admin_may_use(client, cast):
    harbour_plan = f.PlanFactory(organization=cast.org, location=cast.harbour, name="Hot desk")
    everywhere = f.PlanFactory(organization=cast.org, location=None, name="Flex pass")
    f.PlanFactory(organization=cast.org, location=cast.mill, name="Mill office")
    f.PlanFactory(organization=cast.other_org, name="Southgate desk")
    f.CompanyFactory(location=cast.mill, name="Mill Works")
    client.force_login(cast.admin)  # harbour only
    page = client.get(_url(cast))
    companies = [(c.pk, c.name) for c in page.context["id_companies"]]
    assert companies == [(cast.acme.pk, "Acme"), (cast.globex.pk, "Globex")]
    plans = [(p.pk, p.name) for p in page.context["id_plans"]]
    assert plans == [(everywhere.pk, "Flex pass"), (harbour_plan.pk, "Hot desk")]
    html = page.content.decode()
    assert "Mill Works" not in html and "Mill office" not in html and "Southgate" not in html


def test_a_person_invited_in_bulk_logs_in_by_code_and_accepts(
    client, cast, django_capture_on_commit_callbacks
):
    """Their login was created with the paste (in bulk, with the address row
    a login by code marks proven), so once the link has run out an emailed
    code gets them in, and they accept the invitation themselves."""
    import re

    from allauth.account.models import EmailAddress
    from django.core import mail

    client.force_login(cast.admin)
    rows = "Bea\tBulk\tBea.Bulk@example.test\nCy\tBulk\tcy.bulk@example.test"
    with django_capture_on_commit_callbacks(execute=True):
        preview_then_invite(client, _url(cast), {"rows": rows, "location": cast.harbour.pk})
    client.logout()
    assert EmailAddress.objects.filter(email="bea.bulk@example.test", verified=False).exists()
    client.post(reverse("account_request_login_code"), {"email": "bea.bulk@example.test"})
    code = re.search(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]+)*)\s*$", mail.outbox[-1].body, re.M)
    response = client.post(
        reverse("account_confirm_login_code"), {"code": code.group(1)}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("invitations_waiting")
    member = Member.objects.get(organization=cast.org, email="bea.bulk@example.test")
    client.post(reverse("invitation_accept_waiting", args=[member.pk]))
    member.refresh_from_db()
    assert member.portal_access == PortalAccess.ACTIVE and member.user.email == member.email
    assert EmailAddress.objects.get(user=member.user).verified
