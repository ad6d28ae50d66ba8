from django import forms
from dsfr.forms import DsfrBaseForm


class BaseForm(DsfrBaseForm):
    """Every form of Probatio: DSFR rendering, optional fields marked (not required ones)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # django-dsfr builds the bound fields in its __init__ (to style the widgets), and a
        # bound field copies its field's label and help text when built: drop them, so that
        # what a subclass changes after this call (help texts, labels) is what is shown.
        self._bound_fields_cache.clear()

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


def apply_errors(form: forms.BaseForm, error) -> None:
    """Show a service's ValidationError on the form: next to each field it names, at the top
    otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for item in errors:
                message = " ".join(item.messages)
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)
