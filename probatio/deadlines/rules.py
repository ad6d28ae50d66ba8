"""How the échéancier lays out its items: by day, then by person (pure, no database)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from probatio.core.deadlines import DueItem

# Deadlines shown whatever the horizon chosen: a first interview is a legal delay, and one due
# after the horizon must still be booked now (the provider returns at most one per person).
ALWAYS_SHOWN = ("first_interview",)


@dataclass
class PersonDay:
    """One person's items of one day, soonest first."""

    day: date
    person_id: int
    items: list[DueItem] = field(default_factory=list)


@dataclass
class Day:
    day: date
    persons: list  # PersonDay, or the rows the view builds from them

    @property
    def count(self) -> int:
        return sum(len(p.items) for p in self.persons)


def by_person_and_day(items: Iterable[DueItem]) -> list[PersonDay]:
    """Items (sorted soonest first) gathered per person and day, in the order of each group's
    first item: a person's items of a day stay together, under their name."""
    groups: dict[tuple[date, int], PersonDay] = {}
    for item in items:
        key = (item.due, item.person_id)
        if key not in groups:
            groups[key] = PersonDay(day=item.due, person_id=item.person_id)
        groups[key].items.append(item)
    return sorted(groups.values(), key=lambda g: g.day)  # stable: keeps the order within a day


def by_day(groups: Iterable) -> list[Day]:
    """Consecutive person groups of the same day under that day (``groups`` by day already)."""
    days: list[Day] = []
    for group in groups:
        if not days or days[-1].day != group.day:
            days.append(Day(day=group.day, persons=[]))
        days[-1].persons.append(group)
    return days
