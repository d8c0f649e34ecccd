from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from consular.accounts.models import STAFF_ROLES, Role


class IsAuditor(BasePermission):
    message = "Only auditors may read the audit log."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.role == Role.AUDITOR)


class IsStaff(BasePermission):
    """Hotline operators, HQ and mission officers, auditors. Auditors only read."""

    message = "This endpoint is for consular staff."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.role in STAFF_ROLES):
            return False
        return request.method in SAFE_METHODS or user.role != Role.AUDITOR
