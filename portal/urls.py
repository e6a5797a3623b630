from django.urls import path

from . import views, views_account, views_team

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("team/", views_team.team, name="team"),
    path("team/add/", views_team.team_add, name="team_add"),
    path("team/<int:pk>/status/", views_team.team_member_status, name="team_member_status"),
    path("team/<int:pk>/invite/", views_team.team_member_invite, name="team_member_invite"),
    # Personal data (R5)
    path("account/", views_account.account, name="account"),
    path("account/delete/", views_account.account_delete_view, name="account_delete"),
]
