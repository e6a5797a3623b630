"""The directory's filter form, written out in Python.

Django renders each widget through its template engine, and a select's
every option through one more include: the directory's filter form (ten
fields, some fifty options) cost more than the rest of the page around
its table. These are the same elements, attributes and escaping, for the
widgets the directory's filters use; any other widget renders as Django
renders it."""

from html import escape

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from members.templatetags.badges import portal_access_badge_html, status_badge_html

register = template.Library()

SELECTED = mark_safe(" selected")
CHECKED = mark_safe(" checked")


def _attrs(attrs: dict):
    return format_html_join("", ' {}="{}"', ((k, v) for k, v in attrs.items() if v is not None))


@register.simple_tag
def filter_widget(field: BoundField):
    widget = field.field.widget
    value = field.value()
    name, id_ = field.html_name, field.id_for_label
    if isinstance(widget, forms.CheckboxInput):
        checked = CHECKED if widget.check_test(value) else ""
        return format_html(
            '<input type="checkbox" name="{}" id="{}"{}{}>',
            name,
            id_,
            _attrs(widget.attrs),
            checked,
        )
    if type(widget) is forms.Select:
        chosen = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (choice, SELECTED if str(choice) == chosen else "", label)
                for choice, label in field.field.choices
            ),
        )
        return format_html(
            '<select name="{}" id="{}"{}>{}</select>', name, id_, _attrs(widget.attrs), options
        )
    if isinstance(widget, forms.TextInput | forms.NumberInput) and not widget.is_hidden:
        shown = format_html(' value="{}"', value) if value not in (None, "") else ""
        return format_html(
            '<input type="{}" name="{}" id="{}"{}{}>',
            widget.input_type,
            name,
            id_,
            _attrs(widget.attrs),
            shown,
        )
    return str(field)


# ------------------------------------------------------------ table rows
#
# The Members and Contacts and Former tabs' rows, written out in Python as
# the filter form is: the template engine spent more on 50 rows (some 30
# variables, translations and tags each) than the rest of the page cost
# together. Labels are translated once per table, and every value from the
# database goes through ``escape``.


@register.simple_tag
def member_rows(members):
    """The ``<tr>`` of each member (the tab's columns; see members.html)."""
    label = {
        key: escape(text)
        for key, text in {
            "email": gettext("Email"),
            "company": gettext("Company"),
            "location": gettext("Location"),
            "status": gettext("Status"),
            "access": gettext("Portal access"),
            "membership": gettext("Membership"),
        }.items()
    }
    select = gettext("Select %(name)s")
    manager = format_html(' <span class="badge">{}</span>', gettext("Manager"))
    new = format_html(
        ' <span class="badge new" title="{}">{}</span>',
        gettext("Invited, not logged in yet"),
        gettext("New"),
    )
    individual = format_html('<span class="muted">{}</span>', gettext("Individual"))
    active = escape(gettext("Active"))
    none = format_html('<span class="muted">{}</span>', gettext("None"))
    rows = []
    for member in members:
        name = member.full_name
        company = (
            f'<a href="{escape(member.company_url)}">{escape(member.company.name)}</a>'
            if member.company_id
            else individual
        )
        rows.append(
            "<tr>"
            f'<td><input type="checkbox" name="member" value="{member.pk}"'
            f' aria-label="{escape(select % {"name": name})}"></td>'
            f'<td class="title"><a href="{escape(member.url)}">{escape(name)}</a>'
            f"{manager if member.is_manager else ''}{new if member.is_new else ''}</td>"
            f'<td data-label="{label["email"]}">{escape(member.email) or "—"}</td>'
            f'<td data-label="{label["company"]}">{company}</td>'
            f'<td data-label="{label["location"]}">{escape(member.location.name)}</td>'
            f'<td data-label="{label["status"]}">{status_badge_html(member)}</td>'
            f'<td data-label="{label["access"]}">{portal_access_badge_html(member)}</td>'
            f'<td data-label="{label["membership"]}">'
            f"{active if member.has_active_membership else none}</td>"
            "</tr>"
        )
    return mark_safe("\n".join(rows))


@register.simple_tag
def company_rows(companies, members_url: str):
    """The ``<tr>`` of each company (the Companies tab; see companies.html).
    ``members_url``: the Members tab, which each company's count links to
    filtered to it."""
    label = {
        key: escape(text)
        for key, text in {
            "id": gettext("ID"),
            "locations": gettext("Locations"),
            "contact": gettext("Contact person"),
            "billing": gettext("Billing person"),
            "members": gettext("Members"),
        }.items()
    }
    active, of = gettext("%(active_member_count)s active"), gettext("of %(member_count)s")
    members_url = escape(members_url)
    rows = []
    for company in companies:
        places = ", ".join(escape(place.location.name) for place in company.visible_locations)
        contact = company.contact_person.full_name if company.contact_person else ""
        billing = company.billing_person.full_name if company.billing_person else ""
        count = active % {"active_member_count": company.active_member_count}
        total = of % {"member_count": company.member_count}
        rows.append(
            "<tr>"
            f'<td data-label="{label["id"]}" class="muted">{company.pk}</td>'
            f'<td class="title"><a href="{escape(company.url)}">{escape(company.name)}</a></td>'
            f'<td data-label="{label["locations"]}">{places}</td>'
            f'<td data-label="{label["contact"]}">{escape(contact) or "—"}</td>'
            f'<td data-label="{label["billing"]}">{escape(billing) or "—"}</td>'
            f'<td data-label="{label["members"]}"><a href="{members_url}?company={company.pk}">'
            f'{escape(count)}</a> <span class="muted">{escape(total)}</span></td>'
            "</tr>"
        )
    return mark_safe("\n".join(rows))
