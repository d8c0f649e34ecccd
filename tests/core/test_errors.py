"""ApplicationError: lazy messages rendered in the reader's language, and placed on the form that caused them."""

from __future__ import annotations

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from consular.cases.codes import State
from consular.core.errors import ApplicationError, ErrorCode, form_add_error, lazy_interpolate


def test_lazy_interpolate_renders_message_and_parameters_when_shown() -> None:
    message = lazy_interpolate(_("The case is “%(state)s”."), state=State.CANCELLED.label)
    with translation.override("en"):
        assert str(message) == "The case is “Cancelled”."
    with translation.override("zh-hans"):
        assert str(message) == "案件当前为“已取消”。"


def test_texts_are_plain_strings_in_the_active_language() -> None:
    error = ApplicationError(ErrorCode.INVALID, _("Some details of the case are not valid."),
                             fields={"summary": [_("This field is required.")]})
    with translation.override("en"):
        assert error.text() == str(error) == "Some details of the case are not valid."
        texts = error.field_texts()
        assert texts == {"summary": ["This field is required."]}
        assert all(type(t) is str for t in texts["summary"])
    with translation.override("zh-hans"):
        assert (error.text(), error.field_texts()) == ("案件的部分信息无效。", {"summary": ["该字段是必填项。"]})


class _Form(forms.Form):
    reason = forms.CharField(required=False)
    country = forms.CharField(required=False)


def _errors(error: ApplicationError, field_map: dict[str, str] | None = None) -> dict[str, list[str]]:
    form = _Form({})
    assert form.is_valid()
    form_add_error(form, error, field_map)
    with translation.override("en"):
        return {key: [str(message) for message in messages] for key, messages in form.errors.items()}


def test_form_add_error_puts_each_message_on_its_field() -> None:
    error = ApplicationError(ErrorCode.INVALID, _("Some details of the case are not valid."), fields={
        "reason": [_("A reason is required for this change.")],  # a field of the same name
        "location.country": [_("Unknown country.")],  # through the map
        "persons.0.phone": [_("This field is required.")],  # no such field: above the form
    })
    assert _errors(error, {"location.country": "country"}) == {
        "reason": ["A reason is required for this change."],
        "country": ["Unknown country."],
        "__all__": ["This field is required."],
    }


def test_form_add_error_shows_the_main_message_when_no_field_is_named() -> None:
    error = ApplicationError(ErrorCode.PERMISSION_DENIED, _("Your role may not change cases."), status=403)
    assert _errors(error) == {"__all__": ["Your role may not change cases."]}
