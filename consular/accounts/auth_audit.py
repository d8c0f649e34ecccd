"""Record logins, logouts and failed logins in the audit log (Django's auth signals are the only hook)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from consular.core.audit import audit_record


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action="user.login", obj=user)


def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(actor=user, action="user.logout", obj=user)


def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    audit_record(
        actor=None,
        action="user.login_failed",
        object_type="accounts.user",
        data={"username": str(credentials.get("username", ""))[:150]},
    )


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="consular.audit.login")
    user_logged_out.connect(_logged_out, dispatch_uid="consular.audit.logout")
    user_login_failed.connect(_login_failed, dispatch_uid="consular.audit.login_failed")
