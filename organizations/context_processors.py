from .branding import brand_of


def organization(request):
    """The request's organization and its brand (the header, the colours);
    outside an organization the product's own."""
    organization = getattr(request, "organization", None)
    return {"organization": organization, "brand": brand_of(organization)}
