from django.urls import path

from . import views

app_name = "adminportal"
urlpatterns = [
    path("", views.members_list, name="home"),
    path("members/<int:pk>/", views.member_detail, name="member"),
    path("companies/", views.companies_list, name="companies"),
    path("companies/<int:pk>/", views.company_detail, name="company"),
]
