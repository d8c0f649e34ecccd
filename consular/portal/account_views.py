"""Citizen accounts in the portal: sign up, activate the account from the emailed link, ask for a new link, and
reset a forgotten password (Django's views, for citizen accounts).

Every answer to a sign-up, a new-link request or a reset request is the same whether or not the address has an
account. The activation link shows a page with one button: mail scanners that open links do not use it up;
pressing it activates the account, signs the citizen in and lands on /travel/. Thin: writes go through
`consular.accounts.services`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from consular.accounts import services, signup
from consular.accounts.models import Role
from consular.core.context import current
from consular.core.errors import ApplicationError, ErrorCode, form_add_error
from consular.portal.account_forms import ActivateForm, CitizenPasswordResetForm, ResendForm, SignUpForm

SENT = "signup_sent_to"  # the address the last sign-up or new-link request was for (shown on the sent page)
BACKEND = "consular.accounts.backends.ThrottledModelBackend"


def _rate_limited(request: HttpRequest, template: str, form: Any, error: ApplicationError,
                  context: dict[str, Any] | None = None) -> HttpResponse:
    form.add_error(None, _("Too many requests from this connection or for this address. For your safety, please "
                           "wait an hour and try again. If you need help now, call the 24-hour hotline."))
    response = render(request, template, {"form": form, **(context or {})}, status=429)
    response["Retry-After"] = str(error.retry_after or 3600)
    return response


@never_cache
def signup_view(request: HttpRequest) -> HttpResponse:
    """The sign-up form; on success the "check your email" page, whatever the address."""
    template = "portal/accounts/signup.html"
    if request.method != "POST":
        return render(request, template, {"form": SignUpForm()})
    form = SignUpForm(request.POST)
    if not form.is_valid():
        return render(request, template, {"form": form}, status=400)
    data = form.cleaned_data
    try:
        services.citizen_sign_up(actor=request.user, email=data["email"], password=data["password"],
                                 phone=data["phone"], client=current().client_address)
    except ApplicationError as error:
        if error.code == ErrorCode.RATE_LIMITED:
            return _rate_limited(request, template, form, error)
        form_add_error(form, error)
        return render(request, template, {"form": form}, status=400)
    request.session[SENT] = data["email"]
    return redirect("signup_sent")


@never_cache
def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/accounts/signup_sent.html",
                  {"email": request.session.get(SENT, ""), "days": settings.CITIZEN_SIGNUP_LINK_DAYS})


def _link_invalid(request: HttpRequest, error: ApplicationError, form: ResendForm | None = None,
                  status: int = 400) -> HttpResponse:
    reason = getattr(error, "reason", "invalid")
    return render(request, "portal/accounts/verify_invalid.html",
                  {"message": error.text(), "reason": reason, "form": form or ResendForm()}, status=status)


@never_cache
def signup_verify(request: HttpRequest, token: str) -> HttpResponse:
    """GET: check the link and show the form (the password chosen at sign-up and a button); POST: activate the
    account, sign in, go to /travel/."""
    template = "portal/accounts/verify_confirm.html"
    form = ActivateForm(request.POST if request.method == "POST" else None)
    try:
        if request.method != "POST":
            signup.verification_user(token)
            return render(request, template, {"token": token, "form": form})
        if not form.is_valid():
            signup.verification_user(token)  # a link that does not work says so first
            return render(request, template, {"token": token, "form": form}, status=400)
        user = services.citizen_verify(token=token, password=form.cleaned_data["password"])
    except ApplicationError as error:
        if "password" in error.fields:
            form_add_error(form, error)
            return render(request, template, {"token": token, "form": form}, status=400)
        return _link_invalid(request, error)
    login(request, user, backend=BACKEND)
    messages.success(request, _("Your account is active. You can now register your trips."))
    return redirect("travel")


@never_cache
def signup_resend(request: HttpRequest) -> HttpResponse:
    """Ask for a new activation link (the page also shown under an expired or used link)."""
    template = "portal/accounts/resend.html"
    if request.method != "POST":
        return render(request, template, {"form": ResendForm(initial={"email": request.session.get(SENT, "")})})
    form = ResendForm(request.POST)
    if not form.is_valid():
        return render(request, template, {"form": form}, status=400)
    try:
        services.citizen_verification_resend(actor=request.user, email=form.cleaned_data["email"],
                                             client=current().client_address)
    except ApplicationError as error:
        if error.code == ErrorCode.RATE_LIMITED:
            return _rate_limited(request, template, form, error)
        form_add_error(form, error)
        return render(request, template, {"form": form}, status=400)
    request.session[SENT] = form.cleaned_data["email"]
    return redirect("signup_sent")


class PasswordResetView(auth_views.PasswordResetView):
    """Citizen accounts only: staff passwords are set by an administrator (`consular changepassword`), as staff
    accounts are created by one and their email addresses were never verified."""

    template_name = "portal/accounts/password_reset_form.html"
    form_class = CitizenPasswordResetForm
    email_template_name = "portal/accounts/password_reset_email.txt"
    subject_template_name = "portal/accounts/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        email = form.cleaned_data["email"]
        try:
            signup.signup_throttle(email=email, client=current().client_address)
        except ApplicationError as error:
            return _rate_limited(self.request, self.template_name, form, error)
        services.password_reset_request_record(actor=self.request.user, email=email,
                                               users=list(form.get_users(email)))
        return super().form_valid(form)

    def form_invalid(self, form: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def get_user(self, uidb64: str) -> Any:
        user = super().get_user(uidb64)
        # Citizens only, and only active accounts: a link asked for before the account was closed stays dead.
        return user if user is not None and user.role == Role.CITIZEN and user.is_active else None

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)  # saves the new password
            services.password_reset_record(user=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "portal/accounts/password_reset_complete.html"
