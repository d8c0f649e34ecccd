"""Forms of the citizen portal."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _

from consular.core.models import Country


class MissionFilterForm(forms.Form):
    """Narrow the public list of missions to one country. The choices are the countries that have one."""

    country = forms.ChoiceField(label=_("Country"), required=False)

    def __init__(self, *args: object, countries: Iterable[Country], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["country"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All countries")), *((c.code, c.name) for c in countries)]
