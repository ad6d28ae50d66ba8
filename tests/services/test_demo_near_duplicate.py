"""The demo's near-duplicate: what the README tells secretariat.demo to type meets the
duplicate warning, with its reasons."""

from datetime import date
from pathlib import Path

import pytest

from probatio.access.roles import Role
from probatio.demo.duplicates import README_ENTRY, build_near_duplicate
from probatio.people.selectors import possible_duplicates

pytestmark = pytest.mark.django_db
README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_entry_meets_the_warning(cpip, secretariat):
    build_near_duplicate(
        service=secretariat.service,
        staff={Role.SECRETARIAT: [secretariat], Role.CPIP: [cpip]},
        rng=None,
        fake=None,
        today=date(2026, 1, 5),
    )
    (found,) = possible_duplicates(secretariat, README_ENTRY)
    assert (found.person.surname, found.person.assigned_cpip) == ("Haddad", cpip.user)
    assert found.reasons == [
        "son nom d'usage est le nom de naissance saisi",
        "mêmes prénoms",
        "même date de naissance",
        "même téléphone",
    ]


def test_the_readme_says_what_to_type():
    line = next(x for x in README.read_text().splitlines() if x.startswith("| `secretariat.demo`"))
    for value in ("BENALI", "HADDAD", README_ENTRY["first_names"], "17/05/1990", "06 48 27 15 93"):
        assert value in line, value
