from django.urls import path

from .views import account, home, team

app_name = "portal"
urlpatterns = [
    path("", home.home, name="home"),
    path("team/", team.team, name="team"),
    path("team/add/", team.team_add, name="team_add"),
    path("team/<int:pk>/status/", team.team_member_status, name="team_member_status"),
    path("team/<int:pk>/history/", team.team_member_history_view, name="team_member_history"),
    path("team/<int:pk>/invite/", team.team_member_invite, name="team_member_invite"),
    path("team/<int:pk>/locations/", team.team_member_link, name="team_member_link"),
    # Personal data (R5)
    path("account/", account.account, name="account"),
    path("account/delete/", account.account_delete_view, name="account_delete"),
]
