"""Who may open which console page. Pages call these first; services check the rules again on every write."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from consular.accounts.models import Role, User

# Roles that work cases and log calls (the services' writers); auditors only read.
WORKER_ROLES = frozenset({Role.HOTLINE_OPERATOR, Role.HQ_OFFICER, Role.MISSION_OFFICER})


def staff_user(request: HttpRequest) -> User:
    """The logged-in user if they hold a staff role; otherwise 403. (Anonymous users never get here:
    `login_required` sends them to the login page first.)"""
    user = request.user
    if not isinstance(user, User) or not user.is_active or not user.is_staff_role:
        raise PermissionDenied
    return user


def worker_user(request: HttpRequest) -> User:
    """A staff user who may change cases and log calls (not an auditor); otherwise 403."""
    user = staff_user(request)
    if user.role not in WORKER_ROLES:
        raise PermissionDenied
    return user


def can_work(user: User) -> bool:
    return user.role in WORKER_ROLES
