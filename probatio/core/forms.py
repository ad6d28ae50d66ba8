from django import forms
from dsfr.forms import DsfrBaseForm


class BaseForm(DsfrBaseForm):
    """Every form of Probatio: DSFR rendering, optional fields marked (not required ones)."""

    def get_context(self) -> dict:
        context = forms.Form.get_context(self)
        context["DSFR_MARK_OPTIONAL_FIELDS"] = True
        return context


class BaseModelForm(forms.ModelForm, BaseForm):
    """A model form with the DSFR rendering. Views never call ``save()``: they pass
    ``cleaned_data`` to a service."""


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
