from django import template

from probatio.core import phones

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """A stored E.164 number in the national format (06 12 34 56 78) when French."""
    return phones.display(value)
