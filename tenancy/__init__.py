"""Tenancy that fails loud: the scoped managers every tenant-owned model uses.

A plain package, not an app, on the lowest floor: every app that owns rows
of an organization (the audit log included) builds its manager from here.
"""
