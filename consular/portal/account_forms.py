"""Forms of citizen accounts: sign-up, a new verification link, password reset (Django's forms, for citizens).

The sign-up form checks every field at once, with the same rules the service applies (`consular.accounts.signup`),
so a citizen sees all the problems in one answer; the service checks again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from consular.accounts import signup
from consular.accounts.models import Role, User
from consular.incidents.tabular import ValueInvalid
from consular.notify.services import notify_email

_EMAIL_ATTRS = {"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false", "inputmode": "email"}


class SignUpForm(forms.Form):
    email = forms.CharField(label=_("Email"), max_length=signup.MAX_EMAIL,
                            help_text=_("We send a link to this address to activate your account."),
                            widget=forms.EmailInput(attrs=_EMAIL_ATTRS))
    password = forms.CharField(
        label=_("Password"), strip=False, max_length=128,
        help_text=_("At least 10 characters; not a common password, not only digits, not like your email."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirm = forms.CharField(label=_("Password again"), strip=False, max_length=128,
                                       widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    phone = forms.CharField(
        label=_("Mobile phone (optional)"), required=False, max_length=40,
        help_text=_("With the country code, for example +86 138 0013 8000."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_email(self) -> str:
        try:
            return signup.email_clean(self.cleaned_data["email"])
        except ValueInvalid as exc:
            raise ValidationError(exc.message) from None

    def clean_phone(self) -> str:
        try:
            return signup.phone_clean(self.cleaned_data.get("phone", ""))
        except ValueInvalid as exc:
            raise ValidationError(exc.message) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password, confirm = data.get("password"), data.get("password_confirm")
        if password:
            email = data.get("email") or ""
            try:
                validate_password(password, User(username=email, email=email))
            except ValidationError as exc:
                self.add_error("password", exc)
        if password and confirm is not None and password != confirm:
            self.add_error("password_confirm", _("The two passwords are not the same."))
        return data


class ActivateForm(forms.Form):
    """The activation page asks for the password chosen at sign-up (see `services.citizen_verify`)."""

    password = forms.CharField(
        label=_("Password"), strip=False, max_length=128,
        help_text=_("The password you chose when you created the account."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ResendForm(forms.Form):
    email = forms.CharField(label=_("Email"), max_length=signup.MAX_EMAIL,
                            help_text=_("The address you signed up with."),
                            widget=forms.EmailInput(attrs=_EMAIL_ATTRS))

    def clean_email(self) -> str:
        try:
            return signup.email_clean(self.cleaned_data["email"])
        except ValueInvalid as exc:
            raise ValidationError(exc.message) from None


class CitizenPasswordResetForm(PasswordResetForm):
    """Django's reset form for citizen accounts only (staff passwords are reset by an administrator), sending
    through the notify seam (queued, sent by the worker after the commit) with a link to PUBLIC_URL."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Email")
        self.fields["email"].widget.attrs.update(_EMAIL_ATTRS)

    def get_users(self, email: str) -> Iterator[Any]:
        for user in super().get_users(email):
            if user.role == Role.CITIZEN:
                yield user

    def send_mail(self, subject_template_name: str, email_template_name: str, context: dict[str, Any],
                  from_email: str | None, to_email: str, html_email_template_name: str | None = None) -> None:
        path = reverse("password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]})
        context = {**context, "reset_url": settings.PUBLIC_URL + path,
                   "days": max(1, settings.PASSWORD_RESET_TIMEOUT // (24 * 3600)),
                   "hotline": settings.CONSULAR_DEPLOYMENT.get("hotline", "")}
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        notify_email(to=[to_email], subject=subject, body=body)
