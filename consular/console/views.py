"""Officer console pages. Every page requires a staff role; personal data is never cached by the browser."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from consular.accounts.models import Role
from consular.cases.selectors import case_queue_counts
from consular.console.access import can_work, staff_user
from consular.console.forms import AuditFilterForm
from consular.core.audit import audit_record
from consular.core.selectors import audit_entries

AUDIT_PAGE_SIZE = 50


@never_cache
@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    counts = case_queue_counts(actor=user)
    return render(request, "console/home.html", {
        "staff": user, "is_auditor": user.role == Role.AUDITOR, "can_work": can_work(user),
        "open_count": counts.open, "overdue_count": counts.overdue,
    })


@never_cache
@login_required
def audit(request: HttpRequest) -> HttpResponse:
    """Browse the audit log (auditors only). Each browse that shows entries is itself recorded."""
    user = staff_user(request)
    if user.role != Role.AUDITOR:
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    context: dict[str, object] = {"form": form, "show_results": False, "page_obj": None, "rows": []}
    if not form.is_bound or form.is_valid():
        filters = form.filters() if form.is_bound else {}
        paginator = Paginator(audit_entries(actor=user, filters=filters), AUDIT_PAGE_SIZE)
        page_obj = paginator.get_page(request.GET.get("page"))
        entries = list(page_obj.object_list)
        context["show_results"] = True
        context["page_obj"] = page_obj
        context["rows"] = [
            (entry, json.dumps(entry.data, ensure_ascii=False, sort_keys=True) if entry.data else "")
            for entry in entries
        ]
        recorded = form.as_strings() if form.is_bound else {}
        recorded["page"] = str(page_obj.number)
        audit_record(actor=user, action="audit.browse", object_type="audit", data=recorded)
    return render(request, "console/audit.html", context)
