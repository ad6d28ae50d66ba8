"""Who gets 200, 403 or 404 on each page, for every role, written out as an explicit table.

The expected outcomes below are the access rules of the product, copied by hand: they do not
come from ``probatio.access.policy`` (the code under test).
"""

import pytest

from tests.views.helpers import ROLES

# --- pages about one person ------------------------------------------------------------------

PAGES = {
    # name: (method, url template)
    "identity": ("get", "/personnes/{p}/"),
    "measures": ("get", "/personnes/{p}/mesures/"),
    "timeline": ("get", "/personnes/{p}/chronologie/"),
    "access_log": ("get", "/personnes/{p}/journal-des-acces/"),
    "edit": ("get", "/personnes/{p}/modifier/"),
    "decision_create": ("get", "/personnes/{p}/decisions/nouvelle/"),
    "measure_create": ("get", "/personnes/{p}/mesures/nouvelle/"),
    "measure_edit": ("get", "/personnes/{p}/mesures/{m}/modifier/"),
    "obligation_create": ("get", "/personnes/{p}/mesures/{m}/obligations/nouvelle/"),
    "obligation_edit": ("get", "/personnes/{p}/obligations/{o}/modifier/"),
    "note_create": ("get", "/personnes/{p}/notes/nouvelle/"),
    "note_autosave": ("post", "/personnes/{p}/notes/brouillon/"),
    "note_detail": ("get", "/personnes/{p}/notes/{n}/"),
    "appointments": ("get", "/personnes/{p}/rendez-vous/"),
    "appointment_book": ("get", "/personnes/{p}/rendez-vous/nouveau/"),
    "appointment_detail": ("get", "/agenda/rendez-vous/{a}/"),
    "appointment_move": ("get", "/agenda/rendez-vous/{a}/deplacer/"),
    "appointment_ics": ("get", "/agenda/rendez-vous/{a}/rendez-vous.ics"),
}

# Columns, in the order of PAGES:
#   identity measures timeline access_log edit | decision_create measure_create measure_edit
#   obligation_create obligation_edit | note_create note_autosave note_detail (ordinary note) |
#   appointments appointment_book appointment_detail appointment_move appointment_ics
# The appointment is held by the dossier's author (cpip for "caseload", cpip2 otherwise):
# moving it is booking in that agenda.
# fmt: off
READ = "200 200 200"
ALL = "200 200 200 200 200 | 200 200 200 200 200 | 200 200 200 | 200 200 200 200 200"
EXPECTED = {
    # (a) a person of the caseload (for the judge: a person with a measure they assigned)
    ("cpip", "caseload"):          f"{READ} 403 200 | 200 200 200 200 200 | 200 200 200 | 200 200 200 200 200",
    ("manager", "caseload"):       ALL,
    ("secretariat", "caseload"):   f"{READ} 403 200 | 200 200 200 200 200 | 403 403 403 | 200 200 200 200 200",
    ("monitoring", "caseload"):    f"{READ} 403 403 | 403 403 403 403 403 | 200 200 200 | 200 200 200 403 200",
    ("psychologist", "caseload"):  f"{READ} 403 403 | 403 403 403 403 403 | 200 200 200 | 200 200 200 403 200",
    ("social_worker", "caseload"): f"{READ} 403 200 | 403 403 403 403 403 | 200 200 200 | 200 200 200 403 200",
    ("judge", "caseload"):         f"{READ} 403 403 | 403 403 403 403 403 | 403 403 403 | 200 403 200 403 200",
    # (b) a person of the service, not in the caseload (for the judge: no measure of theirs)
    ("cpip", "service_only"):          f"{READ} 403 403 | 403 403 403 403 403 | 403 403 200 | 200 200 200 403 200",
    ("manager", "service_only"):       ALL,
    ("secretariat", "service_only"):   f"{READ} 403 200 | 200 200 200 200 200 | 403 403 403 | 200 200 200 200 200",
    ("monitoring", "service_only"):    f"{READ} 403 403 | 403 403 403 403 403 | 200 200 200 | 200 200 200 403 200",
    ("psychologist", "service_only"):  f"{READ} 403 403 | 403 403 403 403 403 | 200 200 200 | 200 200 200 403 200",
    ("social_worker", "service_only"): f"{READ} 403 403 | 403 403 403 403 403 | 403 403 200 | 200 200 200 403 200",
    ("judge", "service_only"):         " ".join(["404"] * len(PAGES)),
    # (c) a person of another service: it does not exist
    **{(role, "foreign"): " ".join(["404"] * len(PAGES)) for role in ROLES},
}
# fmt: on


def expected_row(role: str, which: str) -> dict[str, int]:
    codes = [int(code) for code in EXPECTED[(role, which)].replace("|", " ").split()]
    assert len(codes) == len(PAGES)
    return dict(zip(PAGES, codes, strict=True))


def url_of(template: str, dossier) -> str:
    return template.format(
        p=dossier.person.pk,
        m=dossier.measure.pk,
        o=dossier.obligation.pk,
        n=dossier.note.pk,
        a=dossier.appointment.pk,
    )


