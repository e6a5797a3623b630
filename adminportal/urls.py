from django.urls import path

from . import views, views_invitations, views_settings, views_team

app_name = "adminportal"
urlpatterns = [
    path("", views.members_list, name="home"),
    path("members/<int:pk>/", views.member_detail, name="member"),
    path("companies/", views.companies_list, name="companies"),
    path("companies/<int:pk>/", views.company_detail, name="company"),
    # Team management (R2.1, R2.4, R2.7)
    path("members/<int:pk>/status/", views_team.member_status, name="member_status"),
    path(
        "companies/<int:pk>/members/add/",
        views_team.company_add_member,
        name="company_add_member",
    ),
    path("companies/<int:pk>/roles/", views_team.company_roles, name="company_roles"),
    path("notifications/", views_team.notifications, name="notifications"),
    path("notifications/read/", views_team.notifications_read, name="notifications_read"),
    path("notifications/<int:pk>/", views_team.notification_detail, name="notification"),
    path(
        "notifications/<int:pk>/confirm/",
        views_team.notification_confirm_view,
        name="notification_confirm",
    ),
    path(
        "notifications/<int:pk>/revert/",
        views_team.notification_revert_view,
        name="notification_revert",
    ),
    path("settings/", views_settings.settings_page, name="settings"),
    # Invitations, portal access and personal data (R4, R5)
    path("invite/", views_invitations.invite, name="invite"),
    path("invite/many/", views_invitations.mass_invite_view, name="mass_invite"),
    path(
        "companies/<int:pk>/invite/",
        views_invitations.company_mass_invite,
        name="company_mass_invite",
    ),
    path("invitations/", views_invitations.invitations_list, name="invitations"),
    path("invitations/<int:pk>/", views_invitations.invitation_detail, name="invitation"),
    path("members/<int:pk>/invite/", views_invitations.member_invite_view, name="member_invite"),
    path(
        "members/<int:pk>/invitation/resend/",
        views_invitations.invitation_resend_view,
        name="invitation_resend",
    ),
    path(
        "members/<int:pk>/access/<str:action>/",
        views_invitations.member_access,
        name="member_access",
    ),
    path("members/<int:pk>/remove/", views_invitations.member_remove, name="member_remove"),
    path(
        "members/<int:pk>/transfer/",
        views_invitations.member_transfer_view,
        name="member_transfer",
    ),
    path("members/<int:pk>/edit/", views_invitations.member_edit, name="member_edit"),
    path(
        "members/<int:pk>/attachments/",
        views_invitations.attachment_upload,
        name="attachment_upload",
    ),
    path("attachments/<int:pk>/", views_invitations.attachment_download, name="attachment"),
    path(
        "attachments/<int:pk>/delete/",
        views_invitations.attachment_delete_view,
        name="attachment_delete",
    ),
    path("join-requests/", views_invitations.join_requests, name="join_requests"),
    path(
        "join-requests/<int:pk>/<str:decision>/",
        views_invitations.join_request_decide,
        name="join_request_decide",
    ),
]
