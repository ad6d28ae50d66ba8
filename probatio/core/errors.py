from django.core.exceptions import ValidationError


def field_errors(**messages: str) -> ValidationError:
    """A ValidationError keyed by field, for services to raise and forms to show in place."""
    return ValidationError({field: [message] for field, message in messages.items()})
