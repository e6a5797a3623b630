from django.urls import path

from .views.join import join_location

app_name = "join"
urlpatterns = [
    path("<slug:location_slug>/", join_location, name="location"),
]
