"""The judge's answer form: the answers that fit the report (``reports.answers.allowed``), and
the fields each of them needs. Every field is in the page (it works without JavaScript: each
group says which answers it is for); a small script shows only the groups of the answer chosen.
Fields of the other answers are ignored, errors included."""

from django import forms

from probatio.accounts.models import User
from probatio.core.forms import BaseForm, DateInput
from probatio.organisation.models import Establishment
from probatio.people.forms import CustodyOpenForm
from probatio.people.situation import STATUSES
from probatio.reintegration.release_forms import ReleaseForm
from probatio.reports import answers
from probatio.transitions import rules as transition_rules
from probatio.transitions.services import (
    DETAIL_FIELDS,
    AnswerData,
    CommittalData,
    ReleaseData,
)

# Field groups: (key, legend, fields, which answers it serves: a function of the answer and the
# matter).
GRANT_FORM_MATTERS = (answers.LSC, answers.LSC_PLEIN_DROIT, answers.ADJUSTMENT_723_15)
TERM_ANSWERS = (answers.REVOCATION_PARTIAL, answers.REVOCATION_FULL, answers.ENFORCE_TERM)
REASONED_ANSWERS = (answers.REFUSED, answers.IMPOSSIBLE, answers.ADJOURNED)


def _group_answers(key: str, matter: str, choices: list[answers.Answer]) -> list[str]:
    """The codes of the answers a group of fields serves."""

    def serves(a: answers.Answer) -> bool:
        if key == "grant":
            return a.effect == answers.E_GRANT
        if key == "form":
            return a.effect == answers.E_GRANT and matter in GRANT_FORM_MATTERS
        if key == "step":
            return a.effect == answers.E_GRANT and matter == answers.PAROLE
        if key == "add":
            return a.effect in (answers.E_GRANT, answers.E_OBLIGATIONS)
        if key == "lift":
            return a.effect == answers.E_OBLIGATIONS
        if key == "extend":
            return a.effect == answers.E_EXTEND
        if key == "reductions":
            return a.effect in (answers.E_REDUCE, answers.E_WITHDRAW_REDUCTIONS)
        if key == "term":
            return a.code in TERM_ANSWERS
        if key == "reasons":
            return a.code in REASONED_ANSWERS
        if key == "review":
            return a.code == answers.ADJOURNED
        return False

    return [a.code for a in choices if serves(a)]


GROUPS = {
    "grant": ("Mesure accordée", ("effective_on", "end_on")),
    "form": ("Modalité accordée", ("modality",)),
    "step": ("Mesure probatoire à la libération conditionnelle", ("step_form", "step_end")),
    "extend": ("Prolongation", ("extra_months",)),
    "reductions": ("Réductions de peine", ("reduction_days",)),
    "term": ("Emprisonnement à exécuter", ("term_years", "term_months", "term_days")),
    "reasons": ("Motifs", ("reasons",)),
    "review": ("Nouvel examen", ("next_review_on",)),
    "lift": ("Obligations levées", ("ended_obligations",)),
}


