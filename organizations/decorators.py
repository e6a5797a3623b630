from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from .permissions import admin_role


def admin_portal_view(view):
    """Admin portal pages: logged in, and an admin of the URL's organization.

    Anyone else gets a 404, so the page does not confirm the organization
    has an admin portal worth probing. Sets ``request.admin_role``.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        request.admin_role = admin_role(request.user, request.organization)
        if request.admin_role is None:
            raise Http404("Not an admin of this organization.")
        return view(request, *args, **kwargs)

    return wrapper
