"""What members see of each other (R5.2).

The organization sets defaults (``members_see_email``/``members_see_phone``);
each user may override them on their account page (``Member.show_email`` /
``show_phone``; None follows the default). Every page where members see one
another asks ``visible_contact``: the company's contact and billing person
on a member's portal home, and the team page.
"""

from .models import Member
from .photos import photo_url, teammate_sees_photo


def shows_email(member: Member) -> bool:
    if member.show_email is not None:
        return member.show_email
    return member.organization.members_see_email


def shows_phone(member: Member) -> bool:
    if member.show_phone is not None:
        return member.show_phone
    return member.organization.members_see_phone


def _manages(viewer: Member, member: Member) -> bool:
    return member.company is not None and member.company.holds_team_role(viewer)


def visible_contact(viewer_member: Member | None, member: Member, *, photo: bool = True) -> dict:
    """The contact details of ``member`` that ``viewer_member`` may see.

    Returns ``{"name", "email", "phone", "photo_url"}``; hidden values are "".
    Everyone sees their own. The company's contact person, billing person
    and managers see their teammates' email, which they need to manage the
    team; phone follows the member's choice for them too.
    ``member.organization`` and ``member.company`` should be fetched with
    select_related by the caller (a list otherwise costs a query a row).
    ``photo=False`` for a page that shows no photos: its address is a
    reversed URL, the most of what this costs a row.
    """
    own = viewer_member is not None and viewer_member.pk == member.pk
    same_org = viewer_member is not None and viewer_member.organization_id == member.organization_id
    manager = same_org and _manages(viewer_member, member)
    show_email = own or (same_org and (manager or shows_email(member)))
    show_phone = own or (same_org and shows_phone(member))
    # The same rule as serving the photo: no link that would not load.
    show_photo = photo and (own or teammate_sees_photo(viewer_member, member))
    return {
        "name": member.full_name,
        "email": member.email if show_email else "",
        "phone": member.phone if show_phone else "",
        "photo_url": photo_url(member) if show_photo else "",
    }
