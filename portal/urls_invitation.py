from django.urls import path

from .invitation_link import invitation_accept_view

urlpatterns = [
    path("<str:token>/", invitation_accept_view, name="invitation_accept"),
]
