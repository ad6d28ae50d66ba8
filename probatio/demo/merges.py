"""A pair of files of the same person, opened twice by mistake, for a manager to merge."""

import random
from datetime import date


def build_duplicate_pair(*, service, staff, rng: random.Random, fake, today: date) -> None:
    """Two files of the same person in the service (to be merged by encadrement.demo)."""
