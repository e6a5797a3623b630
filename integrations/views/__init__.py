"""Admin portal pages for integrations (R3.4, R3.5).

Connections push every member of the organization, whatever the location,
so every page here needs the organization-wide settings permission
(``can_manage_organization_settings``). Objects of another organization are
404 (``get_in_org_or_404``).
"""
