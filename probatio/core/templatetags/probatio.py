from django import template
from django.utils.safestring import mark_safe

from probatio.core import phones
from probatio.core.text import number_fr

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
    return number_fr(value)


@register.filter
def number(value) -> str:
    """A count French style: 1742 → "1 742" (a narrow no-break space between thousands)."""
    if value is None or value == "":
        return ""
    return number_fr(value)


@register.filter
def cut_final_dot(value) -> str:
    """A text ending a sentence the template closes: its own final full stop left out."""
    return str(value or "").rstrip().removesuffix(".")


@register.filter
def fields_with_errors(form) -> list:
    """The visible fields of a form sent back with errors, each with the id its link in the
    error summary points to (the first option of a group of radios or checkboxes)."""
    return [
        (field, field.id_for_label or f"{field.auto_id}_0")
        for field in form.visible_fields()
        if field.errors
    ]
