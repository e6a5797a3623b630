from django.urls import reverse


def test_admin_portal_lists_members_of_admins_locations(client, cast):
    client.force_login(cast.admin)
    response = client.get(reverse("adminportal:members", args=[cast.org.slug]))
    assert response.status_code == 200
    assert cast.contact.full_name in response.content.decode()


def test_member_portal_home(client, cast):
    client.force_login(cast.contact.user)
    response = client.get(reverse("portal:home", args=[cast.org.slug]))
    assert response.status_code == 200
    assert "Acme" in response.content.decode()
