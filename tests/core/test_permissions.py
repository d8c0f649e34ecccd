"""scope_queryset: the one rule every selector applies."""

from __future__ import annotations

from consular.accounts.models import User
from consular.core.permissions import can_write, scope_queryset


def _names(qs) -> set[str]:
    return set(qs.values_list("username", flat=True))


def test_each_role_sees_its_scope(roles):
    everyone = _names(User.objects.all())
    qs = User.objects.all()
    for role in ("hotline_operator", "hq_officer", "auditor"):
        assert _names(scope_queryset(roles[role], qs)) == everyone
    bkk = _names(scope_queryset(roles["officer_bkk"], qs))
    assert bkk == _names(User.objects.filter(mission__code="TH-BKK"))
    assert roles["officer_cnx"].username not in bkk
    # Volunteers and citizens see only rows assigned to / owned by them, and nothing without such a field.
    assert _names(scope_queryset(roles["volunteer"], qs, volunteer_field="pk")) == {roles["volunteer"].username}
    assert not scope_queryset(roles["volunteer"], qs).exists()
    assert _names(scope_queryset(roles["citizen"], qs, citizen_field="pk")) == {roles["citizen"].username}
    assert not scope_queryset(roles["citizen"], qs).exists()


def test_anonymous_and_inactive_see_nothing(roles):
    from django.contrib.auth.models import AnonymousUser

    assert not scope_queryset(AnonymousUser(), User.objects.all()).exists()
    assert not scope_queryset(None, User.objects.all()).exists()
    hq = roles["hq_officer"]
    hq.is_active = False
    assert not scope_queryset(hq, User.objects.all()).exists()


def test_auditors_only_read(roles):
    assert not can_write(roles["auditor"])
    assert can_write(roles["hq_officer"])
    assert not can_write(None)
