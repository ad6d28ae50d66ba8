"""A person the secretariat may enter again, to meet the duplicate warning: Nadia HADDAD,
followed by cpip.demo, whose file was opened with her birth name. Entering « Nouvelle
personne » as secretariat.demo with her usage name BENALI, her birth name HADDAD, her first
name, birth date and phone (``README_ENTRY``) warns that she may already be followed, with the
reasons and a link to her file. Uses no random draw: the rest of the demo is unchanged."""

import random
from datetime import date

from probatio.access.roles import Role
from probatio.people import services as people_services

IDENTITY = {
    "surname": "Haddad",
    "first_names": "Nadia",
    "sex": "F",
    "birth_date": date(1990, 5, 17),
    "birth_place": "Roubaix",
    "phone": "06 48 27 15 93",
    "email": "nadia.haddad@exemple.fr",
    "languages": "français, arabe",
}
# What to type to meet the warning (the README's line of secretariat.demo says it).
README_ENTRY = {
    "surname": "BENALI",
    "birth_surname": "HADDAD",
    "first_names": "Nadia",
    "birth_date": date(1990, 5, 17),
    "phone": "06 48 27 15 93",
}


def build_near_duplicate(*, service, staff, rng: random.Random, fake, today: date) -> None:
    secretariat = staff[Role.SECRETARIAT][0]
    cpip = staff[Role.CPIP][0]
    people_services.person_create(
        membership=secretariat, data=IDENTITY, assigned_cpip=cpip.user, today=today
    )
