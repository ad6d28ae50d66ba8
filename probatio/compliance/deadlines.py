"""What proofs feed into the échéancier: proofs due soon, proofs overdue (alerts, the last
``RECENT_DAYS`` days), and proofs received but not yet examined. Registered in
``ComplianceConfig.ready``; two queries whatever the number of persons (the obligations, then
the proofs, address changes and custody periods together). A proof whose due day fell while the
person is still held waits for the release: it is listed only once received (to examine)."""

from datetime import timedelta

from django.urls import reverse

from probatio.compliance import rules
from probatio.compliance.selectors import RECENT_DAYS, compliance_of, scheduled_obligations
from probatio.core.deadlines import DueItem, Query, Severity, register
from probatio.measures.models import Measure


@register("proof", "Justificatif")
def proofs(query: Query) -> list[DueItem]:
    service = query.service_settings()
    since = query.today - timedelta(days=RECENT_DAYS)
    obligations = list(
        scheduled_obligations(query.persons.order_by().values("pk")).filter(
            measure__status__in=Measure.OPEN_STATUSES
        )
    )
    items = []
    for item in compliance_of(
        obligations,
        today=query.today,
        grace_days=service.proof_grace_days,
        with_proofs=False,
        since=since,
    ):
        obligation = item.obligation
        person = obligation.measure.person
        cpip_id = obligation.measure.assigned_cpip_id or person.assigned_cpip_id
        common = {
            "person_id": person.pk,
            "kind": "proof",
            "detail": f"{obligation.obligation_type.label} — "
            f"{obligation.measure.measure_type.short_label}",
            "url": reverse("compliance:proofs", args=[person.pk]),
            "staff_ids": frozenset([cpip_id] if cpip_id else []),
        }
        for state in item.states:
            slot = state.slot
            if state.status is rules.Status.MISSING:
                items.append(
                    DueItem(
                        due=slot.due,
                        label=f"Justificatif manquant ({slot.label}), attendu le "
                        f"{slot.due:%d/%m/%Y}",
                        severity=Severity.ALERT,
                        **common,
                    )
                )
            elif state.status is rules.Status.TO_REVIEW:
                items.append(
                    DueItem(
                        due=query.today,
                        label=f"Justificatif reçu à examiner ({slot.label})",
                        **common,
                    )
                )
            elif (
                state.status is rules.Status.NOT_DUE
                and not slot.awaiting_release
                and slot.due <= query.until
            ):
                items.append(
                    DueItem(
                        due=slot.due,
                        label=f"Justificatif attendu ({slot.label}) : "
                        f"{obligation.obligation_type.proof_hint or 'document à fournir'}",
                        **common,
                    )
                )
    return items
