"""Personal data and who edits it (R5.1–R5.3).

Once a login is linked, name, phone and photo belong to that person: they
edit them in the member portal; admins see them read-only and keep billing
details, notes, attachments and memberships. A person may delete their
account: the login and personal data go, the member record stays as
"Deleted user" with its billing and memberships.
"""

from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from accounts.sessions import end_sessions
from audit import log
from audit.erasure import erase_actor_from_log, erase_member_from_log, erasing
from audit.models import Verb, Via
from members.models import (
    Attachment,
    Invitation,
    JoinRequest,
    Member,
    PortalAccess,
    StatusRequest,
)
from members.photo_files import delete_photos, prepare_photo, store_photo
from members.policy import DELETED_NAME, EMAIL_TAKEN, members_with_email, read_only_refusal
from uploads.checks import check_upload

PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone")
ADMIN_FIELDS = ("billing_name", "billing_address", "tax_id", "internal_notes")


@transaction.atomic
def member_update_details(*, member: Member, actor, via: str = Via.ADMIN, **changes) -> Member:
    """An admin edits a member record.

    Personal fields may change only while no login is linked; after that
    an attempt to change them is refused (PermissionDenied), not ignored,
    so the admin learns why. A deactivated record is read-only.
    """
    unknown = set(changes) - set(PERSONAL_FIELDS) - set(ADMIN_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(join)s.") % {"join": ", ".join(sorted(unknown))})
    member = Member.objects.select_for_update().get(pk=member.pk)
    refusal = read_only_refusal(member)
    if refusal:
        raise PermissionDenied(refusal)
    changed = [f for f, value in changes.items() if getattr(member, f) != value]
    personal = [f for f in changed if f in PERSONAL_FIELDS]
    if personal and member.account_deleted_at is not None:
        raise PermissionDenied(
            _("This person deleted their account; their personal details stay erased (R5.3).")
        )
    if personal and member.personal_data_locked:
        raise PermissionDenied(
            _(
                "%(full_name)s manages their own name, email and phone in the"
                " member portal; ask them to change it there."
            )
            % {"full_name": member.full_name}
        )
    if "email" in personal:
        email = changes["email"].strip().lower()
        changes["email"] = email
        if email and members_with_email(member.organization_id, email, exclude=member).exists():
            raise ValidationError({"email": EMAIL_TAKEN})
        if member.portal_access == PortalAccess.PENDING:
            raise ValidationError(
                {
                    "email": _(
                        "This person has a pending invitation to the old address. "
                        "Remove them and invite the right address instead."
                    )
                }
            )
    if not changed:
        return member
    before = {field: getattr(member, field) for field in changed}
    for field in changed:
        setattr(member, field, changes[field])
    member.save(update_fields=[*changed, "updated_at"])
    # Only personal fields reach the connected systems (R3.2): billing and
    # notes are the operator's own.
    log.record(
        verb=Verb.MEMBER_UPDATED if personal else Verb.MEMBER_ADMIN_DETAILS_CHANGED,
        via=via,
        actor=actor,
        subject=member,
        before=before,
        after={field: changes[field] for field in changed},
    )
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
        raise ValidationError({"first_name": _("Your first name cannot be empty.")})
    prepared = None
    if photo is not None:
        try:
            prepared = prepare_photo(photo)
        except ValidationError as invalid:
            raise ValidationError({"photo": invalid.messages}) from invalid
    members = list(Member.objects.select_for_update().filter(user=user))
    for member in members:
        previous = member.photo.name
        if prepared is not None:
            store_photo(member, prepared)
        elif remove_photo:
            member.photo = ""
        before = {"first_name": member.first_name, "last_name": member.last_name}
        before["phone"] = member.phone
        member.first_name = first_name.strip()
        member.last_name = last_name.strip()
        member.phone = phone.strip()
        member.save(update_fields=["first_name", "last_name", "phone", "photo", "updated_at"])
        log.record(
            verb=Verb.MEMBER_UPDATED,
            via=Via.PORTAL,
            actor=user,
            subject=member,
            before=before,
            after={"first_name": member.first_name, "last_name": member.last_name}
            | {"phone": member.phone, "photo_changed": member.photo.name != previous},
        )
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
    before = {"show_email": member.show_email, "show_phone": member.show_phone}
    member.save(update_fields=["show_email", "show_phone", "updated_at"])
    log.record(
        verb=Verb.MEMBER_PRIVACY_CHANGED,
        via=Via.PORTAL,
        actor=member.user,
        subject=member,
        before=before,
        after={"show_email": show_email, "show_phone": show_phone},
    )
    return member


@transaction.atomic
def language_update(*, member: Member, language: str):
    """The person's own language, chosen from ``member``'s account page.
    It is the login's (every organization's portal and every email to
    them); blank follows each organization's default. Logged on that
    member record, where the person made the choice."""
    user = member.user
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    if user.language == language:
        return user
    before = {"language": user.language}
    user.language = language
    user.save(update_fields=["language", "updated_at"])
    log.record(
        verb=Verb.LANGUAGE_CHANGED,
        via=Via.PORTAL,
        actor=user,
        subject=member,
        before=before,
        after={"language": language},
    )
    return user


@transaction.atomic
def attachment_add(*, member: Member, actor, upload) -> Attachment:
    """Keep a file on the member's record (pdf, png, jpg up to 10 MB)."""
    refusal = read_only_refusal(member)
    if refusal:
        raise PermissionDenied(refusal)
    content_type = check_upload(upload)
    attachment = Attachment.objects.create(
        organization_id=member.organization_id,
        member=member,
        file=upload,
        name=upload.name[:255],
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    log.record(
        verb=Verb.ATTACHMENT_ADDED,
        via=Via.ADMIN,
        actor=actor,
        subject=attachment,
        member=member,
        after={"name": attachment.name, "size": attachment.size},
    )
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: Attachment, actor) -> None:
    refusal = read_only_refusal(attachment.member)
    if refusal:
        raise PermissionDenied(refusal)
    log.record(
        verb=Verb.ATTACHMENT_DELETED,
        via=Via.ADMIN,
        actor=actor,
        subject=attachment,
        member=attachment.member,
        before={"name": attachment.name, "size": attachment.size},
    )
    attachment.file.delete(save=False)
    attachment.delete()


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
        # Every copy of what the person told us (notices, events sent to the
        # connected systems, the audit log) is blanked while the names to
        # look for are still on the record.
        erasing.send(sender=Member, member=member, user=user)
        erase_member_from_log(member.pk)
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
        # What a contact person or an admin wrote about them when asking
        # for their approval, or deciding it (R8.2).
        StatusRequest.objects.filter(member=member).update(reason="", decision_reason="")
        # The connected systems remove the person, the admins are told and
        # team access follows (audit reactions).
        log.record(
            verb=Verb.MEMBER_ERASED,
            via=Via.PORTAL,
            actor=None,
            subject=member,
            before={"company_id": member.company_id},
        )
    erase_actor_from_log(user.pk)
    user_id = user.pk  # sessions keep the id after the login is gone
    transaction.on_commit(lambda: end_sessions(user_id))
    user.delete()
    return members
