"""Admin roles whose person's member record was deactivated or removed
before suspending the role came in (0003): suspend them now, as
members/access.py would have. Matched by the record's linked login, or the
record the role was invited with, in the same organization; never by email.

Deactivated: portal access "deactivated". Removed: what
member_remove_from_location leaves, status Former with portal access "none"
and, as the record's latest status change, a change to Former made by an
admin or through the API (the automatic Former, via "system", leaves roles
alone).
"""

from django.db import migrations
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone


def suspend(apps, schema_editor):
    OrganizationAdmin = apps.get_model("organizations", "OrganizationAdmin")
    Member = apps.get_model("members", "Member")
    StatusChange = apps.get_model("members", "StatusChange")
    latest = StatusChange.objects.filter(member_id=OuterRef("pk")).order_by("-created_at", "-id")
    shut = (
        Member.objects.annotate(
            last_to=Subquery(latest.values("to_status")[:1]),
            last_via=Subquery(latest.values("via")[:1]),
        )
        .filter(
            Q(portal_access="deactivated")
            | Q(
                status="former",
                portal_access="none",
                last_to="former",
                last_via__in=["admin", "api"],
            )
        )
        .filter(organization_id=OuterRef("organization_id"))
        .filter(Q(user_id=OuterRef("user_id")) | Q(pk=OuterRef("invited_member_id")))
    )
    OrganizationAdmin.objects.filter(suspended_at=None).filter(Exists(shut)).update(
        suspended_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0007_invitation_next_attempt_at"),
        ("organizations", "0004_organizationadmin_invited_member"),
    ]

    operations = [
        migrations.RunPython(suspend, migrations.RunPython.noop),
    ]
