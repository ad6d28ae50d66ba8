"""A transfer waiting for the demonstration service: from the second demo service when it is
built, otherwise from a small neighbouring service built for it."""

from collections.abc import Callable
from datetime import date


def build_incoming_transfer(*, today: date, log: Callable[[str], None]) -> None:
    """An incoming transfer request waiting for the demonstration service's managers."""
