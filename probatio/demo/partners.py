"""Placeholder while this part of the demo is written."""


def build_partners(*, service, staff, rng, fake, today) -> None:
    return None
