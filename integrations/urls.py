from django.urls import path

from .views import connections, deliveries

app_name = "integrations"
urlpatterns = [
    path("", connections.connections, name="connections"),
    path("new/<slug:kind>/", connections.connection_add, name="connection_add"),
    path("<int:pk>/", connections.connection_edit, name="connection_edit"),
    path("<int:pk>/resync/", connections.connection_resync, name="connection_resync"),
    path("deliveries/", deliveries.deliveries, name="deliveries"),
    path("deliveries/<int:pk>/retry/", deliveries.delivery_retry_view, name="delivery_retry"),
    path("members/<int:member_pk>/resync/", connections.member_resync, name="member_resync"),
]
