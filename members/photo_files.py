"""A member's photo on disk (R5.1, R5.3): checked and re-encoded by
uploads/images.py (header read before decoding, metadata dropped), stored
at most STORED_SIDE pixels a side, and never left behind.

- Each member record keeps its photos in its own folder,
  ``member-photos/<member id>/``. Replacing or removing a photo, and
  deleting the account, empty that folder after the transaction commits,
  by listing it: a file an earlier crash or rollback left there goes too.
  Photos from before these folders are handled by the
  ``tidy_member_photos`` command.
"""

import posixpath
import secrets
from datetime import timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from uploads.images import PreparedImage, prepare_image

from .models import Member

#: Photos are shown at most a few hundred pixels wide.
STORED_SIDE = 1024
#: A file no record names yet may be an upload whose transaction has not
#: committed: the tidy-up leaves files younger than this.
ORPHAN_GRACE = timedelta(hours=1)


def _field():
    return Member._meta.get_field("photo")


def _storage():
    return _field().storage


def photo_folder(member_id: int) -> str:
    return posixpath.join(str(_field().upload_to).rstrip("/"), str(member_id))


def prepare_photo(upload) -> PreparedImage:
    """Check ``upload`` (an UploadedFile) and re-encode it; ValidationError
    with a message for the person otherwise."""
    return prepare_image(upload, side=STORED_SIDE, what="photo")


def store_photo(member: Member, photo: PreparedImage) -> None:
    """Put ``photo`` in ``member``'s folder as their photo (the caller saves
    the member). A new random name each time: the photo's URL changes with it."""
    name = f"{member.pk}/{secrets.token_urlsafe(12)}.{photo.extension}"
    member.photo.save(name, ContentFile(photo.content), save=False)


def delete_photos(member_id: int, *, previous: str = "") -> None:
    """Delete every file in the member's folder, and ``previous`` (their
    photo before this change, maybe stored before folders existed), except
    what a member record names now. Run after commit: reading the records
    then, not when the change was made, keeps this right whichever of two
    quick changes commits last."""
    storage = _storage()
    folder = photo_folder(member_id)
    try:
        _, files = storage.listdir(folder)
    except FileNotFoundError:
        files = []
    names = {posixpath.join(folder, file) for file in files} | {previous} - {""}
    # One storage for every organization: a record anywhere keeps its file,
    # whichever organization's request this runs after.
    members = Member.objects.with_scopes_disabled()
    named = set(members.filter(photo__in=names).values_list("photo", flat=True))
    for name in sorted(names - named):
        storage.delete(name)


# ------------------------------------------------ photos from before folders


@transaction.atomic
def member_photo_refile(*, member: Member) -> str:
    """Move a photo stored before folders and re-encoding into the member's
    folder, re-encoded like a new upload. One the checks refuse (a bomb, a
    file that does not decode) is removed from the record. Returns what was
    done: "refiled", "removed" or "" (nothing to do)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    previous = member.photo.name
    if not previous or previous.startswith(photo_folder(member.pk) + "/"):
        return ""
    try:
        with _storage().open(previous, "rb") as stored:
            prepared = prepare_photo(stored)
    except (ValidationError, OSError):
        member.photo = ""
        outcome = "removed"
    else:
        store_photo(member, prepared)
        outcome = "refiled"
    member.save(update_fields=["photo", "updated_at"])
    transaction.on_commit(partial(delete_photos, member.pk, previous=previous))
    return outcome


def orphaned_photos() -> list[str]:
    """Files under the photo folder that no member record names and that
    are older than ORPHAN_GRACE: earlier photos of people, left behind."""
    storage = _storage()
    root = str(_field().upload_to).rstrip("/")
    files = list(_walk(storage, root))
    members = Member.objects.with_scopes_disabled()  # every organization's, as above
    named = set(members.filter(photo__in=files).values_list("photo", flat=True))
    cutoff = timezone.now() - ORPHAN_GRACE
    return [name for name in files if name not in named and _modified(storage, name) < cutoff]


def _walk(storage, folder: str):
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for file in files:
        yield posixpath.join(folder, file)
    for sub in folders:
        yield from _walk(storage, posixpath.join(folder, sub))


def _modified(storage, name: str):
    try:
        return storage.get_modified_time(name)
    except NotImplementedError:  # a storage that cannot say: treat as new, keep it
        return timezone.now()
