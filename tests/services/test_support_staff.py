import pytest
from django.core.exceptions import ValidationError

from probatio.access.policy import Action
from probatio.audit.models import AuditEntry
from probatio.people import selectors, services
from probatio.people.models import TimelineEvent
from tests.factories import gate


@pytest.mark.django_db
def test_support_staff_brings_the_person_into_their_caseload(manager, social_worker, person):
    before = selectors.person_get_for(social_worker, person.pk)
    assert not before.allows(Action.EDIT_IDENTITY)

    services.support_staff_set(gated=gate(manager, person), users=[social_worker.user])

    after = selectors.person_get_for(social_worker, person.pk)
    assert after.facts.is_caseload
    assert after.allows(Action.EDIT_IDENTITY)
    listed = selectors.person_list_for(social_worker, caseload_only=True)
    assert list(listed) == [person]
    entry = AuditEntry.objects.filter(person_id=person.pk, summary="Autres intervenant·es").get()
    assert entry.changes == {"support_staff": [[], [social_worker.user.pk]]}
    assert TimelineEvent.objects.filter(person=person, kind="assignment").exists()


@pytest.mark.django_db
def test_support_staff_refuses_a_cpip_or_another_service(
    manager, cpip, member, other_service, person
):
    outsider = member("social_worker", service=other_service)
    for user in (cpip.user, outsider.user):
        with pytest.raises(ValidationError) as error:
            services.support_staff_set(gated=gate(manager, person), users=[user])
        assert "support_staff" in error.value.error_dict
    assert person.support_staff.count() == 0


@pytest.mark.django_db
def test_setting_the_same_staff_twice_writes_nothing(manager, psychologist, person):
    services.support_staff_set(gated=gate(manager, person), users=[psychologist.user])
    count = AuditEntry.objects.count()
    services.support_staff_set(gated=gate(manager, person), users=[psychologist.user])
    assert AuditEntry.objects.count() == count


@pytest.mark.django_db
def test_assign_page_sets_cpip_and_support_staff(client, manager, member, psychologist, person):
    other_cpip = member("cpip")
    client.force_login(manager.user)
    response = client.post(
        f"/personnes/{person.pk}/attribuer/",
        {"cpip": str(other_cpip.user.pk), "support_staff": [str(psychologist.user.pk)]},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.assigned_cpip == other_cpip.user
    assert list(person.support_staff.all()) == [psychologist.user]
