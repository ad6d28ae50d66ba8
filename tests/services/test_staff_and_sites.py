"""The service's staff and sites kept by its managers, through the services and a real
database: what is refused leaves nothing written, what is done is journaled; closed days and
absences refuse bookings; the allocation reads absences."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from probatio.accounts import services as staff
from probatio.accounts.models import Absence, Membership, User
from probatio.agenda import rules as agenda_rules
from probatio.agenda import services as agenda
from probatio.agenda.models import Appointment
from probatio.audit.models import AuditEntry
from probatio.caseloads import selectors as caseloads
from probatio.organisation import services as sites
from probatio.organisation.models import ClosedDay, Room
from probatio.people.selectors import person_get_for
from tests.factories import EstablishmentFactory, MembershipFactory, SiteFactory, make_person

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # Monday 1 March 2027
THURSDAY = date(2027, 3, 11)


@pytest.fixture
def site(service):
    return SiteFactory(service=service, name="Antenne d'Amiens")


@pytest.fixture
def other_site(service):
    return SiteFactory(service=service, name="Antenne d'Abbeville")


@pytest.fixture
def foreign_site(other_service):
    return SiteFactory(service=other_service, name="Antenne d'ailleurs")


def counts():
    return (
        User.objects.count(),
        Membership.objects.count(),
        Room.objects.count(),
        ClosedDay.objects.count(),
        Absence.objects.count(),
        AuditEntry.objects.count(),
    )


NEW = {
    "username": "lea.martin",
    "first_name": "Léa",
    "last_name": "Martin",
    "email": "lea.martin@justice.test",
    "phone": "03 22 00 00 00",
    "title": "CPIP",
    "role": "cpip",
    "working_time": 80,
}


# --- Accounts and memberships --------------------------------------------------------------


def test_a_manager_creates_an_account_with_its_membership(manager, site):
    before = AuditEntry.objects.count()
    created = staff.staff_account_create(membership=manager, data={**NEW, "site": site})
    user = created.user
    assert (user.username, user.first_name, user.last_name) == ("lea.martin", "Léa", "Martin")
    assert not user.is_staff and not user.is_superuser and user.is_active
    assert not user.has_usable_password()
    assert (created.service_id, created.role, created.site, created.working_time) == (
        manager.service_id,
        "cpip",
        site,
        80,
    )
    entries = AuditEntry.objects.filter(pk__gt=0).order_by("pk")[before:]
    assert [(e.action, e.object_type, e.role) for e in entries] == [
        ("create", "accounts.user", "manager"),
        ("create", "accounts.membership", "manager"),
    ]


def test_a_judge_membership_is_refused_and_nothing_is_written(manager):
    before = counts()
    with pytest.raises(ValidationError) as refused:
        staff.staff_account_create(membership=manager, data={**NEW, "role": "judge"})
    assert "administration de la plateforme" in refused.value.message_dict["role"][0]
    assert counts() == before


def test_an_antenne_of_another_service_is_refused_after_the_account_was_built(
    manager, foreign_site
):
    before = counts()
    with pytest.raises(ValidationError) as refused:
        staff.staff_account_create(membership=manager, data={**NEW, "site": foreign_site})
    assert refused.value.message_dict["site"] == ["Cette antenne n'appartient pas à votre service."]
    assert counts() == before  # the account, built first, is gone with its journal line


def test_a_username_taken_is_refused(manager, cpip):
    with pytest.raises(ValidationError) as refused:
        staff.staff_account_create(membership=manager, data={**NEW, "username": "CPIP.test"})
    assert "Ajouter un compte existant" in refused.value.message_dict["username"][0]


@pytest.mark.parametrize("role", ["cpip", "secretariat", "judge", "psychologist"])
def test_other_roles_may_not_keep_the_staff(member, role, site, cpip):
    acting = member(role)
    before = counts()
    with pytest.raises(PermissionDenied):
        staff.staff_account_create(membership=acting, data=NEW)
    with pytest.raises(PermissionDenied):
        sites.closed_day_create(
            membership=acting, data={"start_date": THURSDAY, "reason": "Travaux"}
        )
    with pytest.raises(PermissionDenied):
        sites.room_save(membership=acting, data={"site": site, "name": "Bureau 2"})
    with pytest.raises(PermissionDenied):
        staff.staff_absence_create(
            membership=acting, target=cpip, data={"kind": "leave", "start_date": THURSDAY}
        )
    assert counts() == before


def test_an_account_of_another_service_joins_and_keeps_its_other_membership(
    manager, foreign_cpip_member, site
):
    other = foreign_cpip_member
    joined = staff.staff_membership_add(
        membership=manager,
        username="cpip.ailleurs",
        data={"role": "psychologist", "site": site, "working_time": 50},
    )
    assert joined.user_id == other.user_id and joined.service_id == manager.service_id
    other.refresh_from_db()
    assert other.is_active and other.role == "cpip" and other.working_time == 100
    # Deactivating the new membership leaves the account (and the other membership) active.
    staff.staff_membership_set_active(membership=manager, target=joined, active=False)
    other.refresh_from_db()
    other.user.refresh_from_db()
    assert other.is_active and other.user.is_active
    # Its identity is the platform administration's: refused here, nothing changed.
    with pytest.raises(ValidationError) as refused:
        staff.staff_identity_update(
            membership=manager, target=joined, data={"last_name": "Autre", "email": "x@y.fr"}
        )
    assert "autre service" in refused.value.message_dict["last_name"][0]
    other.user.refresh_from_db()
    assert other.user.last_name == "Ailleurs"


@pytest.fixture
def foreign_cpip_member(member, other_service):
    return member(
        "cpip",
        service=other_service,
        user__username="cpip.ailleurs",
        user__first_name="Lou",
        user__last_name="Ailleurs",
    )


def test_an_unknown_or_administrator_account_is_not_added(manager):
    with pytest.raises(ValidationError) as refused:
        staff.staff_membership_add(membership=manager, username="personne", data={"role": "cpip"})
    assert refused.value.message_dict["username"] == [
        "Aucun compte n'a cet identifiant : vérifiez-le."
    ]
    User.objects.create(username="admin.plateforme", is_staff=True)
    with pytest.raises(ValidationError):
        staff.staff_membership_add(
            membership=manager, username="admin.plateforme", data={"role": "cpip"}
        )


def test_deactivating_the_only_membership_deactivates_the_account_and_back(manager, cpip):
    staff.staff_membership_set_active(membership=manager, target=cpip, active=False)
    cpip.refresh_from_db()
    cpip.user.refresh_from_db()
    assert not cpip.is_active and not cpip.user.is_active
    assert Membership.objects.filter(pk=cpip.pk).exists()  # never deleted
    staff.staff_membership_set_active(membership=manager, target=cpip, active=True)
    cpip.user.refresh_from_db()
    assert cpip.user.is_active
    summaries = list(
        AuditEntry.objects.filter(object_type__in=["accounts.membership", "accounts.user"])
        .order_by("pk")
        .values_list("summary", flat=True)
    )[-4:]
    assert summaries == [
        "Rattachement désactivé : Camille Conseil (CPIP)",
        "Compte désactivé : Camille Conseil",
        "Rattachement réactivé : Camille Conseil (CPIP)",
        "Compte réactivé : Camille Conseil",
    ]


def test_a_manager_keeps_their_own_manager_membership(manager):
    before = counts()
    with pytest.raises(ValidationError) as refused:
        staff.staff_membership_set_active(membership=manager, target=manager, active=False)
    assert "votre propre rattachement" in refused.value.message_dict["role"][0]
    with pytest.raises(ValidationError):
        staff.staff_membership_update(membership=manager, target=manager, data={"role": "cpip"})
    manager.refresh_from_db()
    assert manager.is_active and manager.role == "manager"
    assert counts() == before


def test_the_service_keeps_at_least_one_active_manager(manager, member):
    second = member("manager")
    # The second manager may be deactivated: the first stays.
    staff.staff_membership_set_active(membership=manager, target=second, active=False)
    # An inactive manager made active again, then the first one gone by the platform: the
    # last active manager is kept.
    staff.staff_membership_set_active(membership=manager, target=second, active=True)
    Membership.objects.filter(pk=manager.pk).update(is_active=False)
    with pytest.raises(ValidationError) as refused:
        staff.staff_membership_update(membership=manager, target=second, data={"role": "cpip"})
    assert refused.value.message_dict["role"] == [
        "Le service doit garder au moins un·e membre de l'encadrement."
    ]


def test_a_judge_membership_is_not_the_managers(manager, judge):
    with pytest.raises(ValidationError):
        staff.staff_membership_update(membership=manager, target=judge, data={"working_time": 50})


def test_a_membership_of_another_service_is_refused(manager, foreign_cpip_member):
    with pytest.raises(ValidationError):
        staff.staff_membership_update(
            membership=manager, target=foreign_cpip_member, data={"working_time": 50}
        )
    foreign_cpip_member.refresh_from_db()
    assert foreign_cpip_member.working_time == 100


def test_a_membership_change_is_journaled_with_its_diff(manager, cpip, site):
    staff.staff_membership_update(
        membership=manager, target=cpip, data={"role": "cpip", "site": site, "working_time": 60}
    )
    entry = AuditEntry.objects.filter(object_type="accounts.membership").latest("pk")
    assert entry.changes == {"site": [None, site.pk], "working_time": [100, 60]}


def test_the_set_password_link_is_mailed_and_journaled(manager, site):
    created = staff.staff_account_create(membership=manager, data={**NEW, "site": site})
    link = staff.staff_password_link_send(
        membership=manager, target=created, base_url="https://probatio.example.fr/"
    )
    assert link.startswith("https://probatio.example.fr/connexion/mot-de-passe/")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lea.martin@justice.test"]
    assert link in message.body and "lea.martin" in message.body
    entry = AuditEntry.objects.latest("pk")
    assert entry.summary == "Lien pour choisir le mot de passe envoyé à Léa Martin"


# --- Absences ------------------------------------------------------------------------------


def test_an_absence_is_recorded_and_an_overlapping_one_refused(manager, cpip):
    absence = staff.staff_absence_create(
        membership=manager,
        target=cpip,
        data={"kind": "leave", "start_date": date(2027, 3, 8), "end_date": date(2027, 3, 12)},
    )
    assert str(absence) == "Congés du 08/03/2027 au 12/03/2027"
    assert AuditEntry.objects.latest("pk").object_type == "accounts.absence"
    before = counts()
    with pytest.raises(ValidationError) as refused:
        staff.staff_absence_create(
            membership=manager,
            target=cpip,
            data={"kind": "training", "start_date": date(2027, 3, 12)},
        )
    assert "chevauche" in refused.value.message_dict["start_date"][0]
    with pytest.raises(ValidationError):
        staff.staff_absence_create(
            membership=manager,
            target=cpip,
            data={"kind": "sick", "start_date": date(2027, 4, 1)},  # no medical reason
        )
    assert counts() == before


# --- Sites, hours, rooms, closed days ------------------------------------------------------


def test_a_site_is_created_and_changed_journaled(manager):
    site = sites.site_save(
        membership=manager,
        data={
            "name": "Antenne de Péronne",
            "kind": "community",
            "address": "2 rue de la Paix",
            "postcode": "80200",
            "city": "Péronne",
        },
    )
    assert site.service_id == manager.service_id
    sites.site_save(membership=manager, site=site, data={"phone": "03 22 11 22 33"})
    entries = AuditEntry.objects.filter(object_type="organisation.site").order_by("pk")
    assert [e.action for e in entries] == ["create", "update"]
    assert entries.last().changes == {"phone": ["", "03 22 11 22 33"]}


def test_a_prison_antenne_needs_an_establishment_of_the_service(manager, other_service):
    data = {
        "name": "Antenne en détention",
        "kind": "prison",
        "address": "1 route",
        "postcode": "80000",
        "city": "Amiens",
        "establishment": EstablishmentFactory(service=other_service),
    }
    with pytest.raises(ValidationError) as refused:
        sites.site_save(membership=manager, data=data)
    assert refused.value.message_dict["establishment"] == [
        "Cet établissement ne relève pas de votre service."
    ]
    own = EstablishmentFactory(service=manager.service)
    assert sites.site_save(membership=manager, data={**data, "establishment": own}).pk


def test_opening_hours_are_validated_then_saved_sorted(manager, site):
    before = site.opening_hours
    with pytest.raises(ValidationError) as refused:
        sites.site_hours_update(
            membership=manager, site=site, hours={"1": [["09:00", "12:00"], ["11:00", "17:00"]]}
        )
    assert refused.value.message_dict == {
        "day_1": ["Lundi : les plages 09:00 – 12:00 et 11:00 – 17:00 se chevauchent."]
    }
    site.refresh_from_db()
    assert site.opening_hours == before
    sites.site_hours_update(
        membership=manager, site=site, hours={"2": [["14:00", "17:00"], ["09:00", "12:00"]]}
    )
    site.refresh_from_db()
    assert site.opening_hours == {"2": [["09:00", "12:00"], ["14:00", "17:00"]]}
    assert AuditEntry.objects.latest("pk").summary.startswith("Horaires d'ouverture modifiés")


def test_a_room_in_another_services_site_is_refused(manager, site, foreign_site):
    before = counts()
    with pytest.raises(ValidationError) as refused:
        sites.room_save(membership=manager, data={"site": foreign_site, "name": "Bureau 9"})
    assert refused.value.message_dict["site"] == ["Cette antenne n'appartient pas à votre service."]
    room = Room.objects.create(site=foreign_site, name="Bureau 1")
    with pytest.raises(ValidationError):
        sites.room_save(membership=manager, room=room, data={"site": site, "name": "Volé"})
    room.refresh_from_db()
    assert (room.site, room.name) == (foreign_site, "Bureau 1")
    assert counts()[2] == before[2] + 1  # only the room made by the test


def test_a_room_is_added_then_taken_out_of_service(manager, site):
    room = sites.room_save(membership=manager, data={"site": site, "name": "Bureau 1"})
    sites.room_save(membership=manager, room=room, data={"is_active": False})
    room.refresh_from_db()
    assert not room.is_active
    with pytest.raises(ValidationError) as refused:
        sites.room_save(membership=manager, data={"site": site, "name": "Bureau 1"})
    assert refused.value.messages == ["Ce nom de salle existe déjà sur cette antenne."]


def test_a_closed_day_at_another_services_site_is_refused(manager, foreign_site):
    before = counts()
    with pytest.raises(ValidationError):
        sites.closed_day_create(
            membership=manager,
            data={"site": foreign_site, "start_date": THURSDAY, "reason": "Travaux"},
        )
    with pytest.raises(ValidationError) as refused:
        sites.closed_day_create(
            membership=manager,
            data={"start_date": THURSDAY, "end_date": date(2027, 3, 10), "reason": "Travaux"},
        )
    assert "end_date" in refused.value.message_dict
    assert counts() == before


# --- Bookings refused on a closed day or with an absent staff member -----------------------


def at(day: date, hh: int) -> datetime:
    return agenda_rules.at_paris(day, time(hh, 0))


def book(cpip, person, day, site, hour=10):
    return agenda.appointment_book(
        gated=person_get_for(cpip, person.pk),
        data={
            "kind": "follow_up",
            "place_kind": "site",
            "site": site,
            "starts_at": at(day, hour),
            "ends_at": at(day, hour) + timedelta(minutes=45),
        },
        staff=[cpip.user],
        confirmed=True,
        now=NOW,
    )


def test_booking_at_a_closed_site_is_refused_elsewhere_allowed(manager, cpip, site, other_site):
    person = make_person(cpip)
    sites.closed_day_create(
        membership=manager,
        data={"site": site, "start_date": THURSDAY, "reason": "Fermeture exceptionnelle"},
    )
    with pytest.raises(ValidationError) as refused:
        book(cpip, person, THURSDAY, site)
    assert refused.value.message_dict["starts_at"] == [
        "« Antenne d'Amiens » est fermée le 11/03/2027 (Fermeture exceptionnelle) : choisissez "
        "un autre jour ou un autre lieu."
    ]
    assert not Appointment.objects.filter(person=person).exists()
    assert book(cpip, person, THURSDAY, other_site).pk  # another antenne is open
    assert book(cpip, person, THURSDAY + timedelta(days=1), site).pk  # the next day too


def test_a_closure_of_the_whole_service_refuses_every_site(manager, cpip, site, other_site):
    person = make_person(cpip)
    sites.closed_day_create(
        membership=manager,
        data={
            "start_date": date(2027, 5, 7),
            "end_date": date(2027, 5, 7),
            "reason": "Pont de l'Ascension",
        },
    )
    for where in (site, other_site):
        with pytest.raises(ValidationError) as refused:
            book(cpip, person, date(2027, 5, 7), where)
        assert refused.value.message_dict["starts_at"][0].startswith(
            "Le service est fermé le 07/05/2027"
        )


def test_booking_with_an_absent_staff_member_is_refused_and_moving_too(manager, cpip, site):
    person = make_person(cpip)
    booked = book(cpip, person, date(2027, 3, 5), site)
    staff.staff_absence_create(
        membership=manager,
        target=cpip,
        data={"kind": "training", "start_date": date(2027, 3, 8), "end_date": date(2027, 3, 9)},
    )
    with pytest.raises(ValidationError) as refused:
        book(cpip, person, date(2027, 3, 9), site)
    assert refused.value.message_dict["staff"] == [
        "Camille Conseil est absent·e le 09/03/2027 (formation, du 08/03/2027 au 09/03/2027) : "
        "choisissez un autre jour ou un·e autre professionnel·le."
    ]
    with pytest.raises(ValidationError):
        agenda.appointment_move(
            gated=person_get_for(cpip, person.pk),
            appointment=booked,
            starts_at=at(date(2027, 3, 8), 14),
            ends_at=at(date(2027, 3, 8), 15),
            reason="Demande de la personne",
            confirmed=True,
            now=NOW,
        )
    booked.refresh_from_db()
    assert booked.status == "planned"
    assert book(cpip, person, date(2027, 3, 10), site).pk  # back the day after


def test_an_absence_in_another_service_does_not_refuse_a_booking_here(
    manager, member, other_service, site
):
    shared = member("cpip")
    elsewhere = MembershipFactory(user=shared.user, service=other_service, role="cpip")
    Absence.objects.create(
        membership=elsewhere, kind="leave", start_date=THURSDAY, end_date=THURSDAY
    )
    person = make_person(shared)
    assert book(shared, person, THURSDAY, site).pk


# --- The allocation reads absences --------------------------------------------------------


def test_the_loads_carry_the_end_of_the_absence_running_today(manager, cpip, roussel):
    staff.staff_absence_create(
        membership=manager,
        target=cpip,
        data={"kind": "leave", "start_date": date(2027, 3, 1), "end_date": date(2027, 3, 19)},
    )
    loads = {
        load.user.username: load for load in caseloads.cpip_loads(cpip.service_id, today=THURSDAY)
    }
    assert loads["cpip.test"].absent_until == date(2027, 3, 19)
    assert loads["cpip.test"].away_long
    assert loads["cpip.r"].absent_until is None
    later = {
        load.user.username: load
        for load in caseloads.cpip_loads(cpip.service_id, today=date(2027, 3, 20))
    }
    assert later["cpip.test"].absent_until is None