class AnswerForm(BaseForm):
    code = forms.ChoiceField(label="Réponse", widget=forms.RadioSelect)
    answered_on = forms.DateField(label="Date de la décision", widget=DateInput())
    text = forms.CharField(
        label="Texte de la décision",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Le dispositif, tel que le juge l'a rédigé.",
    )
    effective_on = forms.DateField(label="Prend effet le", required=False, widget=DateInput())
    end_on = forms.DateField(
        label="Fin de la mesure",
        required=False,
        widget=DateInput(),
        help_text="Libération conditionnelle : fin des mesures d'assistance et de contrôle. "
        "Aménagement : laissé vide, il court jusqu'à la fin de peine.",
    )
    modality = forms.ChoiceField(
        label="Modalité",
        required=False,
        widget=forms.RadioSelect,
        choices=list(answers.FORM_LABELS.items()),
    )
    step_form = forms.ChoiceField(
        label="Commence par une mesure probatoire (facultatif)",
        required=False,
        choices=[("", "Aucune")]
        + [(code, answers.FORM_LABELS[code]) for code in answers.STEP_FORMS],
    )
    step_end = forms.DateField(
        label="Fin de la mesure probatoire (début de la libération conditionnelle)",
        required=False,
        widget=DateInput(),
    )
    extra_months = forms.IntegerField(
        label="Prolongation (mois)", required=False, min_value=1, max_value=36
    )
    reduction_days = forms.IntegerField(
        label="Nombre de jours", required=False, min_value=1, max_value=36500
    )
    term_years = forms.IntegerField(label="Années", required=False, min_value=0, max_value=99)
    term_months = forms.IntegerField(label="Mois", required=False, min_value=0, max_value=1199)
    term_days = forms.IntegerField(label="Jours", required=False, min_value=0, max_value=9999)
    reasons = forms.CharField(
        label="Motifs",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_review_on = forms.DateField(
        label="Nouvel examen le (facultatif)", required=False, widget=DateInput()
    )
    ended_obligations = forms.TypedMultipleChoiceField(
        label="Obligations levées",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Les mesures de contrôle (CP 132-44) s'appliquent de plein droit : elles ne "
        "sont jamais levées.",
    )

    def __init__(
        self,
        *args,
        matter: str,
        choices: list[answers.Answer],
        obligation_types,
        obligations,
        show_victim: bool,
        measure_type: str | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.matter = matter
        self.choices = choices
        self.fields["code"].choices = [(a.code, a.label) for a in choices]
        # An answer that does not fit (posted by hand, or the page of another report) is named
        # in words, with the answers that fit: never Django's message quoting the code.
        known = answers.MATTERS.get(matter)
        self.fields["code"].error_messages["invalid_choice"] = (
            "Cette réponse ne convient pas à ce rapport"
            + (f" ({known.label.lower()}, {known.basis})" if known else "")
            + " : choisissez l'une des réponses proposées ("
            + (" ; ".join(a.label for a in choices) or "aucune")
            + ")."
        )
        self.fields["ended_obligations"].choices = [
            (o.pk, o.obligation_type.label + (f" — {o.details}" if o.details else ""))
            for o in obligations
            if o.obligation_type.kind != "control"
        ]
        if matter == answers.LSC:
            self.fields["reasons"].help_text = (
                "Obligatoires pour un refus : ordonnance spécialement motivée constatant "
                "qu'aucune mesure n'est possible (CPP 720 I)."
            )
        # Added obligations: a checkbox each, with the details its kind needs. Community work
        # as an obligation belongs to a probation (CP 132-54), not to a release.
        self.obligation_types = [
            t
            for t in obligation_types
            if t.kind != "control"
            and (t.code != "TIG" or (measure_type in answers.PROBATIONS and not self._grants()))
        ]
        self.show_victim = show_victim
        for t in self.obligation_types:
            for name in self._detail_fields(t):
                self.fields[f"obl-{t.code}-{name}"] = forms.CharField(
                    label=DETAIL_LABELS[name], required=False, max_length=DETAIL_MAX[name]
                )

    def _grants(self) -> bool:
        return any(a.effect == answers.E_GRANT for a in self.choices)

    def _detail_fields(self, obligation_type) -> list[str]:
        names = ["details"]
        if obligation_type.detail == "victim" and self.show_victim:
            names += ["victim_name", "victim_contact"]
        elif obligation_type.detail == "zone":
            names.append("zone")
        elif obligation_type.detail == "care":
            names.append("care_structure")
        return names

    # --- Rendering helpers (template) -------------------------------------------------------

    def groups(self) -> list[dict]:
        found = []
        for key, (legend, names) in GROUPS.items():
            codes = _group_answers(key, self.matter, self.choices)
            if not codes or (key == "lift" and not self.fields["ended_obligations"].choices):
                continue
            found.append(
                {
                    "key": key,
                    "legend": legend,
                    "fields": [self[name] for name in names],
                    "answers": " ".join(codes),
                    "for_text": " ; ".join(a.label for a in self.choices if a.code in codes),
                }
            )
        return found

    def added_obligations(self) -> dict | None:
        codes = _group_answers("add", self.matter, self.choices)
        if not codes:
            return None
        chosen = set(self.data.getlist("obligations")) if self.is_bound else set()
        return {
            "answers": " ".join(codes),
            "for_text": " ; ".join(a.label for a in self.choices if a.code in codes),
            "items": [
                {
                    "type": t,
                    "checked": t.code in chosen,
                    "details": [self[f"obl-{t.code}-{n}"] for n in self._detail_fields(t)],
                }
                for t in self.obligation_types
            ],
        }

    # --- Reading ------------------------------------------------------------------------------

    def relevant(self, code: str) -> set[str]:
        """The fields the answer ``code`` reads."""
        chosen = [a for a in self.choices if a.code == code]
        names = {"code", "answered_on", "text"}
        for key, (_, fields) in GROUPS.items():
            if _group_answers(key, self.matter, chosen):
                names.update(fields)
        if _group_answers("add", self.matter, chosen):
            names.update(n for n in self.fields if n.startswith("obl-"))
        return names

    def clean(self):
        data = super().clean()
        code = data.get("code")
        if code:
            keep = self.relevant(code)
            for name in list(self._errors or {}):
                if name not in keep and name in self.fields:
                    del self._errors[name]
                    data[name] = None
        return data

    def answer_data(self) -> AnswerData:
        data = self.cleaned_data
        code = data["code"]
        keep = self.relevant(code)

        def get(name, default=None):
            value = data.get(name) if name in keep else None
            return default if value in (None, "") else value

        added = []
        details = {}
        if any(n.startswith("obl-") for n in keep):
            known = {t.code for t in self.obligation_types}
            added = [c for c in self.data.getlist("obligations") if c in known]
            details = {c: {n: data.get(f"obl-{c}-{n}") or "" for n in DETAIL_FIELDS} for c in added}
        return AnswerData(
            input=answers.Input(
                code=code,
                answered_on=data.get("answered_on"),
                text=data.get("text") or "",
                reasons=get("reasons", ""),
                effective_on=get("effective_on"),
                end_on=get("end_on"),
                modality=get("modality", ""),
                step_form=get("step_form", ""),
                step_end=get("step_end"),
                extra_months=get("extra_months"),
                reduction_days=get("reduction_days"),
                term_years=get("term_years", 0),
                term_months=get("term_months", 0),
                term_days=get("term_days", 0),
                next_review_on=get("next_review_on"),
                new_obligations=tuple(added),
                ended_obligations=tuple(get("ended_obligations", [])),
            ),
            text=data.get("text") or "",
            obligation_details=details,
        )


DETAIL_LABELS = {
    "details": "Précisions",
    "victim_name": "Victime ou personnes protégées",
    "victim_contact": "Coordonnées de la victime",
    "zone": "Lieux ou zone interdits",
    "care_structure": "Structure de soins (jamais de contenu médical)",
}
DETAIL_MAX = {
    "details": 500,
    "victim_name": 200,
    "victim_contact": 300,
    "zone": 300,
    "care_structure": 200,
}


# --- Committal and release ------------------------------------------------------------------


class CommittalForm(CustodyOpenForm):
    """A new écrou: the establishment, the number and date, and (managers) the prison CPIP."""

    prison_cpip = forms.ModelChoiceField(
        label="CPIP de l'équipe en détention qui reprend le suivi",
        queryset=User.objects.none(),
        required=False,
        empty_label="Inchangé (à attribuer par l'encadrement)",
        help_text="Le ou la CPIP actuel·le est conservé·e comme CPIP du milieu ouvert, proposé·e "
        "à la sortie.",
    )

    def __init__(self, *args, service_id: int, may_assign: bool, **kwargs):
        super().__init__(*args, service_id=service_id, **kwargs)
        if not may_assign:
            del self.fields["prison_cpip"]
            return
        self.fields["prison_cpip"].queryset = User.objects.filter(
            memberships__service_id=service_id,
            memberships__role="cpip",
            memberships__is_active=True,
        ).order_by("last_name", "first_name")
        self.fields["prison_cpip"].label_from_instance = lambda user: user.get_full_name()

    def committal_data(self) -> CommittalData:
        data = self.cleaned_data
        return CommittalData(
            establishment_id=data["establishment"].pk,
            committal_number=data["committal_number"],
            committal_date=data["committal_date"],
            prison_cpip=data.get("prison_cpip"),
        )


class ReleaseKindForm(ReleaseForm):
    """The release: how the person leaves, then the community CPIP, the first appointment and
    the housing at the release."""

    field_order = ["kind", "release_date", "cpip", "housing", "housing_details"]

    kind = forms.ChoiceField(
        label="Nature de la sortie",
        widget=forms.RadioSelect,
        choices=list(transition_rules.RELEASE_LABELS.items()),
        help_text="Une libération conditionnelle, sous contrainte ou un aménagement suppose la "
        "décision du juge enregistrée (la mesure est alors ouverte à la date de sortie).",
    )
    housing = forms.ChoiceField(
        label="Hébergement à la sortie",
        choices=[(code, label) for code, label in STATUSES["housing"] if code != "in_custody"],
    )
    housing_details = forms.CharField(label="Précisions sur l'hébergement", required=False,
                                      max_length=500)  # fmt: skip

    def release_data(self) -> ReleaseData:
        data = self.cleaned_data
        return ReleaseData(
            kind=data["kind"],
            release_date=data["release_date"],
            cpip=data["cpip"],
            appointment={
                "site": data["site"],
                "starts_at": data["starts_at"],
                "ends_at": data["ends_at"],
            },
            housing=data["housing"],
            housing_details=data["housing_details"],
            confirmed=data["confirm"],
        )


class EstablishmentChangeForm(BaseForm):
    """The person held is moved to another establishment (the committal goes on)."""

    establishment = forms.ModelChoiceField(
        label="Nouvel établissement", queryset=Establishment.objects.none()
    )
    committal_number = forms.CharField(label="Numéro d'écrou dans cet établissement", max_length=30)
    on = forms.DateField(label="Date du transfert", widget=DateInput())

    def __init__(self, *args, service_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["establishment"].queryset = Establishment.objects.filter(
            service_id=service_id
        ).order_by("name")
