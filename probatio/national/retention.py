"""The legal holds in the national generator (docs/data-protection.md, « Retention »): a few
closed files of each service are kept under a hold set by its first manager, as a real service
keeps the files of a pending dispute; the retention job and the managers' page then have holds
to leave alone and to list. No random draw: every seventh closed file, three per service at
most, so that the rest of the generated data is the same with or without them. The rules
themselves are a global table seeded by the migration: nothing to generate."""

from datetime import timedelta

from probatio.retention.models import LegalHold

MODELS = [LegalHold]
PER_SERVICE = 3
EVERY = 7
REASON = "Contentieux en cours : dossier à conserver jusqu'à la décision."


class ServiceHolds:
    def __init__(self, generator, *, manager_id: int):
        self.generator = generator
        self.manager_id = manager_id
        self.closed = 0
        self.left = PER_SERVICE

    def person(self, *, person_id: int, active: bool) -> None:
        if active or not self.left:
            return
        self.closed += 1
        if self.closed % EVERY:
            return
        self.left -= 1
        self.generator.w[LegalHold].add(
            person_id=person_id,
            reason=REASON,
            set_by_id=self.manager_id,
            set_at=self.generator.now - timedelta(days=30 * self.left + 10),
            lifted_by_id=None,
            lifted_at=None,
        )
