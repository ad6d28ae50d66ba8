"""The allocation queue, workload and capacity in the demonstration service (filled below)."""

import random
from datetime import date


def build_allocation(*, service, staff, rng: random.Random, fake, today: date) -> None:
    """Files waiting in the queue, a part-time CPIP and one with a reduction."""
