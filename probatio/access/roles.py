from django.db import models


class Role(models.TextChoices):
    CPIP = "cpip", "Conseiller·ère pénitentiaire d'insertion et de probation (CPIP)"
    MANAGER = "manager", "Encadrement (DPIP)"
    SECRETARIAT = "secretariat", "Secrétariat"
    MONITORING = "monitoring", "Surveillance électronique"
    PSYCHOLOGIST = "psychologist", "Psychologue"
    SOCIAL_WORKER = "social_worker", "Assistant·e de service social"
    JUDGE = "judge", "Juge de l'application des peines (JAP)"


SHORT_LABELS = {
    Role.CPIP: "CPIP",
    Role.MANAGER: "Encadrement",
    Role.SECRETARIAT: "Secrétariat",
    Role.MONITORING: "Surveillance électronique",
    Role.PSYCHOLOGIST: "Psychologue",
    Role.SOCIAL_WORKER: "Assistant·e social·e",
    Role.JUDGE: "JAP",
}

# The system actor's role code (``accounts.system.SystemActor``): no one holds it.
SYSTEM = "system"

# Professions a note may be restricted to (the author must hold that role).
NOTE_RESTRICTABLE_ROLES = (Role.PSYCHOLOGIST, Role.SOCIAL_WORKER)


def role_label(code: str) -> str:
    """The short French label of a role code as the journal shows it: « Système » for the
    system actor, the code itself when it is no longer a role."""
    if code == SYSTEM:
        return "Système"
    try:
        return SHORT_LABELS[Role(code)]
    except ValueError:
        return code
