"""The one place the integration pipeline tells an organization's admins
something. Notifications live in the admin portal today and are moving to an
app of their own: re-point these two imports then, nothing else."""

from adminportal.models import Notification
from adminportal.notifications import notify_location_admins
from organizations.models import Location
from organizations.permissions import MANAGE_SETTINGS


def tell_admins_connection_off(*, organization_id: int, message: str) -> None:
    """Notify (in-app and by email) the admins who can switch it on again.

    Connections are organization-wide, so acting on one needs the settings
    permission at every location: whoever may do it holds that permission at
    the first location too, and the notice goes to them (and the owners)."""
    location = Location.objects.filter(organization_id=organization_id).order_by("pk").first()
    if location is None:
        return
    notify_location_admins(
        location=location,
        kind=Notification.Kind.CONNECTION_OFF,
        message=message,
        perm=MANAGE_SETTINGS,
    )
