from django.urls import path

from .views import (
    admins,
    approvals,
    attachments,
    companies,
    dashboard,
    directory,
    invitations,
    join_requests,
    locations,
    members,
    memberships,
    moves,
    notifications,
    plans,
    settings,
    timeline,
)

app_name = "adminportal"
urlpatterns = [
    # The landing page; the customers directory has its own names below.
    path("", dashboard.dashboard, name="home"),
    # The customers directory (R6.1): tabs, export, bulk actions.
    path("members/", directory.members_tab, {"tab": "members"}, name="members"),
    path("contacts/", directory.members_tab, {"tab": "contacts"}, name="contacts"),
    path("companies/", directory.companies_tab, name="companies"),
    path("users/", directory.users_tab, name="users"),
    path("members/export/", directory.members_export, {"tab": "members"}, name="members_export"),
    path("contacts/export/", directory.members_export, {"tab": "contacts"}, name="contacts_export"),
    path("members/bulk/", directory.members_bulk, {"tab": "members"}, name="members_bulk"),
    path("contacts/bulk/", directory.members_bulk, {"tab": "contacts"}, name="contacts_bulk"),
    path("members/<int:pk>/", members.member_detail, name="member"),
    path("companies/new/", companies.company_new, name="company_new"),
    path("companies/<int:pk>/", companies.company_detail, name="company"),
    path("companies/<int:pk>/edit/", companies.company_edit, name="company_edit"),
    path(
        "companies/<int:pk>/archive/",
        companies.company_archive_view,
        {"action": "archive"},
        name="company_archive",
    ),
    path(
        "companies/<int:pk>/restore/",
        companies.company_archive_view,
        {"action": "restore"},
        name="company_restore",
    ),
    path(
        "companies/<int:pk>/contacts/<int:member_pk>/locations/",
        companies.company_contact_link,
        name="company_contact_link",
    ),
    path("companies/<int:pk>/timeline/", timeline.company_timeline, name="company_timeline"),
    path("members/<int:pk>/timeline/", timeline.member_timeline, name="member_timeline"),
    # Team management (R2.1, R2.4, R2.7)
    path("members/<int:pk>/status/", members.member_status, name="member_status"),
    path(
        "companies/<int:pk>/members/add/",
        companies.company_add_member,
        name="company_add_member",
    ),
    path("companies/<int:pk>/roles/", companies.company_roles, name="company_roles"),
    path(
        "companies/<int:pk>/seats/<int:location_pk>/",
        companies.company_seats,
        name="company_seats",
    ),
    path(
        "companies/<int:pk>/members/pick/",
        companies.company_member_pick,
        name="company_member_pick",
    ),
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/read/", notifications.notifications_read, name="notifications_read"),
    path("notifications/<int:pk>/", notifications.notification_detail, name="notification"),
    path(
        "notifications/<int:pk>/confirm/",
        notifications.notification_confirm_view,
        name="notification_confirm",
    ),
    path(
        "notifications/<int:pk>/revert/",
        notifications.notification_revert_view,
        name="notification_revert",
    ),
    # Members added or activated by contact persons, awaiting approval (R8.2)
    path("approvals/", approvals.approvals, name="approvals"),
    path(
        "approvals/<int:pk>/<str:decision>/",
        approvals.approval_decide,
        name="approval_decide",
    ),
    path("settings/", settings.settings_page, name="settings"),
    path("settings/brand/", settings.brand_update, name="brand"),
    # Admins and their permissions per location (R1.2)
    path("admins/", admins.admins, name="admins"),
    path("admins/invite/", admins.admin_invite_view, name="admin_invite"),
    path("admins/<int:pk>/", admins.admin_detail, name="admin"),
    path("admins/<int:pk>/<str:action>/", admins.admin_role_action, name="admin_action"),
    # Invitations, portal access and personal data (R4, R5)
    path("invite/", invitations.invite, name="invite"),
    path("invite/many/", invitations.mass_invite_view, name="mass_invite"),
    path(
        "companies/<int:pk>/invite/",
        invitations.company_mass_invite,
        name="company_mass_invite",
    ),
    # Whole-team moves (issue 14, item 3)
    path(
        "companies/<int:pk>/locations/<int:location_pk>/move-out/",
        moves.company_move_out,
        name="company_move_out",
    ),
    path(
        "companies/<int:pk>/locations/<int:location_pk>/move-team/",
        moves.company_move_team,
        name="company_move_team",
    ),
    path("team-moves/<int:pk>/undo/", moves.team_move_undo, name="team_move_undo"),
    path("invitations/", invitations.invitations_list, name="invitations"),
    path("invitations/<int:pk>/", invitations.invitation_detail, name="invitation"),
    path("members/<int:pk>/invite/", invitations.member_invite_view, name="member_invite"),
    path(
        "members/<int:pk>/invitation/resend/",
        invitations.invitation_resend_view,
        name="invitation_resend",
    ),
    path(
        "members/<int:pk>/access/<str:action>/",
        members.member_access,
        name="member_access",
    ),
    path("members/<int:pk>/remove/", members.member_remove, name="member_remove"),
    path(
        "members/<int:pk>/transfer/",
        members.member_transfer_view,
        name="member_transfer",
    ),
    path("members/<int:pk>/edit/", members.member_edit, name="member_edit"),
    path(
        "members/<int:pk>/attachments/",
        attachments.attachment_upload,
        name="attachment_upload",
    ),
    path("attachments/<int:pk>/", attachments.attachment_download, name="attachment"),
    path(
        "attachments/<int:pk>/delete/",
        attachments.attachment_delete_view,
        name="attachment_delete",
    ),
    # Setting up the space (issue 13): locations, plans, memberships.
    path("settings/locations/", locations.locations, name="locations"),
    path("settings/locations/new/", locations.location_new, name="location_new"),
    path("settings/locations/<int:pk>/", locations.location_edit, name="location_edit"),
    path(
        "settings/locations/<int:pk>/archive/",
        locations.location_archive_view,
        name="location_archive",
    ),
    path("settings/plans/", plans.plans, name="plans"),
    path("settings/plans/new/", plans.plan_new, name="plan_new"),
    path("settings/plans/<int:pk>/", plans.plan_edit, name="plan_edit"),
    path("settings/plans/<int:pk>/archive/", plans.plan_archive_view, name="plan_archive"),
    path(
        "members/<int:pk>/memberships/new/",
        memberships.member_membership_new,
        name="member_membership_new",
    ),
    path(
        "companies/<int:pk>/memberships/new/",
        memberships.company_membership_new,
        name="company_membership_new",
    ),
    path("memberships/<int:pk>/", memberships.membership_edit, name="membership_edit"),
    path("memberships/<int:pk>/end/", memberships.membership_end_view, name="membership_end"),
    path("join-requests/", join_requests.join_requests, name="join_requests"),
    path(
        "join-requests/<int:pk>/<str:decision>/",
        join_requests.join_request_decide,
        name="join_request_decide",
    ),
]
