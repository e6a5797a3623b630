"""Both team tables are written out in Python (portal/team_rows.py,
adminportal/templatetags/company_tags.py), past the template engine's
autoescaping: whatever a member's name holds is shown as text, and another
company's members never appear."""

from django.urls import reverse

from tests import factories as f

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _hostile(team):
    return f.MemberFactory(
        location=team.cast.harbour,
        company=team.cast.acme,
        first_name=SCRIPT,
        last_name='"><b>bold',
    )


def _shows_escaped(html: str) -> None:
    assert SCRIPT not in html and "<b>bold" not in html
    assert ESCAPED in html
    assert "&quot;&gt;&lt;b&gt;bold" in html


def test_my_team_shows_a_hostile_name_as_text(client, team):
    member = _hostile(team)
    client.force_login(team.cast.contact.user)
    html = client.get(reverse("portal:team", args=[team.cast.org.slug])).content.decode()
    row = html[html.index(f'<tbody id="member-{member.pk}"') :]
    _shows_escaped(row[: row.index("</tbody>")])
    assert team.outsider.full_name not in html


def test_the_row_htmx_sends_back_shows_a_hostile_name_as_text(client, team):
    member = _hostile(team)
    client.force_login(team.cast.contact.user)
    url = reverse("portal:team_member_status", args=[team.cast.org.slug, member.pk])
    response = client.post(url, {"status": "former"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.startswith(f'<tbody id="member-{member.pk}"')
    _shows_escaped(html)


def test_the_company_page_shows_a_hostile_name_as_text(client, team):
    _hostile(team)
    client.force_login(team.cast.admin)
    url = reverse("adminportal:company", args=[team.cast.org.slug, team.cast.acme.pk])
    html = client.get(url).content.decode()
    team_list = html[html.index('id="team-list"') :]
    _shows_escaped(team_list[: team_list.index("</table>")])
    assert team.outsider.full_name not in html
    assert team.cast.globex_contact.full_name not in html
