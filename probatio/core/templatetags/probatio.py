from decimal import Decimal

from django import template
from django.utils.safestring import mark_safe

from probatio.core import phones

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """A stored E.164 number in the national format (06 12 34 56 78) when French."""
    return phones.display(value)


@register.filter(is_safe=True)
def css_string(value) -> str:
    """``value`` as the inside of a double-quoted CSS string (for generated content in print
    style sheets): backslashes, quotes and line breaks escaped, nothing HTML-escaped."""
    text = str(value)
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\n", "\\A ").replace("<", "\\3C ")
    return mark_safe(text)  # noqa: S308 (escaped for a CSS string above)


@register.filter
def hours(value) -> str:
    """A number of hours without useless decimals, French style: 52.50 → "52,5", 70 → "70"."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value)).normalize()
    return f"{number:f}".replace(".", ",")