@pytest.mark.parametrize("which", ["caseload", "service_only", "foreign"])
@pytest.mark.parametrize("role", ROLES)
def test_dossier_pages_answer_per_role(as_role, world, role, which):
    client = as_role(role)
    dossier = world[which]
    actual = {}
    for name, (method, template) in PAGES.items():
        data = {"subject": "Brouillon", "body": "Texte"} if method == "post" else None
        response = getattr(client, method)(url_of(template, dossier), data)
        actual[name] = response.status_code
    assert actual == expected_row(role, which)


RECORD_PAGES = [
    "/personnes/{p}/mesures/{m}/modifier/",
    "/personnes/{p}/mesures/{m}/obligations/nouvelle/",
    "/personnes/{p}/obligations/{o}/modifier/",
    "/personnes/{p}/notes/{n}/",
]


@pytest.mark.parametrize("template", RECORD_PAGES)
@pytest.mark.parametrize("owner", ["service_only", "foreign"])
def test_a_record_of_another_person_is_not_found_through_this_dossier(
    as_role, world, template, owner
):
    """The manager may open every dossier of the service, but a measure, obligation or note
    is reached only through the dossier it belongs to."""
    theirs = world[owner]
    url = template.format(
        p=world.caseload.person.pk,
        m=theirs.measure.pk,
        o=theirs.obligation.pk,
        n=theirs.note.pk,
    )
    assert as_role("manager").get(url).status_code == 404


def test_the_judge_reads_only_files_with_a_measure_they_assigned(as_role, world):
    client = as_role("judge")
    assert client.get(f"/personnes/{world.caseload.person.pk}/").status_code == 200
    assert client.get(f"/personnes/{world.service_only.person.pk}/").status_code == 404


# --- pages about many persons ----------------------------------------------------------------

LIST_PAGES = ("/portefeuille/", "/personnes/", "/service/", "/personnes/nouvelle/")
# fmt: off
LIST_EXPECTED = {
    #                  portefeuille personnes service nouvelle
    "cpip":          (200, 200, 403, 200),
    "manager":       (403, 200, 200, 200),
    "secretariat":   (403, 200, 403, 200),
    "monitoring":    (200, 200, 403, 403),
    "psychologist":  (200, 200, 403, 403),
    "social_worker": (200, 200, 403, 403),
    "judge":         (200, 200, 403, 403),
}
# fmt: on


@pytest.mark.parametrize("role", ROLES)
def test_list_and_creation_pages_answer_per_role(as_role, world, role):
    client = as_role(role)
    actual = tuple(client.get(url).status_code for url in LIST_PAGES)
    assert actual == LIST_EXPECTED[role]


# Who is listed on /personnes/ (search over the whole service, or the judge's files).
LISTED = {
    "cpip": {"caseload", "service_only"},
    "manager": {"caseload", "service_only"},
    "secretariat": {"caseload", "service_only"},
    "monitoring": {"caseload", "service_only"},
    "psychologist": {"caseload", "service_only"},
    "social_worker": {"caseload", "service_only"},
    "judge": {"caseload"},
}


@pytest.mark.parametrize("role", ROLES)
def test_search_page_lists_what_the_role_may_list(as_role, world, role):
    content = as_role(role).get("/personnes/").content.decode()
    listed = {
        which
        for which in ("caseload", "service_only", "foreign")
        if f'href="/personnes/{world[which].person.pk}/"' in content
    }
    assert listed == LISTED[role]


def test_the_caseload_page_lists_only_the_cpips_own_persons(as_role, world):
    content = as_role("cpip").get("/portefeuille/").content.decode()
    assert f'href="/personnes/{world.caseload.person.pk}/"' in content
    assert f'href="/personnes/{world.service_only.person.pk}/"' not in content
    assert f'href="/personnes/{world.foreign.person.pk}/"' not in content


def test_the_judges_files_page_lists_only_their_files(as_role, world):
    response = as_role("judge").get("/portefeuille/")
    content = response.content.decode()
    assert '<h1 class="fr-mb-0">Mes dossiers</h1>' in content
    assert f'href="/personnes/{world.caseload.person.pk}/"' in content
    assert f'href="/personnes/{world.service_only.person.pk}/"' not in content


HOME = {
    "cpip": "/portefeuille/",
    "manager": "/service/",
    "secretariat": "/personnes/",
    "monitoring": "/personnes/",
    "psychologist": "/portefeuille/",
    "social_worker": "/portefeuille/",
    "judge": "/rapports/",  # the reports transmitted to them
}


@pytest.mark.parametrize("role", ROLES)
def test_home_sends_each_role_to_its_first_page(as_role, db, role):
    response = as_role(role).get("/")
    assert response.status_code == 302
    assert response["Location"] == HOME[role]


def test_refusal_pages_are_french_pages(as_role, world):
    refused = as_role("secretariat").get(f"/personnes/{world.caseload.person.pk}/notes/nouvelle/")
    assert refused.status_code == 403
    assert "Accès refusé" in refused.content.decode()
    missing = as_role("cpip").get(f"/personnes/{world.foreign.person.pk}/")
    assert missing.status_code == 404
    assert "Page introuvable" in missing.content.decode()
    # The 404 says nothing of the other service's person.
    assert "Lointain" not in missing.content.decode()
    assert "LOINTAIN" not in missing.content.decode()
