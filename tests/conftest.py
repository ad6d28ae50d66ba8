"""Fixtures for every test: one service with a member of every role, and a second service.

Every fixture below needs the database (it requests ``db``); pure rule tests simply do not use
them. Accounts all have the password ``tests.factories.PASSWORD`` ("demo-probatio-test").

``service``, ``other_service``
    Two SPIP. Nothing of ``other_service`` may ever be visible from a membership of ``service``.

``member(role, service=None, **kwargs)``
    Factory fixture: a new user with a new active Membership of ``service`` (or of the service
    given) with that role, e.g. ``member("cpip")`` for a second CPIP, or
    ``member("manager", service=other_service)``.

``cpip``, ``manager``, ``secretariat``, ``judge``, ``psychologist``, ``social_worker``,
``monitoring``
    One Membership of ``service`` per role (``cpip.user`` is the account, ``cpip.service`` the
    service). They are distinct users.

``person``
    A person of ``service`` created by ``cpip`` through ``person_create`` (so in ``cpip``'s
    caseload, with its audit entry and timeline event).

``judge_person``
    A person of ``service`` with a 24-month sursis probatoire whose assigning judge is
    ``judge`` (so one of the judge's files), created by ``cpip``.

``other_person``
    A person of ``other_service`` (created by a CPIP of that service).

For anything else, use the factories and ``make_*`` helpers of ``tests.factories``.
"""

from collections.abc import Callable

import pytest
from django.core.cache import cache
from hypothesis import settings as hypothesis_settings

from probatio.accounts.models import Membership
from probatio.organisation.models import Court
from tests.factories import MembershipFactory, ServiceFactory, make_measure, make_person

# No example database written into the working tree; examples stay reproducible from the seed.
hypothesis_settings.register_profile("probatio", database=None, deadline=None)
hypothesis_settings.load_profile("probatio")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: what one test's database put there (the
    catalogue, a service's workload scale) never answers for another's."""
    cache.clear()


@pytest.fixture(autouse=True)
def _long_grace_and_idle_delay(settings):
    """Many tests move the clock by weeks or months between two sign-ins of the same account:
    the second factor's grace (7 days from the first sign-in, docs/security.md) would then
    lead them to its setup, and the inactivity timeout would sign them out. Here both last a
    century; their own tests (tests/views/test_second_factor.py, test_inactivity.py) set the
    deployment's values back."""
    settings.SECOND_FACTOR_GRACE_DAYS = 36500
    # The same for the inactivity timeout (30 minutes): tests/views/test_inactivity.py sets
    # it back.
    settings.SESSION_IDLE_MINUTES = 60 * 24 * 36500


@pytest.fixture
def service(db):
    return ServiceFactory(name="SPIP du Test", department_code="999")


@pytest.fixture
def other_service(db):
    return ServiceFactory(name="SPIP d'ailleurs", department_code="998")


@pytest.fixture
def member(db, service) -> Callable[..., Membership]:
    def make(role: str, service=None, **kwargs) -> Membership:
        return MembershipFactory(role=role, service=service or default_service, **kwargs)

    default_service = service
    return make


@pytest.fixture
def cpip(member):
    return member(
        "cpip", user__username="cpip.test", user__first_name="Camille", user__last_name="Conseil"
    )


@pytest.fixture
def manager(member):
    return member(
        "manager",
        user__username="encadrement.test",
        user__first_name="Dominique",
        user__last_name="Direction",
    )


@pytest.fixture
def leaver(member):
    """A CPIP about to leave the service (the allocation's tests move her files)."""
    return member(
        "cpip", user__username="cpip.v", user__first_name="Claire", user__last_name="Vaillant"
    )


@pytest.fixture
def roussel(member):
    """Another CPIP of the service, who receives files."""
    return member(
        "cpip", user__username="cpip.r", user__first_name="Marc", user__last_name="Roussel"
    )


@pytest.fixture
def garnier(member):
    """A third CPIP of the service."""
    return member(
        "cpip", user__username="cpip.g", user__first_name="Inès", user__last_name="Garnier"
    )


@pytest.fixture
def secretariat(member):
    return member(
        "secretariat",
        user__username="secretariat.test",
        user__first_name="Sacha",
        user__last_name="Secrétariat",
    )


@pytest.fixture
def judge(member):
    return member(
        "judge", user__username="juge.test", user__first_name="Jeanne", user__last_name="Juge"
    )


@pytest.fixture
def court(service, judge):
    """The service's court, the judge's own."""
    court = Court.objects.create(
        service=service, name="Tribunal judiciaire de Testville", city="Testville",
        appeal_court_city="Grandville",
    )  # fmt: skip
    judge.court = court
    judge.save(update_fields=["court"])
    return court


@pytest.fixture
def psychologist(member):
    return member(
        "psychologist",
        user__username="psychologue.test",
        user__first_name="Paul",
        user__last_name="Psy",
    )


@pytest.fixture
def social_worker(member):
    return member(
        "social_worker",
        user__username="ass.test",
        user__first_name="Alix",
        user__last_name="Social",
    )


@pytest.fixture
def monitoring(member):
    return member(
        "monitoring",
        user__username="surveillance.test",
        user__first_name="Morgan",
        user__last_name="Surveillance",
    )


@pytest.fixture
def person(cpip):
    return make_person(cpip)


@pytest.fixture
def judge_person(cpip, judge):
    subject = make_person(cpip)
    make_measure(cpip, subject, judge=judge.user)
    return subject


@pytest.fixture
def other_person(member, other_service):
    return make_person(member("cpip", service=other_service))


@pytest.fixture
def private_files(settings, tmp_path):
    """The default storage (private files: summonses, proofs, reports) in a temporary folder,
    returned; modules that write files use it with
    ``pytestmark = pytest.mark.usefixtures("private_files")``."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": None},
        },
    }
    return tmp_path
