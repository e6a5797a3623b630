from django.contrib import admin
from django.urls import include, path

from portal.invitation_link import invitation_accept_waiting, invitations_waiting
from portal.landing import home
from portal.views.logo import organization_logo
from portal.views.photos import member_photo

# Error pages with a way back and the request id (config/errors.py).
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
# Not Django's: allauth answers its rate limits with ROOT_URLCONF.handler429.
handler429 = "config.errors.too_many_requests"

urlpatterns = [
    path("", home, name="home"),
    # Pending invitations addressed to the logged-in person (issue 10).
    path("accounts/invitations/", invitations_waiting, name="invitations_waiting"),
    path(
        "accounts/invitations/<int:pk>/accept/",
        invitation_accept_waiting,
        name="invitation_accept_waiting",
    ),
    path("accounts/", include("allauth.urls")),
    path("support/", admin.site.urls),
    path("o/<slug:org_slug>/portal/", include("portal.urls")),
    path("o/<slug:org_slug>/admin/integrations/", include("integrations.urls")),
    path("o/<slug:org_slug>/admin/", include("adminportal.urls")),
    # Invitations and requests to join (R4.2, R4.5): no login needed.
    path("invitation/", include("portal.urls_invitation")),
    path("o/<slug:org_slug>/join/", include("portal.urls_join")),
    # Photos are personal data: served through a login check, never from a
    # public MEDIA_URL (nothing serves MEDIA_ROOT).
    path("o/<slug:org_slug>/photos/<int:pk>/", member_photo, name="member_photo"),
    # The operator's logo is public: emails show it to mail clients.
    path("o/<slug:org_slug>/logo/<str:name>", organization_logo, name="organization_logo"),
]
