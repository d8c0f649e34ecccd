"""Editions and states: draft → approved by a second officer → published → updated / cancelled → expired; the
four-eyes rule; who may alert which area; travel advice history."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from consular.alerts.codes import AlertState, EditionState, MsgType
from consular.alerts.models import Alert, AlertEdition, CountryAdvice, Delivery
from consular.alerts.selectors import country_advice_current, country_advice_history
from consular.alerts.services import (
    alert_approve,
    alert_cancel,
    alert_create,
    alert_edition_add,
    alert_publish,
    alerts_expire,
    country_advice_set,
    effective_state,
)
from consular.core.errors import ApplicationError
from consular.core.models import AuditEntry
from tests.alerts.alert_helpers import alert_in, register, when

pytestmark = pytest.mark.django_db


def _code(call):
    with pytest.raises(ApplicationError) as info:
        call()
    return info.value.status, info.value.code, info.value.text()


def test_approval_rule_and_states(roles, make_user):
    author, other = roles["officer_bkk"], make_user("mission_officer", "TH-BKK")
    alert = alert_create(actor=author, data=alert_in())
    assert alert.state == AlertState.DRAFT and alert.reference.startswith("ALT-")
    # Nothing is published before approval; the author never approves their own edition.
    assert _code(lambda: alert_publish(actor=author, alert=alert))[0] == 409
    status, code, message = _code(lambda: alert_approve(actor=author, alert=alert))
    assert (status, code) == (403, "permission_denied") and "其他工作人员" in message
    # A second officer of the mission approves; HQ could too.
    edition = alert_approve(actor=other, alert=alert)
    assert edition.state == EditionState.APPROVED and edition.approved_by == other
    alert.refresh_from_db()
    assert alert.state == AlertState.APPROVED
    assert _code(lambda: alert_approve(actor=other, alert=alert))[0] == 409
    result = alert_publish(actor=author, alert=alert)
    assert result.alert.state == AlertState.PUBLISHED and result.edition.msg_type == MsgType.ALERT
    assert AuditEntry.objects.filter(action__startswith="alert.", object_id=str(alert.pk)).count() == 3
    # The database refuses a self-approval too.
    with pytest.raises(IntegrityError), transaction.atomic():
        AlertEdition.objects.filter(pk=edition.pk).update(approved_by=edition.author)


def test_roles_and_jurisdiction(roles, make_user):
    bkk, cnx, hq = roles["officer_bkk"], roles["officer_cnx"], roles["hq_officer"]
    for name in ("hotline_operator", "volunteer", "auditor", "citizen"):
        assert _code(lambda u=roles[name]: alert_create(actor=u, data=alert_in()))[0] == 403
    # Chiang Mai's district is three provinces: not all of Thailand, nor Bangkok, nor a circle.
    status, _, message = _code(lambda: alert_create(actor=cnx, data=alert_in()))
    assert status == 403 and "TH" in message
    assert _code(lambda: alert_create(actor=cnx, data=alert_in(area={"subdivisions": ["TH-10"]})))[0] == 403
    circle = {"circles": [{"lat": 18.79, "lon": 98.98, "radius_km": 20}]}
    assert _code(lambda: alert_create(actor=cnx, data=alert_in(area=circle, countries_concerned=["TH"])))[0] == 403
    alert = alert_create(actor=cnx, data=alert_in(area={"subdivisions": ["TH-50"]}))
    # Bangkok's officers do not even see Chiang Mai's alerts; HQ approves anything.
    assert _code(lambda: alert_create(actor=bkk, data=alert_in(area={"countries": ["US"]})))[0] == 403
    alert_create(actor=bkk, data=alert_in(area=circle, countries_concerned=["TH"]))
    alert_create(actor=hq, data=alert_in(area={"countries": ["US", "TH"]}))
    alert_approve(actor=hq, alert=alert)
    # A Bangkok officer may not publish (nor approve) an alert outside the district.
    us_alert = alert_create(actor=hq, data=alert_in(area={"countries": ["US"]}))
    assert _code(lambda: alert_approve(actor=bkk, alert=us_alert))[0] == 403


def test_validation_names_the_fields(roles):
    hq = roles["hq_officer"]
    with pytest.raises(ApplicationError) as info:
        alert_create(actor=hq, data=alert_in(
            level="panic", headline={"zh-hans": "", "en": "x" * 201}, valid_until=when(-2),
            area={"countries": ["XX"], "circles": [{"lat": 13, "lon": 100, "radius_km": 501}],
                  "polygons": [[[13, 100], [14, 100], [13, 100]]]}))
    fields = info.value.field_texts()
    assert {"level", "headline.zh-hans", "headline.en", "valid_until", "area.countries", "area.circles",
            "area.polygons"} <= set(fields)
    with pytest.raises(ApplicationError) as info:
        alert_create(actor=hq, data=alert_in(area={}))
    assert "area" in info.value.fields
    with pytest.raises(ApplicationError) as info:
        alert_create(actor=hq, data=alert_in(area={"polygons": [[[13, 100], [14, 100], [14, 101], [13.5, 101]]]}))
    assert "area.polygons" in info.value.fields


def test_editions_update_cancel_and_expire(roles, make_user):
    author, approver = roles["hq_officer"], make_user("hq_officer")
    register(roles["citizen"], [{"country": "TH"}], channels=["email"])
    alert = alert_create(actor=author, data=alert_in())
    alert_approve(actor=approver, alert=alert)
    alert_publish(actor=approver, alert=alert)
    # An update is a new edition that needs approval again; the first stays in force meanwhile.
    second = alert_edition_add(actor=approver, alert=alert, data=alert_in(level="evacuate"))
    assert (second.number, second.msg_type, second.state) == (2, MsgType.UPDATE, EditionState.DRAFT)
    assert _code(lambda: alert_publish(actor=approver, alert=alert))[0] == 409
    assert _code(lambda: alert_approve(actor=approver, alert=alert))[0] == 403
    alert_approve(actor=author, alert=alert)
    alert_publish(actor=author, alert=alert)
    alert.refresh_from_db()
    assert alert.state == AlertState.UPDATED and alert.published_edition_id == second.pk
    assert list(alert.editions.values_list("state", flat=True)) == [EditionState.SUPERSEDED, EditionState.PUBLISHED]
    assert Delivery.objects.filter(alert=alert).count() == 2  # one email per edition
    # Cancel: a Cancel edition published at once, the unsent deliveries suppressed.
    alert_cancel(actor=author, alert=alert, reason="The protests are over.")
    alert.refresh_from_db()
    assert alert.state == AlertState.CANCELLED
    cancel = alert.published_edition
    assert cancel is not None and (cancel.number, cancel.msg_type) == (3, MsgType.CANCEL)
    assert set(Delivery.objects.filter(alert=alert).values_list("status", flat=True)) == {"suppressed"}
    assert _code(lambda: alert_cancel(actor=author, alert=alert))[0] == 409
    assert _code(lambda: alert_edition_add(actor=author, alert=alert, data=alert_in()))[0] == 409
    # A draft cancelled is simply withdrawn.
    draft = alert_create(actor=author, data=alert_in())
    alert_cancel(actor=author, alert=draft)
    assert draft.editions.get().state == EditionState.WITHDRAWN
    # Expiry: shown at query time, stored by the task.
    old = alert_create(actor=author, data=alert_in(valid_until=when(1)))
    alert_approve(actor=approver, alert=old)
    alert_publish(actor=approver, alert=old)
    old.refresh_from_db()
    later = timezone.now() + datetime.timedelta(days=2)
    assert effective_state(old) == AlertState.PUBLISHED
    assert effective_state(old, later) == AlertState.EXPIRED
    assert alerts_expire(now=later) == 1
    assert Alert.objects.get(pk=old.pk).state == AlertState.EXPIRED
    assert _code(lambda: alert_edition_add(actor=author, alert=old, data=alert_in()))[0] == 409


def test_publish_refuses_an_edition_past_its_validity(roles, make_user, monkeypatch):
    author, approver = roles["hq_officer"], make_user("hq_officer")
    alert = alert_create(actor=author, data=alert_in(valid_until=when(1)))
    alert_approve(actor=approver, alert=alert)
    later = timezone.now() + datetime.timedelta(days=2)
    monkeypatch.setattr("consular.alerts.services.timezone.now", lambda: later)
    assert _code(lambda: alert_publish(actor=approver, alert=alert))[0] == 409


def test_country_advice_history(roles):
    hq, bkk, cnx = roles["hq_officer"], roles["officer_bkk"], roles["officer_cnx"]
    first = country_advice_set(actor=hq, country="TH", level="notice", summary_zh="注意安全")
    second = country_advice_set(actor=bkk, country="th", level="warning", summary_zh="暂勿前往",
                                effective_at=first.effective_at + datetime.timedelta(minutes=1))
    assert country_advice_current(country="TH") == second
    assert list(country_advice_history(country="TH")) == [second, first]
    assert CountryAdvice.objects.get(pk=first.pk).level == "notice"  # history is never overwritten
    assert _code(lambda: country_advice_set(actor=cnx, country="TH", level="caution", summary_zh="x"))[0] == 403
    assert _code(lambda: country_advice_set(actor=hq, country="XX", level="nope", summary_zh=""))[0] == 400
