"""Placeholder while this part of the demo is written."""


def build_referrals(*, service, staff, rng, fake, today) -> None:
    return None
