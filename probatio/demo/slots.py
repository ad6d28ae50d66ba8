"""Finding a free slot in a demo agenda (no database): the first day, in order, that still has
a free slot, and that slot; nothing when every day is full, so that the caller leaves that
appointment out instead of failing (a large service fills its CPIPs' agendas)."""

from collections.abc import Callable, Iterable, Sequence
from datetime import date, time

# Working days looked at after the wished ones, when those are full (about three weeks).
FURTHER_DAYS = 15


def first_free_slot(
    days: Iterable[date],
    free_on: Callable[[date], Sequence[time]],
    pick: Callable[[Sequence[time]], time],
) -> tuple[date, time] | None:
    """The first of ``days`` with a free slot, and the slot ``pick`` chooses among that day's
    free ones (never called with none); None when no day has one."""
    for day in days:
        free = free_on(day)
        if free:
            return day, pick(free)
    return None


def at_most(position: int) -> Callable[[Sequence[time]], time]:
    """A pick: the free slot at ``position``, or the last one when fewer are free."""
    return lambda free: free[min(position, len(free) - 1)]
