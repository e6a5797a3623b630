"""Record which login has proven its address (issue 10, item 1).

Email verification becomes mandatory, and allauth's EmailAddress rows are
the record of a proven address. Until now nothing was verified, so each
login gets its row here, verified only where the person has demonstrably
proved control of the address:

- they have logged in (every way in mailed something to that address: the
  invitation link, a sign-in code, or a password they could only set once
  in), and
- the address was never switched on allauth's email page, which until now
  made any typed address the login's primary one without checking it. Such
  a switch left the row it made primary unverified (rows the page merely
  created for the login's own address are not primary), so it shows.

A login whose address was switched that way is not trusted with it: its
password is made unusable and its sessions end, so only someone who proves
the address (an emailed code, or an invitation link) gets in again. An
address verified by a link before, or already proven by another login, is
left as it is. Unverified rows for other addresses (changes never
confirmed) are deleted: they prove nothing, and allauth's login by code
would otherwise still find a login by them.
"""

import logging
from collections import defaultdict

from django.contrib.auth.hashers import make_password
from django.db import migrations

logger = logging.getLogger(__name__)


def prove_addresses(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    LoginSession = apps.get_model("accounts", "LoginSession")

    rows = defaultdict(list)
    for row in EmailAddress.objects.all().iterator():
        rows[row.user_id].append(row)
    proven_by = {row.email.lower(): row.user_id for r in rows.values() for row in r if row.verified}

    switched = []
    for user in User.objects.only("pk", "email", "last_login").iterator():
        email = user.email.strip().lower()
        mine = rows.get(user.pk, [])
        own = next((r for r in mine if r.email.lower() == email), None)
        touched = any(r.primary and not r.verified for r in mine)
        stale = [r.pk for r in mine if r.email.lower() != email and not r.verified]
        if stale:
            EmailAddress.objects.filter(pk__in=stale).delete()
        taken = proven_by.get(email, user.pk) != user.pk
        verified = bool(own and own.verified) or (
            user.last_login is not None and not touched and not taken
        )
        EmailAddress.objects.filter(user_id=user.pk, primary=True).exclude(email=email).update(
            primary=False
        )
        if own is None:
            EmailAddress.objects.create(user_id=user.pk, email=email, primary=True, verified=verified)
        else:
            EmailAddress.objects.filter(pk=own.pk).update(email=email, primary=True, verified=verified)
        if touched and not verified:
            switched.append(user.pk)

    if switched:
        for pk in switched:
            User.objects.filter(pk=pk).update(password=make_password(None))
        LoginSession.objects.filter(user_id__in=switched).delete()
        logger.warning(
            "%d logins had their address switched without verification: their passwords "
            "are now unusable and their sessions ended (ids: %s)",
            len(switched),
            ", ".join(map(str, switched)),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_login_session"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(prove_addresses, migrations.RunPython.noop)]
