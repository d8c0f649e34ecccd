"""A web form carrying `{% idempotency_field %}` creates one record however often it is submitted."""

from __future__ import annotations

from urllib.parse import urlencode

from django.template import Context, Template
from django.test import Client

from consular.core.models import AuditEntry
from tests.conftest import PASSWORD


def test_tag_renders_a_fresh_key_each_time():
    template = Template("{% load consular %}{% idempotency_field %}")
    first, second = template.render(Context()), template.render(Context())
    assert 'name="idempotency_key"' in first and first != second


def test_resubmitted_form_is_answered_once(make_user):
    user = make_user("hq_officer")
    client = Client()
    # The login form is a convenient form POST that writes (an audit entry per login).
    form = urlencode({"username": user.username, "password": PASSWORD, "idempotency_key": "form-key-1"})
    urlencoded = "application/x-www-form-urlencoded"  # what a browser sends for a form without files
    first = client.post("/login/", form, content_type=urlencoded)
    again = client.post("/login/", form, content_type=urlencoded)
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert AuditEntry.objects.filter(action="user.login", object_id=str(user.pk)).count() == 1


def test_an_edited_resubmission_is_a_new_submission(make_user):
    user = make_user("hq_officer")
    client = Client()
    urlencoded = "application/x-www-form-urlencoded"
    wrong = urlencode({"username": user.username, "password": "typo", "idempotency_key": "k2"})
    right = urlencode({"username": user.username, "password": PASSWORD, "idempotency_key": "k2"})
    assert client.post("/login/", wrong, content_type=urlencoded).status_code == 200  # the form again
    assert client.post("/login/", right, content_type=urlencoded).status_code == 302  # not a 422


def test_a_stored_answer_is_replayed_only_to_the_user_who_got_it(make_user, reference):
    """A form's answer to a signed-in officer (here a page showing a passport number) is not served to anyone
    else sending the same form (after signing out, from the browser's history): for them it is a new request,
    and the sign-in check answers it."""
    from tests.incidents.incident_helpers import add_person, open_incident

    hq, other = make_user("hq_officer"), make_user("hq_officer")
    incident = open_incident(hq)
    person = add_person(hq, incident)
    url = f"/console/incidents/{incident.pk}/persons/{person.pk}/status/"
    form = {"status": "hospitalised", "source_kind": "officer", "idempotency_key": "status-key-1"}  # no hospital
    officer = Client()
    officer.force_login(hq)
    first = officer.post(url, form)
    assert first.status_code == 400 and "E12345678" in first.content.decode()
    assert officer.post(url, form)["Idempotent-Replayed"] == "true"  # the same officer: the same answer

    stranger = Client(enforce_csrf_checks=True).post(url, form)
    assert stranger.status_code in (302, 403) and "Idempotent-Replayed" not in stranger
    assert "E12345678" not in stranger.content.decode()
    colleague = Client()
    colleague.force_login(other)
    assert "Idempotent-Replayed" not in colleague.post(url, form)  # their own request, answered afresh


def test_a_refused_csrf_check_is_not_kept(make_user):
    """A 403 (an expired CSRF token) is not stored: sent again with a fresh token, the form is handled."""
    user = make_user("hq_officer")
    client = Client(enforce_csrf_checks=True)
    urlencoded = "application/x-www-form-urlencoded"
    form = urlencode({"username": user.username, "password": PASSWORD, "idempotency_key": "k3"})
    assert client.post("/login/", form, content_type=urlencoded).status_code == 403
    client.get("/login/")  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    again = client.post("/login/", form, content_type=urlencoded, HTTP_X_CSRFTOKEN=token)
    assert again.status_code == 302 and "Idempotent-Replayed" not in again
