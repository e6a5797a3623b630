"""The member portal (issue 13, item 7): a member sees their location,
company, memberships and plans; My account leads to setting or changing a
password and to changing the login's address through a typed code."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from tests.factories import PASSWORD


def _home(cast):
    return reverse("portal:home", args=[cast.org.slug])


def _account(cast):
    return reverse("portal:account", args=[cast.org.slug])


def test_a_member_sees_their_location_company_memberships_and_plans(client, cast):
    today = timezone.localdate()
    own = f.MembershipFactory(
        member=cast.teammate, plan=f.PlanFactory(organization=cast.org, name="Hot desk")
    )
    f.MembershipFactory(
        member=None,
        company=cast.acme,
        organization=cast.org,
        plan=f.PlanFactory(organization=cast.org, name="Team office", price=1800),
        start_date=today - timedelta(days=400),
        end_date=today - timedelta(days=35),
    )
    # Someone else's, and another company's: not theirs to see.
    f.MembershipFactory(
        member=cast.contact, plan=f.PlanFactory(organization=cast.org, name="Carla's plan")
    )
    f.MembershipFactory(
        member=None,
        company=cast.globex,
        organization=cast.org,
        plan=f.PlanFactory(organization=cast.org, name="Globex suite"),
    )
    client.force_login(cast.teammate.user)
    page = client.get(_home(cast)).content.decode()
    card = page[page.index('id="membership"') :]
    assert "Harbour" in card
    assert "Hot desk" in card and "Team office" in card and "1800" in card
    assert "Acme (your company)" in card
    assert "Carla&#x27;s plan" not in card and "Globex suite" not in card
    # Only the running one is marked active (R2.3's rule).
    assert re.search(r"Hot desk <span class=\"badge active\">", card)
    assert not re.search(r"Team office <span class=\"badge active\">", card)
    assert own.start_date.strftime("%Y") in card


def test_a_member_sees_their_companys_contact_and_billing_person(client, cast):
    """Named, with only the details each chose to show (R5.2)."""
    cast.contact.show_email = True
    cast.contact.save(update_fields=["show_email"])
    cast.billing.show_email = False
    cast.billing.save(update_fields=["show_email"])
    client.force_login(cast.teammate.user)
    page = client.get(_home(cast)).content.decode()
    people = page[page.index("Contact person") :]
    assert cast.contact.full_name in people and cast.contact.email in people
    assert cast.billing.full_name in people and cast.billing.email not in people
    assert cast.globex_contact.full_name not in page


def test_a_member_without_memberships_is_told_so(client, cast):
    client.force_login(cast.teammate.user)
    assert (
        "No membership or plan is recorded for you yet" in client.get(_home(cast)).content.decode()
    )


@pytest.mark.parametrize("rows", [1, 8])
def test_the_home_page_costs_the_same_queries_with_more_memberships(
    client, cast, rows, django_assert_max_num_queries, warm_caches
):
    for _ in range(rows):
        f.MembershipFactory(member=cast.teammate, plan=f.PlanFactory(organization=cast.org))
        f.MembershipFactory(
            member=None,
            company=cast.acme,
            organization=cast.org,
            plan=f.PlanFactory(organization=cast.org),
        )
    client.force_login(cast.teammate.user)
    client.get(_home(cast))
    with django_assert_max_num_queries(12):
        assert client.get(_home(cast)).status_code == 200


# -------------------------------------------------------------- My account


def test_my_account_offers_set_password_without_one_and_change_with_one(client, cast):
    user = cast.teammate.user
    client.force_login(user)
    page = client.get(_account(cast)).content.decode()
    back = "?next=" + _account(cast)
    assert f'href="{reverse("account_change_password")}{back}"' in page
    assert reverse("account_set_password") not in page
    assert f'href="{reverse("account_email")}{back}"' in page
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    page = client.get(_account(cast)).content.decode()
    assert f'href="{reverse("account_set_password")}{back}"' in page
    assert reverse("account_change_password") not in page


def test_setting_a_password_leads_back_to_my_account(client, cast):
    user = cast.teammate.user
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    url = reverse("account_set_password") + "?next=" + _account(cast)
    page = client.get(url).content.decode()
    assert f'<a href="{_account(cast)}">← Back to My account</a>' in page
    response = client.post(
        url, {"password1": "a fresh long phrase", "password2": "a fresh long phrase"}
    )
    assert response.status_code == 302 and response["Location"] == _account(cast)
    user.refresh_from_db()
    assert user.check_password("a fresh long phrase")
    page = client.get(_account(cast)).content.decode()
    assert reverse("account_change_password") in page


def test_changing_the_password_leads_back_to_my_account(client, cast):
    user = cast.teammate.user
    client.force_login(user)
    url = reverse("account_change_password") + "?next=" + _account(cast)
    response = client.post(
        url,
        {"oldpassword": PASSWORD, "password1": "another long phrase", "password2": "x"},
    )
    assert response.status_code == 200  # the mismatch, said at the field
    assert "has-error" in response.content.decode()
    response = client.post(
        url,
        {
            "oldpassword": PASSWORD,
            "password1": "another long phrase",
            "password2": "another long phrase",
        },
    )
    assert response.status_code == 302 and response["Location"] == _account(cast)
    user.refresh_from_db()
    assert user.check_password("another long phrase")


def test_a_foreign_next_is_not_offered_as_the_way_back(client, cast):
    client.force_login(cast.teammate.user)
    url = reverse("account_change_password") + "?next=https://evil.example/"
    page = client.get(url).content.decode()
    assert '<a href="https://evil.example/' not in page
    assert f'<a href="{reverse("home")}">← Back to your portal</a>' in page


def test_changing_the_login_email_takes_the_code_sent_to_the_new_address(client, cast):
    user = cast.teammate.user
    old = user.email
    client.force_login(user)
    page = client.get(reverse("account_email") + "?next=" + _account(cast)).content.decode()
    assert f'<a href="{_account(cast)}">← Back to My account</a>' in page
    mail.outbox.clear()
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "tess.new@example.test"}
    )
    assert response.status_code == 302
    # Not changed until the code mailed to the new address is typed.
    user.refresh_from_db()
    assert user.email == old
    message = next(m for m in mail.outbox if "tess.new@example.test" in m.to)
    code = re.search(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]+)*)\s*$", message.body, re.M).group(1)
    response = client.post(reverse("account_email_verification_sent"), {"code": code})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "tess.new@example.test"
    assert EmailAddress.objects.filter(
        user=user, email="tess.new@example.test", verified=True
    ).exists()
    page = client.get(_account(cast)).content.decode()
    assert "tess.new@example.test" in page


@pytest.mark.parametrize("persona", ["teammate", "contact"])
def test_my_account_costs_a_constant_number_of_queries(
    client, cast, persona, django_assert_max_num_queries, warm_caches
):
    client.force_login(getattr(cast, persona).user)
    client.get(_account(cast))
    with django_assert_max_num_queries(10):
        assert client.get(_account(cast)).status_code == 200
