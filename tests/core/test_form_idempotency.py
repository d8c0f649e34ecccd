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
