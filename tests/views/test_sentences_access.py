"""Who gets 200, 403 or 404 on the prison-side pages of a dossier, for every role, written out
by hand from the access rules (not computed from the policy under test): reading the tab is
reading the file; the forms are writing records (a CPIP on their caseload, managers,
secretariat)."""

import pytest

from tests.factories import make_prisoner
from tests.views.helpers import ROLES

PAGES = {
    "panel": "/personnes/{p}/peine/",
    "sentence_new": "/personnes/{p}/peine/peines/nouvelle/",
    "terms_edit": "/personnes/{p}/peine/situation/",
    "reduction_new": "/personnes/{p}/peine/reductions/nouvelle/",
    "official_new": "/personnes/{p}/peine/dates-officielles/nouvelle/",
}

# Columns: panel sentence_new terms_edit reduction_new official_new
# fmt: off
WRITE = "200 200 200 200 200"
READ_ONLY = "200 403 403 403 403"
EXPECTED = {
    ("cpip", "caseload"):              WRITE,
    ("manager", "caseload"):           WRITE,
    ("secretariat", "caseload"):       WRITE,
    ("monitoring", "caseload"):        READ_ONLY,
    ("psychologist", "caseload"):      READ_ONLY,
    ("social_worker", "caseload"):     READ_ONLY,
    ("judge", "caseload"):             READ_ONLY,
    ("cpip", "service_only"):          READ_ONLY,
    ("manager", "service_only"):       WRITE,
    ("secretariat", "service_only"):   WRITE,
    ("monitoring", "service_only"):    READ_ONLY,
    ("psychologist", "service_only"):  READ_ONLY,
    ("social_worker", "service_only"): READ_ONLY,
    ("judge", "service_only"):         "404 404 404 404 404",
    **{(role, "foreign"): "404 404 404 404 404" for role in ROLES},
}
# fmt: on


@pytest.fixture
def held(world, cpip, cpip2, foreign_cpip):
    """The three dossiers of ``world``, each in prison with a sentence."""
    for which, membership in (
        ("caseload", cpip),
        ("service_only", cpip2),
        ("foreign", foreign_cpip),
    ):
        make_prisoner(membership, person=world[which].person)
    return world


@pytest.mark.parametrize("which", ["caseload", "service_only", "foreign"])
@pytest.mark.parametrize("role", ROLES)
def test_sentence_pages_answer_per_role(as_role, held, role, which):
    client = as_role(role)
    person = held[which].person
    actual = {name: client.get(url.format(p=person.pk)).status_code for name, url in PAGES.items()}
    expected = dict(zip(PAGES, map(int, EXPECTED[(role, which)].split()), strict=True))
    assert actual == expected


def test_a_sentence_of_another_person_cannot_be_removed_through_this_dossier(as_role, held):
    from probatio.sentences.models import Sentence

    theirs = Sentence.objects.get(situation__custody__person=held.service_only.person)
    url = f"/personnes/{held.caseload.person.pk}/peine/peines/{theirs.pk}/retirer/"
    assert as_role("manager").post(url).status_code == 404
    assert Sentence.objects.filter(pk=theirs.pk).exists()
