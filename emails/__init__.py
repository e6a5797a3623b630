"""Every email the product sends, rendered one way (``render``): from one
base template (templates/emails/base.txt and base.html) in the operator's
brand, as plain text and HTML. Floor 0: invitations (members), notices
(notifications) and allauth's emails (portal's adapter) all use it.
"""
