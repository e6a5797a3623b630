from django.urls import path

from . import views

app_name = "integrations"
urlpatterns = [
    path("", views.connections, name="connections"),
    path("new/<slug:kind>/", views.connection_add, name="connection_add"),
    path("<int:pk>/", views.connection_edit, name="connection_edit"),
    path("<int:pk>/resync/", views.connection_resync, name="connection_resync"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry_view, name="delivery_retry"),
    path("members/<int:member_pk>/resync/", views.member_resync, name="member_resync"),
]
