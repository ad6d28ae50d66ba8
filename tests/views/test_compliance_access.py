"""Who gets 200, 403 or 404 on the proofs and incidents pages, for every role, written out by
hand from the access rules (not computed from the policy under test)."""

import pytest

from tests.views.helpers import ROLES

PAGES = {
    "proofs": "/personnes/{p}/justificatifs/",
    "proof_new": "/personnes/{p}/justificatifs/nouveau/{o}/",
    "incidents": "/personnes/{p}/manquements/",
    "incident_new": "/personnes/{p}/manquements/nouveau/",
}

# Columns: proofs proof_new incidents incident_new
# fmt: off
EXPECTED = {
    ("cpip", "caseload"):              "200 200 200 200",
    ("manager", "caseload"):           "200 200 200 200",
    ("secretariat", "caseload"):       "200 200 200 403",
    ("monitoring", "caseload"):        "200 403 200 200",
    ("psychologist", "caseload"):      "200 403 200 403",
    ("social_worker", "caseload"):     "200 200 200 200",
    ("judge", "caseload"):             "200 403 200 403",
    ("cpip", "service_only"):          "200 403 200 403",
    ("manager", "service_only"):       "200 200 200 200",
    ("secretariat", "service_only"):   "200 200 200 403",
    ("monitoring", "service_only"):    "200 403 200 200",
    ("psychologist", "service_only"):  "200 403 200 403",
    ("social_worker", "service_only"): "200 403 200 403",
    ("judge", "service_only"):         "404 404 404 404",
    **{(role, "foreign"): "404 404 404 404" for role in ROLES},
}
# fmt: on


@pytest.mark.parametrize("which", ["caseload", "service_only", "foreign"])
@pytest.mark.parametrize("role", ROLES)
def test_compliance_pages_answer_per_role(as_role, world, role, which):
    client = as_role(role)
    dossier = world[which]
    actual = {
        name: client.get(url.format(p=dossier.person.pk, o=dossier.obligation.pk)).status_code
        for name, url in PAGES.items()
    }
    expected = dict(zip(PAGES, map(int, EXPECTED[(role, which)].split()), strict=True))
    assert actual == expected


def test_an_obligation_of_another_person_is_not_found_through_this_dossier(as_role, world):
    url = f"/personnes/{world.caseload.person.pk}/justificatifs/nouveau/"
    assert as_role("manager").get(f"{url}{world.service_only.obligation.pk}/").status_code == 404
