"""Personal data and who edits it (R5.1–R5.3).

Once a login is linked, name, phone and photo belong to that person: they
edit them in the member portal; admins see them read-only and keep billing
details, notes, attachments and memberships. A person may delete their
account: the login and personal data go, the member record stays as
"Deleted user" with its billing and memberships.
"""

import re
from datetime import timedelta
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.sessions import end_sessions
from adminportal.models import Notification
from adminportal.notifications import notify_location_admins
from companies.team_access import sync_team_access
from integrations.outbox import MemberEvent, erase_personal_data_from_events, record_member_event

from .models import Attachment, Invitation, JoinRequest, Member, PortalAccess
from .photo_files import delete_photos, prepare_photo, store_photo
from .policy import read_only_refusal
from .uploads import check_upload

PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone")
ADMIN_FIELDS = ("billing_name", "billing_address", "tax_id", "internal_notes")
DELETED_NAME = "Deleted user"
SAME_MOMENT = timedelta(seconds=5)


@transaction.atomic
def member_update_details(*, member: Member, actor, **changes) -> Member:
    """An admin edits a member record.

    Personal fields may change only while no login is linked; after that
    an attempt to change them is refused (PermissionDenied), not ignored,
    so the admin learns why. A deactivated record is read-only.
    """
    unknown = set(changes) - set(PERSONAL_FIELDS) - set(ADMIN_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    member = Member.objects.select_for_update().get(pk=member.pk)
    refusal = read_only_refusal(member)
    if refusal:
        raise PermissionDenied(refusal)
    changed = [f for f, value in changes.items() if getattr(member, f) != value]
    personal = [f for f in changed if f in PERSONAL_FIELDS]
    if personal and member.account_deleted_at is not None:
        raise PermissionDenied(
            "This person deleted their account; their personal details stay erased (R5.3)."
        )
    if personal and member.personal_data_locked:
        raise PermissionDenied(
            f"{member.full_name} manages their own name, email and phone in the member "
            "portal; ask them to change it there."
        )
    if "email" in personal:
        email = changes["email"].strip().lower()
        changes["email"] = email
        if (
            email
            and Member.objects.filter(organization_id=member.organization_id, email__iexact=email)
            .exclude(pk=member.pk)
            .exists()
        ):
            raise ValidationError({"email": "A member with this email already exists."})
        if member.portal_access == PortalAccess.PENDING:
            raise ValidationError(
                {
                    "email": "This person has a pending invitation to the old address. "
                    "Remove them and invite the right address instead."
                }
            )
    if not changed:
        return member
    for field in changed:
        setattr(member, field, changes[field])
    member.save(update_fields=[*changed, "updated_at"])
    if personal:
        record_member_event(member=member, event=MemberEvent.UPDATED)
    return member


@transaction.atomic
# Every organization's record of the login, though asked from one portal.
@scopes_disabled()
def profile_update(
    *,
    user,
    first_name: str,
    last_name: str = "",
    phone: str = "",
    photo=None,
    remove_photo: bool = False,
) -> list[Member]:
    """The person edits their own name, phone and photo (R5.1).

    One person, one name: every member record linked to the login takes
    the change (a login may be a member in several organizations).
    """
    if not first_name.strip():
        raise ValidationError({"first_name": "Your first name cannot be empty."})
    prepared = None
    if photo is not None:
        try:
            prepared = prepare_photo(photo)
        except ValidationError as invalid:
            raise ValidationError({"photo": invalid.messages}) from invalid
    members = list(Member.objects.select_for_update().filter(user=user))
    for member in members:
        member.first_name = first_name.strip()
        member.last_name = last_name.strip()
        member.phone = phone.strip()
        previous = member.photo.name
        if prepared is not None:
            store_photo(member, prepared)
        elif remove_photo:
            member.photo = ""
        member.save(update_fields=["first_name", "last_name", "phone", "photo", "updated_at"])
        record_member_event(member=member, event=MemberEvent.UPDATED)
        if member.photo.name != previous:
            # Once committed; a rollback keeps the old photo, and the folder's
            # leftovers go with the next change.
            transaction.on_commit(partial(delete_photos, member.pk, previous=previous))
    return members


@transaction.atomic
def privacy_update(*, member: Member, show_email: bool | None, show_phone: bool | None) -> Member:
    """The person's own privacy choice; None follows the organization (R5.2)."""
    member.show_email = show_email
    member.show_phone = show_phone
    member.save(update_fields=["show_email", "show_phone", "updated_at"])
    return member


@transaction.atomic
def attachment_add(*, member: Member, actor, upload) -> Attachment:
    """Keep a file on the member's record (pdf, png, jpg up to 10 MB)."""
    refusal = read_only_refusal(member)
    if refusal:
        raise PermissionDenied(refusal)
    content_type = check_upload(upload)
    return Attachment.objects.create(
        organization_id=member.organization_id,
        member=member,
        file=upload,
        name=upload.name[:255],
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )


@transaction.atomic
def attachment_delete(*, attachment: Attachment, actor) -> None:
    refusal = read_only_refusal(attachment.member)
    if refusal:
        raise PermissionDenied(refusal)
    attachment.file.delete(save=False)
    attachment.delete()


def _erase_name_from_notifications(member: Member, user) -> int:
    """Admin notices about the person, or by them as a contact person, name
    them; their name and email are part of what they asked us to erase.
    The notices stay (the change they record happened), as "Deleted user".
    Only notices tied to this person are rewritten, never a namesake's."""
    related = Q(member=member) | Q(actor=user)
    for request in JoinRequest.objects.filter(member=member).select_related("location"):
        # The notice has no link to its request: it was written in the same
        # transaction, so its time and text single it out from a namesake's.
        related |= Q(
            kind=Notification.Kind.JOIN_REQUEST,
            location_id=request.location_id,
            message=f"{request.full_name} asked to join {request.location.name}.",
            created_at__range=(request.created_at - SAME_MOMENT, request.created_at + SAME_MOMENT),
        )
    notices = Notification.objects.filter(related, organization_id=member.organization_id)
    texts = {member.full_name, member.email, user.email} - {""}
    if not texts:
        return 0
    # Whole words only: a short name ("Al") must not be cut out of "Almere" or
    # "totally". Longest first, so a full name goes before an email it might
    # contain; one pass, so "Deleted user" itself is never rewritten.
    alternatives = "|".join(re.escape(text) for text in sorted(texts, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
    changed = []
    for notice in notices.only("pk", "message"):
        message = pattern.sub(DELETED_NAME, notice.message)
        if message != notice.message:
            notice.message = message
            changed.append(notice)
    Notification.objects.bulk_update(changed, ["message"])
    return len(changed)


@transaction.atomic
# The login's records in every organization, though asked from one portal.
@scopes_disabled()
def account_delete(*, user) -> list[Member]:
    """The person deletes their account (R5.3).

    The login goes, and with it every personal field on each member record
    it was linked to; the records stay as "Deleted user" with billing,
    notes, attachments and memberships, and each location's admins are told.
    """
    members = list(
        Member.objects.select_for_update(of=("self",))
        .filter(user=user)
        .select_related("location", "company")
    )
    now = timezone.now()
    for member in members:
        # The notice names the record, not the person: their name is part of
        # what they asked us to erase.
        of_company = f" of {member.company.name}" if member.company else ""
        _erase_name_from_notifications(member, user)
        # Every photo the person ever had here, not only the current one.
        transaction.on_commit(partial(delete_photos, member.pk, previous=member.photo.name))
        member.first_name = DELETED_NAME
        member.last_name = ""
        member.email = ""
        member.phone = ""
        member.photo = ""
        member.show_email = None
        member.show_phone = None
        member.user = None
        member.portal_access = PortalAccess.NONE
        member.account_deleted_at = now
        member.save()
        Invitation.objects.filter(member=member, used_at__isnull=True).update(revoked_at=now)
        # The request that brought them in held the same details.
        JoinRequest.objects.filter(member=member).update(
            first_name=DELETED_NAME, last_name="", email="", phone="", company_name="", message=""
        )
        erase_personal_data_from_events(member.pk)
        record_member_event(member=member, event=MemberEvent.REMOVED)
        if member.company_id is not None:
            sync_team_access(member.company_id)
        notify_location_admins(
            location=member.location,
            kind=Notification.Kind.ACCOUNT_DELETED,
            message=(
                f"Member #{member.pk}{of_company} deleted their account. The record stays as "
                f"“{DELETED_NAME}”: review their memberships and billing."
            ),
            member=member,
        )
    user_id = user.pk  # sessions keep the id after the login is gone
    transaction.on_commit(lambda: end_sessions(user_id))
    user.delete()
    return members
