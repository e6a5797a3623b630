"""Bring photos stored before per-member folders in line (run once after
upgrading; safe to run again at any time).

Until photos had a folder per member, a replaced or erased photo stayed in
member-photos/ with nothing pointing at it, and photos were stored as
uploaded (full size, with their EXIF location). This re-encodes each
member's loose photo into their folder (or removes one the checks refuse,
e.g. a decompression bomb), then deletes every file no member names.
"""

from django.core.management.base import BaseCommand
from django_scopes import scopes_disabled

from members.models import Member
from members.photo_files import member_photo_refile, orphaned_photos


class Command(BaseCommand):
    help = "Re-encode photos stored before per-member folders; delete photos nobody names."

    # Every organization's members: a maintenance run, outside any tenant.
    @scopes_disabled()
    def handle(self, *args, **options):
        outcomes = {"refiled": 0, "removed": 0}
        for member in Member.objects.exclude(photo="").only("pk", "photo").iterator():
            outcome = member_photo_refile(member=member)
            if outcome:
                outcomes[outcome] += 1
            if outcome == "removed":
                self.stdout.write(f"Member #{member.pk}: photo could not be used; removed.")
        orphans = orphaned_photos()
        storage = Member._meta.get_field("photo").storage
        for name in orphans:
            storage.delete(name)
        self.stdout.write(
            f"Re-encoded {outcomes['refiled']} photos into their members' folders, removed "
            f"{outcomes['removed']} that could not be used, deleted {len(orphans)} files "
            "no member named."
        )
