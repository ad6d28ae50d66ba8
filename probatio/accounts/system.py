"""The system actor: who acts when no person does (tasks, commands, scheduled jobs).

A task, a command or a nightly job works for one service, as its system actor, with a reason.
It passes the same gates as a membership (``role`` is ``access.policy.SYSTEM``, whose table of
actions is ``SYSTEM_RULES``), and the journal names it: no user, the label « Traitement
automatique », the reason in the entry. A task is given its actor as a plain dictionary
(``as_task_argument``) and refuses to start without one (``from_task_argument``).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from probatio.access.policy import SYSTEM


@dataclass(frozen=True)
class SystemActor:
    service_id: int
    reason: str
    role: str = SYSTEM
    user = None
    user_id = None
    is_system = True

    def __post_init__(self):
        if not self.service_id or not str(self.reason).strip():
            raise PermissionDenied(
                "Traitement refusé : l'acteur système doit nommer son service et sa raison."
            )

    def __str__(self) -> str:
        return f"Traitement automatique ({self.reason})"[:200]

    def as_task_argument(self) -> dict:
        return {"service_id": self.service_id, "reason": self.reason}

    @classmethod
    def from_task_argument(cls, value) -> "SystemActor":
        """The actor a task was started with; none (or a malformed one): refused."""
        if not isinstance(value, dict) or set(value) != {"service_id", "reason"}:
            raise PermissionDenied(
                "Traitement refusé : une tâche de fond doit être lancée par l'acteur système "
                "d'un service, avec une raison."
            )
        return cls(service_id=int(value["service_id"]), reason=str(value["reason"]))
