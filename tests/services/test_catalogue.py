"""The catalogues of measures and obligations, loaded by the data migration."""

from datetime import date

import pytest
from django.core.management import call_command

from probatio.measures.catalogue import sync
from probatio.measures.models import MeasureRule, MeasureType, ObligationType

pytestmark = pytest.mark.django_db

MEASURE_CODES = {
    "SURSIS_PROBATOIRE",
    "SURSIS_PROBATOIRE_RENFORCE",
    "TIG",
    "DDSE",
    "DDSE_AMENAGEMENT",
    "SEMI_LIBERTE",
    "PLACEMENT_EXTERIEUR",
    "LC",
    "LSC",
    "LSC_PLEIN_DROIT",
    "SSJ",
    "SURVEILLANCE_JUDICIAIRE",
    "INTERDICTION_SEJOUR",
    "STAGE",
    "CJ",
    "ARSE",
    "ENQUETE",
    "AJOURNEMENT_PROBATION",
    "AMENAGEMENT_723_15",
    "EMPRISONNEMENT",
}

# code -> (kind, default proof frequency, detail expected), from the obligations reference.
OBLIGATIONS = {
    "CTRL_CONVOCATION": ("control", "none", ""),
    "CTRL_VISITE_DOCS": ("control", "none", ""),
    "CTRL_CHANGEMENT_EMPLOI": ("control", "none", ""),
    "CTRL_CHANGEMENT_RESIDENCE": ("control", "none", ""),
    "CTRL_AUTORISATION_JAP": ("control", "none", ""),
    "CTRL_INFO_ETRANGER": ("control", "none", ""),
    "TRAVAIL_FORMATION": ("obligation", "monthly", ""),
    "RESIDENCE": ("obligation", "on_change", ""),
    "SOINS": ("obligation", "monthly", "care"),
    "CHARGES_FAMILIALES": ("obligation", "monthly", ""),
    "INDEMNISER_VICTIME": ("obligation", "monthly", "victim"),
    "PAYER_TRESOR": ("obligation", "monthly", ""),
    "NE_PAS_CONDUIRE": ("prohibition", "none", ""),
    "INTERDICTION_ACTIVITE": ("prohibition", "none", ""),
    "NE_PAS_PARAITRE": ("prohibition", "none", "zone"),
    "NE_PAS_PARIER": ("prohibition", "none", ""),
    "NE_PAS_FREQUENTER_DEBITS": ("prohibition", "none", ""),
    "NE_PAS_FREQUENTER_CONDAMNES": ("prohibition", "none", "persons"),
    "NE_PAS_CONTACTER": ("prohibition", "none", "victim"),
    "NE_PAS_DETENIR_ARME": ("prohibition", "once", ""),
    "STAGE_SECURITE_ROUTIERE": ("obligation", "once", ""),
    "NE_PAS_DIFFUSER_OEUVRE": ("prohibition", "none", ""),
    "REMETTRE_ENFANTS": ("obligation", "none", ""),
    "STAGE_CITOYENNETE": ("obligation", "once", ""),
    "STAGE_ACHAT_ACTES_SEXUELS": ("obligation", "once", ""),
    "RESIDER_HORS_DOMICILE_COUPLE": ("obligation", "on_change", "victim"),
    "STAGE_VIOLENCES_COUPLE": ("obligation", "once", ""),
    "PRISE_EN_CHARGE": ("obligation", "monthly", "care"),
    "TIG": ("obligation", "per_session", ""),
}


def test_every_measure_code_exists():
    assert set(MeasureType.objects.values_list("code", flat=True)) == MEASURE_CODES


def test_every_obligation_code_exists_with_its_defaults():
    rows = {
        code: (kind, frequency, detail)
        for code, kind, frequency, detail in ObligationType.objects.values_list(
            "code", "kind", "default_proof_frequency", "detail"
        )
    }
    assert rows == OBLIGATIONS


def test_every_measure_has_a_rule_in_force_today():
    today = date(2025, 6, 1)
    for code in MEASURE_CODES:
        assert MeasureRule.objects.filter(measure_type_id=code, valid_from__lte=today).exists(), (
            code
        )


def test_stored_bounds_of_the_sursis_probatoire():
    rule = MeasureRule.objects.get(measure_type_id="SURSIS_PROBATOIRE")
    assert (
        rule.valid_from,
        rule.duration_kind,
        rule.min_months,
        rule.max_months,
        rule.max_months_recidivist,
        rule.max_months_repeat,
    ) == (date(2020, 3, 24), "period", 12, 36, 60, 84)
    tig = MeasureRule.objects.get(measure_type_id="TIG")
    assert (tig.duration_kind, tig.min_hours, tig.max_hours, tig.max_months) == (
        "hours",
        20,
        400,
        18,
    )
    ddse = MeasureRule.objects.get(measure_type_id="DDSE")
    assert (ddse.min_months, ddse.min_days, ddse.max_months, ddse.max_days) == (0, 15, 6, 0)


def test_custody_measures_default_to_custody():
    settings = dict(MeasureType.objects.values_list("code", "default_setting"))
    assert settings["EMPRISONNEMENT"] == "custody"
    assert settings["SEMI_LIBERTE"] == "custody"
    assert settings["SURSIS_PROBATOIRE"] == "community"


def snapshot():
    return (
        sorted(MeasureType.objects.values_list("code", "label", "sort_order")),
        sorted(
            MeasureRule.objects.values_list("measure_type_id", "valid_from", "max_months", "text")
        ),
        sorted(ObligationType.objects.values_list("code", "label", "default_proof_frequency")),
    )


def test_sync_is_idempotent():
    before = snapshot()
    sync()
    sync()
    assert snapshot() == before


def test_sync_restores_changed_reference_data():
    before = snapshot()
    MeasureType.objects.filter(code="TIG").update(label="Autre chose")
    MeasureRule.objects.filter(measure_type_id="SURSIS_PROBATOIRE").update(max_months=48)
    ObligationType.objects.filter(code="SOINS").update(default_proof_frequency="none")
    call_command("sync_catalogue", stdout=_null())
    assert snapshot() == before


def _null():
    from io import StringIO

    return StringIO()
