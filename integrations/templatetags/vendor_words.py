from django import template

from integrations.vendor_words import vendor_text as _vendor_text

register = template.Library()


@register.filter
def vendor_text(text):
    """A vendor's label in the reader's language (integrations/vendor_words.py)."""
    return _vendor_text(text)
