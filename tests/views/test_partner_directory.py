"""The partner directory through the test client: who reads and who manages (managers, and the
staff a manager authorised), another service's partner a 404, the duplicate warning, the
search by each criterion, inactive partners hidden by default, a partner's figures and the
persons currently referred (only persons the reader may see), all-or-nothing creation, and the
list's query count that does not grow with the directory."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from probatio.audit.models import AuditEntry
from probatio.reintegration import partners, rules
from probatio.reintegration.models import (
    Partner,
    PartnerContact,
    PartnerEditor,
    PartnerReferral,
    PartnerSite,
    ReferralStep,
)
from tests.factories import make_person
from tests.views.helpers import field_error, html, text_of

LIST = reverse("partners:list")
CREATE = reverse("partners:create")
EDITORS = reverse("partners:editors")
STAFF = ("cpip", "manager", "secretariat", "monitoring", "psychologist", "social_worker")
MAX_LIST_QUERIES = 12


def new_partner(membership, name="CHRS L'Escale", *, kind="housing", postcode="80000", **extra):
    site = extra.pop("site", None)
    data = {
        "name": name,
        "kind": kind,
        "pathways": extra.pop("pathways", ["housing"]),
        "postcode": postcode,
        **extra,
    }
    return partners.partner_create(membership=membership, data=data, site=site)


def site(postcode="80000", city="Amiens", areas=None, name="Siège"):
    return {
        "name": name,
        "address": "3 rue des Lilas",
        "postcode": postcode,
        "city": city,
        "areas": areas if areas is not None else [postcode],
    }


def form_data(**overrides) -> dict:
    data = {
        "name": "Mission locale d'Amiens",
        "kind": "employment",
        "pathways": ["employment", "rights"],
        "services_offered": "Accompagnement des 16-25 ans",
        "description": "",
        "postcode": "80000",
        "phone": "03 22 11 22 33",
        "email": "",
        "website": "",
        "site-name": "Siège",
        "site-address": "12 rue de la République",
        "site-postcode": "80000",
        "site-city": "Amiens",
        "site-areas": "80000, 80021 80080",
        "site-opening_hours": "",
        "contact-name": "Léa Martin",
        "contact-function": "Conseillère",
        "contact-phone": "",
        "contact-email": "lea.martin@mission.example.org",
    }
    data.update(overrides)
    return data


def names(response) -> list[str]:
    table = html(response).split('data-testid="partners"')[1].split("</table>")[0]
    return [p.name for p in Partner.objects.all() if f">{p.name}<" in table.replace("&#x27;", "'")]


# --- Access --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
def test_every_staff_role_reads_the_directory(as_role, manager, role):
    partner = new_partner(manager)
    client = as_role(role)
    assert client.get(LIST).status_code == 200
    response = client.get(reverse("partners:detail", args=[partner.pk]))
    assert response.status_code == 200
    assert "CHRS L'Escale" in text_of(response)


def test_a_judge_is_refused(client_for, judge, manager):
    partner = new_partner(manager)
    client = client_for(judge)
    assert client.get(LIST).status_code == 403
    assert client.get(reverse("partners:detail", args=[partner.pk])).status_code == 403
    assert client.get(CREATE).status_code == 403


def test_the_header_links_the_directory_for_staff_not_judges(client_for, cpip, judge):
    assert "Partenaires" in text_of(client_for(cpip).get(reverse("caseloads:mine")))
    assert "Partenaires" not in text_of(client_for(judge).get(reverse("caseloads:mine")))


def test_another_services_partner_does_not_exist(client_for, cpip, member, other_service):
    foreign = new_partner(member("manager", service=other_service))
    client = client_for(cpip)
    for name in ("detail", "edit"):
        assert client.get(reverse(f"partners:{name}", args=[foreign.pk])).status_code == 404
    manager_client = client_for(member("manager"))
    assert manager_client.get(reverse("partners:edit", args=[foreign.pk])).status_code == 404
    assert manager_client.get(reverse("partners:site_new", args=[foreign.pk])).status_code == 404
    assert manager_client.post(reverse("partners:toggle", args=[foreign.pk])).status_code == 404
    assert "SPIP d'ailleurs" not in text_of(client.get(LIST))
    assert (
        foreign.name not in text_of(client.get(LIST))
        or not Partner.objects.filter(service=cpip.service).exists()
    )


def test_the_manager_manages_and_a_cpip_only_once_authorised(client_for, manager, cpip):
    partner = new_partner(manager)
    cpip_client = client_for(cpip)
    assert cpip_client.get(CREATE).status_code == 403
    assert cpip_client.get(reverse("partners:edit", args=[partner.pk])).status_code == 403
    assert cpip_client.get(EDITORS).status_code == 403
    assert "Nouveau partenaire" not in text_of(cpip_client.get(LIST))
    assert partners.may_manage_partners(cpip) is False

    manager_client = client_for(manager)
    assert manager_client.get(CREATE).status_code == 200
    response = manager_client.post(EDITORS, {"user": str(cpip.user_id)})
    assert response.status_code == 302
    assert PartnerEditor.objects.filter(service=cpip.service, user=cpip.user).exists()
    assert partners.may_manage_partners(cpip) is True
    assert cpip_client.get(CREATE).status_code == 200
    assert "Nouveau partenaire" in text_of(cpip_client.get(LIST))
    response = cpip_client.post(
        reverse("partners:contact_new", args=[partner.pk]),
        {"name": "Yanis Roux", "function": "Éducateur", "phone": "", "email": ""},
    )
    assert response.status_code == 302
    assert partner.contacts.get().name == "Yanis Roux"
    # The authorised CPIP may not authorise others; the manager removes the authorisation.
    assert cpip_client.get(EDITORS).status_code == 403
    editor = PartnerEditor.objects.get(user=cpip.user)
    response = manager_client.post(reverse("partners:editor_remove", args=[editor.pk]))
    assert response.status_code == 302
    assert cpip_client.get(CREATE).status_code == 403
    assert (
        AuditEntry.objects.filter(
            object_type="reintegration.partnereditor", action__in=["create", "delete"]
        ).count()
        == 2
    )


def test_roles_that_may_not_be_authorised_are_not_offered(client_for, manager, monitoring):
    response = client_for(manager).post(EDITORS, {"user": str(monitoring.user_id)})
    assert response.status_code == 400
    assert not PartnerEditor.objects.exists()
    # Even with a row, a monitoring officer does not manage the directory (docs/access.md).
    PartnerEditor.objects.create(
        service=monitoring.service, user=monitoring.user, granted_by=manager.user
    )
    assert client_for(monitoring).get(CREATE).status_code == 403


def test_an_editor_of_another_service_manages_nothing_here(
    client_for, cpip, manager, member, other_service
):
    other_manager = member("manager", service=other_service)
    PartnerEditor.objects.create(
        service=other_service, user=cpip.user, granted_by=other_manager.user
    )
    assert client_for(cpip).get(CREATE).status_code == 403


# --- Creating and editing -----------------------------------------------------------------------


def test_creating_a_partner_with_its_first_site_and_contact(client_for, manager):
    response = client_for(manager).post(CREATE, form_data())
    assert response.status_code == 302
    partner = Partner.objects.get()
    assert response["Location"] == reverse("partners:detail", args=[partner.pk])
    assert partner.pathways == ["employment", "rights"]
    assert partner.phone == "+33322112233"
    assert partner.created_by == manager.user
    assert "mission locale d amiens" in partner.search_text and "amiens" in partner.search_text
    assert partner.sites.get().areas == ["80000", "80021", "80080"]
    assert partner.contacts.get().name == "Léa Martin"
    assert (
        AuditEntry.objects.filter(
            object_type__in=[
                "reintegration.partner",
                "reintegration.partnersite",
                "reintegration.partnercontact",
            ],
            action="create",
        ).count()
        == 3
    )


def test_nothing_is_stored_when_a_sub_form_is_invalid(client_for, manager):
    client = client_for(manager)
    response = client.post(CREATE, form_data(**{"site-areas": "80000, Amiens"}))
    assert response.status_code == 400
    assert "« Amiens »" in field_error(response, "id_site-areas")
    assert "rien n'a été enregistré" in text_of(response)
    response = client.post(CREATE, form_data(**{"contact-email": "pas-un-courriel"}))
    assert response.status_code == 400
    assert field_error(response, "id_contact-email")
    response = client.post(CREATE, form_data(**{"site-city": ""}))
    assert response.status_code == 400
    assert field_error(response, "id_site-city")
    response = client.post(CREATE, form_data(**{"contact-phone": "12"}))
    assert response.status_code == 400
    assert "numéro" in field_error(response, "id_contact-phone").lower()
    assert not Partner.objects.exists()
    assert not PartnerSite.objects.exists() and not PartnerContact.objects.exists()
    assert not AuditEntry.objects.filter(object_type__startswith="reintegration.").exists()


def test_a_partner_without_site_or_contact_is_fine(client_for, manager):
    data = form_data()
    for key in list(data):
        if key.startswith(("site-", "contact-")):
            data[key] = ""
    assert client_for(manager).post(CREATE, data).status_code == 302
    partner = Partner.objects.get()
    assert not partner.sites.exists() and not partner.contacts.exists()


def test_clear_messages_on_bad_input(client_for, manager):
    response = client_for(manager).post(
        CREATE, form_data(name="", postcode="8000", kind="", phone="abc")
    )
    assert response.status_code == 400
    assert field_error(response, "id_name")
    assert field_error(response, "id_kind")
    assert "cinq chiffres" in field_error(response, "id_postcode")
    assert "numéro" in field_error(response, "id_phone").lower()
    assert not Partner.objects.exists()


def test_same_name_and_postcode_warns_and_needs_a_confirmation(client_for, manager):
    existing = new_partner(manager, "Mission locale d'Amiens", kind="employment")
    client = client_for(manager)
    response = client.post(CREATE, form_data(name="MISSION LOCALE D'AMIENS"))
    assert response.status_code == 400
    assert 'data-testid="duplicate-warning"' in html(response)
    assert reverse("partners:detail", args=[existing.pk]) in html(response)
    assert Partner.objects.count() == 1
    # Another postcode: no warning.
    other = client.post(CREATE, form_data(postcode="80100", **{"site-postcode": "80100"}))
    assert other.status_code == 302
    # Confirmed: saved anyway.
    response = client.post(CREATE, form_data(confirm_duplicate="1"))
    assert response.status_code == 302
    assert Partner.objects.filter(postcode="80000").count() == 2


def test_editing_warns_of_a_duplicate_too_and_journals_the_change(client_for, manager):
    new_partner(manager, "CSAPA Le Mail", kind="addiction")
    partner = new_partner(manager, "CSAPA Mail", kind="addiction")
    client = client_for(manager)
    url = reverse("partners:edit", args=[partner.pk])
    assert client.get(url).status_code == 200
    data = {
        "name": "csapa le mail",
        "kind": "addiction",
        "pathways": ["health"],
        "postcode": "80000",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert 'data-testid="duplicate-warning"' in html(response)
    data["name"] = "CSAPA du Mail"
    assert client.post(url, data).status_code == 302
    partner.refresh_from_db()
    assert partner.name == "CSAPA du Mail" and partner.pathways == ["health"]
    entry = AuditEntry.objects.get(object_type="reintegration.partner", action="update")
    assert entry.changes["name"] == ["CSAPA Mail", "CSAPA du Mail"]


def test_sites_contacts_and_agreements_are_added_and_edited(client_for, manager):
    partner = new_partner(manager, site=site())
    client = client_for(manager)
    response = client.post(
        reverse("partners:site_new", args=[partner.pk]),
        {
            "name": "Antenne de Ham",
            "address": "1 place de l'Hôtel de ville",
            "postcode": "80400",
            "city": "Ham",
            "areas": "80400 80",
            "opening_hours": "",
        },
    )
    assert response.status_code == 302
    ham = partner.sites.get(city="Ham")
    assert ham.areas == ["80400", "80"]
    partner.refresh_from_db()
    assert "ham" in partner.search_text.split()
    response = client.post(
        reverse("partners:site_edit", args=[partner.pk, ham.pk]),
        {"name": "Antenne de Ham", "address": "2 rue Neuve", "postcode": "80400", "city": "Ham"},
    )
    assert response.status_code == 302
    ham.refresh_from_db()
    assert ham.address == "2 rue Neuve" and ham.areas == []
    agreement_url = reverse("partners:agreement_new", args=[partner.pk])
    response = client.post(
        agreement_url,
        {"start_date": "2025-06-01", "end_date": "2025-01-01", "scope": "Places", "places": "3"},
    )
    assert response.status_code == 400
    assert "ne peut pas précéder" in field_error(response, "id_end_date")
    response = client.post(
        agreement_url,
        {"start_date": "2025-01-01", "end_date": "", "scope": "Places réservées", "places": "3"},
    )
    assert response.status_code == 302
    agreement = partner.agreements.get()
    assert agreement.places == 3 and agreement.end_date is None
    text = text_of(client.get(reverse("partners:detail", args=[partner.pk])))
    assert "Places réservées" in text and "Antenne de Ham" in text


def test_a_site_of_another_partner_is_a_404(client_for, manager):
    first = new_partner(manager, site=site())
    second = new_partner(manager, "Autre partenaire")
    url = reverse("partners:site_edit", args=[second.pk, first.sites.get().pk])
    assert client_for(manager).get(url).status_code == 404


# --- Search ----------------------------------------------------------------------------------


@pytest.fixture
def directory(manager):
    return {
        "chrs": new_partner(
            manager,
            "CHRS L'Escale",
            kind="housing",
            pathways=["housing"],
            description="Hébergement d'insertion",
            site=site("80000", "Amiens", ["80000", "80021"]),
        ),
        "csapa": new_partner(
            manager,
            "CSAPA Le Mail",
            kind="addiction",
            pathways=["health"],
            services_offered="Soins en addictologie",
            site=site("80100", "Abbeville", ["80100"]),
        ),
        "cpam": new_partner(
            manager,
            "CPAM de la Somme",
            kind="social_rights",
            pathways=["rights", "health"],
            site=site("80000", "Amiens", ["80"]),
        ),
        "closed": new_partner(
            manager,
            "Accueil de nuit fermé",
            kind="emergency_housing",
            pathways=["housing"],
            site=site("80000", "Amiens", ["80000"]),
        ),
    }


def found(client, **params) -> set[str]:
    response = client.get(LIST, params)
    assert response.status_code == 200
    page = html(response).replace("&#x27;", "'")
    return {
        name
        for name in ("CHRS L'Escale", "CSAPA Le Mail", "CPAM de la Somme", "Accueil de nuit fermé")
        if f">{name}</a>" in page
    }


def test_search_by_each_criterion(client_for, cpip, manager, directory):
    partners.partner_set_active(membership=manager, partner=directory["closed"], active=False)
    client = client_for(cpip)
    assert found(client) == {"CHRS L'Escale", "CSAPA Le Mail", "CPAM de la Somme"}
    # Inactive partners only on demand.
    assert "Accueil de nuit fermé" in found(client, inactive="on")
    # Free text: every word, accents and case ignored, over name, description, services, city.
    assert found(client, q="hebergement ESCALE") == {"CHRS L'Escale"}
    assert found(client, q="addictologie") == {"CSAPA Le Mail"}
    assert found(client, q="abbeville") == {"CSAPA Le Mail"}
    assert found(client, q="escale addictologie") == set()
    # Kind.
    assert found(client, kind="social_rights") == {"CPAM de la Somme"}
    # Service offered.
    assert found(client, pathway="health") == {"CSAPA Le Mail", "CPAM de la Somme"}
    # Area: a postcode finds the sites serving it or its département.
    assert found(client, area="80000") == {"CHRS L'Escale", "CPAM de la Somme"}
    assert found(client, area="80100") == {"CSAPA Le Mail", "CPAM de la Somme"}
    assert found(client, area="80021") == {"CHRS L'Escale", "CPAM de la Somme"}
    assert found(client, area="80") == {"CHRS L'Escale", "CSAPA Le Mail", "CPAM de la Somme"}
    assert found(client, area="02000") == set()
    # Criteria combine.
    assert found(client, area="80000", pathway="health") == {"CPAM de la Somme"}
    assert found(client, area="80100", kind="addiction", q="mail") == {"CSAPA Le Mail"}


def test_a_wrong_area_is_explained(client_for, cpip, directory):
    response = client_for(cpip).get(LIST, {"area": "Amiens"})
    assert response.status_code == 400
    assert "code postal" in field_error(response, "id_area")


def test_the_list_read_is_journaled(client_for, cpip, directory):
    client_for(cpip).get(LIST, {"kind": "housing"})
    entry = AuditEntry.objects.filter(action="list", object_type="reintegration.partner").get()
    assert entry.context["filters"] == {"kind": "housing"}


def test_marking_a_partner_inactive_hides_it_and_back(client_for, manager, cpip, directory):
    client = client_for(manager)
    chrs = directory["chrs"]
    url = reverse("partners:toggle", args=[chrs.pk])
    assert client.post(url, {"active": "0"}).status_code == 302
    chrs.refresh_from_db()
    assert not chrs.is_active
    assert "CHRS L'Escale" not in found(client_for(cpip))
    assert client_for(cpip).post(url, {"active": "1"}).status_code == 403
    assert client.post(url, {"active": "1"}).status_code == 302
    assert "CHRS L'Escale" in found(client_for(cpip))
    assert client.get(url).status_code == 405


def test_list_queries_do_not_grow_with_the_directory(client_for, cpip, manager):
    client = client_for(cpip)

    def count(**params) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST, params).status_code == 200
        return len(queries)

    new_partner(manager, "Premier", site=site())
    count()  # the first request of the session reads what later ones have cached
    small = count(), count(area="80000", pathway="housing")
    for n in range(30):
        new_partner(
            manager,
            f"Partenaire {n}",
            site=site(),
            pathways=["housing", "employment"],
        )
        partner = Partner.objects.get(name=f"Partenaire {n}")
        partners.site_save(
            membership=manager, partner=partner, data=site("80100", "Abbeville", name="Antenne")
        )
    grown = count(), count(area="80000", pathway="housing")
    assert grown == small
    assert max(grown) <= MAX_LIST_QUERIES


# --- Figures and persons currently referred -----------------------------------------------------


def refer(person, partner, by, *, on, status, steps=()):
    referral = PartnerReferral.objects.create(
        person=person,
        partner=partner,
        referred_on=on,
        purpose="Demande d'hébergement",
        status=status,
        status_on=on,
        created_by=by.user,
    )
    for step in steps:
        ReferralStep.objects.create(referral=referral, status=step, on=on, by=by.user)
    return referral


def test_figures_and_persons_currently_referred(client_for, cpip, manager, member, other_service):
    partner = new_partner(manager)
    today = timezone.localdate()
    recent = today - timedelta(days=30)
    old = today - timedelta(days=500)
    ada = make_person(cpip, surname="Adam", first_names="Ada")
    bob = make_person(cpip, surname="Bernard", first_names="Bob")
    cleo = make_person(cpip, surname="Colin", first_names="Cléo")
    refer(ada, partner, cpip, on=recent, status=rules.SENT)
    refer(bob, partner, cpip, on=recent, status=rules.COMPLETED)
    refer(cleo, partner, cpip, on=recent, status=rules.ACCEPTED)
    refer(cleo, partner, cpip, on=recent, status=rules.ABANDONED, steps=[rules.SENT])
    refer(cleo, partner, cpip, on=recent, status=rules.PROPOSED)
    refer(bob, partner, cpip, on=old, status=rules.COMPLETED)
    # A person of another service linked to this partner: neither counted nor listed.
    stranger = make_person(member("cpip", service=other_service), surname="Étranger")
    refer(stranger, partner, cpip, on=recent, status=rules.ACCEPTED)

    client = client_for(cpip)
    response = client.get(reverse("partners:detail", args=[partner.pk]))
    page = html(response)
    assert 'data-testid="figure-sent">4<' in page  # sent, completed, accepted, abandoned after
    assert 'data-testid="figure-accepted">2<' in page
    assert 'data-testid="figure-completed">1<' in page
    referred = page.split('data-testid="referred"')[1].split("</table>")[0]
    assert "ADAM" in referred.upper() and "COLIN" in referred.upper()
    assert "BERNARD" not in referred.upper()  # completed: no longer referred
    assert "ÉTRANGER" not in page.upper()
    entry = AuditEntry.objects.get(action="list", object_type="people.person")
    assert entry.context["persons"] == 3  # Ada (sent), Cléo (accepted, proposed)

    # A longer period takes the old referral in.
    response = client.get(reverse("partners:detail", args=[partner.pk]), {"mois": "24"})
    assert 'data-testid="figure-completed">2<' in html(response)


def test_figures_count_only_the_persons_the_reader_may_see(cpip, manager, judge, judge_person):
    partner = new_partner(manager)
    other = make_person(cpip)
    today = date.today()
    refer(judge_person, partner, cpip, on=today, status=rules.SENT)
    refer(other, partner, cpip, on=today, status=rules.SENT)
    assert partners.partner_figures(partner, cpip, today=today).sent == 2
    assert partners.partner_figures(partner, judge, today=today).sent == 1
    assert [r.person for r in partners.persons_currently_referred(partner, judge)] == [judge_person]


def test_a_partner_without_referrals_says_so(client_for, secretariat, manager):
    partner = new_partner(manager)
    response = client_for(secretariat).get(reverse("partners:detail", args=[partner.pk]))
    assert 'data-testid="no-referred"' in html(response)
    assert not AuditEntry.objects.filter(action="list", object_type="people.person").exists()
