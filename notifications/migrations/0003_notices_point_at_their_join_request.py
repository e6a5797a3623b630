# Notices of a request to join had no link to it; erasure found them by
# their wording. Link the existing ones once, by the same match (the
# request's words, its location, within 5 s of it), so erasure can go by id.

from datetime import timedelta

from django.db import migrations

SAME_MOMENT = timedelta(seconds=5)


def link(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    JoinRequest = apps.get_model("members", "JoinRequest")
    for request in JoinRequest.objects.select_related("location").iterator():
        name = f"{request.first_name} {request.last_name}".strip()
        Notification.objects.filter(
            kind="join_request",
            join_request__isnull=True,
            location_id=request.location_id,
            message=f"{name} asked to join {request.location.name}.",
            created_at__range=(request.created_at - SAME_MOMENT, request.created_at + SAME_MOMENT),
        ).update(join_request=request)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_notification_join_request")]

    operations = [migrations.RunPython(link, migrations.RunPython.noop)]
