"""Files people upload: what they may be (``checks``) and how an image is
made safe to keep (``images``). Floor 0: member photos and attachments
(members) and an organization's logo (organizations) use the same checks.
"""
