"""Which address a login has proven, and which login stands for an address
(issue 10, item 1).

allauth's EmailAddress rows are the record. A verified row means the person
typed a code mailed to that address (a login by code, an address change),
or used an invitation link sent to it. With verification mandatory
(config/settings/base.py), a login whose address is not verified cannot be
used at all until someone types a code mailed to that address: so such a
login stands for "whoever proves this address", and handing it what is
addressed there gives nothing to anyone who has not.

What must never happen is the old way in: a login that merely carries an
address someone typed (allauth's email page before verification was
switched on) being given what is addressed there. That page now changes the
address only once it is proven, and the data migration (accounts 0004) took
the password and sessions of logins whose address was switched that way.
"""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy

ADDRESS_TAKEN = gettext_lazy(
    "This address belongs to another login. If it is yours, log in with it instead "
    "(ask for a sign-in code by email); support can help if you need the two joined."
)


def normalized(email: str) -> str:
    return (email or "").strip().lower()


def verified_emails(user) -> set[str]:
    """The addresses ``user`` has proven, lower-cased."""
    if user is None or user.pk is None:
        return set()
    return {
        e.lower()
        for e in EmailAddress.objects.filter(user_id=user.pk, verified=True).values_list(
            "email", flat=True
        )
    }


def login_for_address(email: str):
    """The login that stands for ``email``, or None.

    The login that proved it, if one did; else the login created with it
    (by an invitation, a join request or support) that nobody has proven
    yet, which only someone who proves the address can ever use.
    """
    email = normalized(email)
    if not email:
        return None
    proven = EmailAddress.objects.filter(email=email, verified=True).select_related("user").first()
    if proven is not None:
        return proven.user
    return get_user_model().objects.filter(email__iexact=email).first()


def address_record(user) -> EmailAddress:
    """The row for the address ``user`` was created with: primary, and
    unverified until the person proves it. Without it allauth's login by
    code could not mark the address proven."""
    address, _ = EmailAddress.objects.get_or_create(
        user=user, email=normalized(user.email), defaults={"primary": True, "verified": False}
    )
    return address


def mark_proven(user, email: str) -> bool:
    """Record that the person using ``user`` just proved ``email`` (they used
    a link mailed to it). Only the login's own address is recorded: allauth
    keeps one address per login (ACCOUNT_CHANGE_EMAIL). False if another
    login proved it first."""
    email = normalized(email)
    if email != normalized(user.email):
        return False
    if EmailAddress.objects.filter(email=email, verified=True).exclude(user_id=user.pk).exists():
        return False
    address = address_record(user)
    if not address.verified or not address.primary:
        EmailAddress.objects.filter(user_id=user.pk, primary=True).exclude(pk=address.pk).update(
            primary=False
        )
        address.verified = address.primary = True
        address.save(update_fields=["verified", "primary"])
    return True


def held_by_another_login(email: str, user) -> bool:
    """Whether a login other than ``user`` has ``email`` as its address or
    has proven it: it cannot become ``user``'s (one address, one login)."""
    email = normalized(email)
    users = get_user_model().objects.filter(email__iexact=email).exclude(pk=user.pk)
    proven = EmailAddress.objects.filter(email=email, verified=True).exclude(user_id=user.pk)
    return users.exists() or proven.exists()
