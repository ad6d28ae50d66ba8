"""The national default of the workload scale (reference data, effective from 1 January 2020).

[à vérifier] No official national weighting of SPIP caseloads is published: this scale is our
first draft, for each service to validate or override (Paramètres du service → Charge de
travail). Its anchor is the caseload the Senate's report recommends, about 60 persons for a
full-time CPIP, each followed under one ordinary measure: a full-time CPIP holds 60 points and
an ordinary probation weighs 1. Measures asking more contacts (electronic monitoring,
reinforced follow-up, semi-liberty, release under constraint) weigh more; measures that ask
little of the CPIP (a course, a ban from places) weigh less; a measure suspended in custody
weighs half. A report to write weighs half a point.

The follow-up intensity (docs/assessments.md) is a **coefficient** of the person's measures:
a reinforced follow-up asks about half as many contacts again (1.5), a light one fewer (0.7),
the standard level and a person without a level count as they are (1).
"""

from datetime import date
from decimal import Decimal

from probatio.caseloads.rules import ANY, ANY_MEASURE, FULL_TIME, REPORT_DUE

SINCE = date(2020, 1, 1)

# (subject, setting, points)
NATIONAL: list[tuple[str, str, str]] = [
    (FULL_TIME, ANY, "60"),
    (REPORT_DUE, ANY, "0.5"),
    (ANY_MEASURE, "community", "1"),
    (ANY_MEASURE, "custody", "1"),
    ("SURSIS_PROBATOIRE", "community", "1"),
    ("SURSIS_PROBATOIRE", "custody", "0.5"),
    ("SURSIS_PROBATOIRE_RENFORCE", "community", "1.5"),
    ("SURSIS_PROBATOIRE_RENFORCE", "custody", "0.5"),
    ("TIG", "community", "1"),
    ("TIG", "custody", "0.5"),
    ("DDSE", ANY, "1.5"),
    ("DDSE_AMENAGEMENT", ANY, "1.5"),
    ("SEMI_LIBERTE", ANY, "1.5"),
    ("PLACEMENT_EXTERIEUR", ANY, "1.5"),
    ("LC", ANY, "1.2"),
    ("LSC", ANY, "1.5"),
    ("LSC_PLEIN_DROIT", ANY, "1.5"),
    ("SSJ", "community", "1.2"),
    ("SSJ", "custody", "0.5"),
    ("SURVEILLANCE_JUDICIAIRE", ANY, "1.5"),
    ("INTERDICTION_SEJOUR", ANY, "0.5"),
    ("STAGE", ANY, "0.3"),
    ("CJ", ANY, "1"),
    ("ARSE", ANY, "1"),
    ("ENQUETE", ANY, "1"),
    ("AJOURNEMENT_PROBATION", ANY, "1"),
    ("AMENAGEMENT_723_15", ANY, "1"),
    ("EMPRISONNEMENT", ANY, "1"),
    # Coefficients of the follow-up intensity (rules.level_factor).
    ("LEVEL_REINFORCED", ANY, "1.5"),
    ("LEVEL_STANDARD", ANY, "1"),
    ("LEVEL_LIGHT", ANY, "0.7"),
]


def sync(apps=None) -> None:
    """Create the national rows (idempotent: an existing row keeps its value)."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    WorkloadWeight = apps.get_model("caseloads", "WorkloadWeight")
    for subject, setting, value in NATIONAL:
        WorkloadWeight.objects.get_or_create(
            service=None,
            subject=subject,
            setting=setting,
            valid_from=SINCE,
            defaults={"points": Decimal(value)},
        )
