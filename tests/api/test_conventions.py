"""API conventions: health, JSON errors, pagination, OpenAPI, tokens, idempotency, rate limits."""

from __future__ import annotations

import base64

import pytest
from django.db import DatabaseError
from django.utils import timezone

from consular.accounts.models import ApiToken, User
from consular.core.models import AuditEntry


def test_health_ok(api, reference):
    response = api().get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_reports_a_failing_database(api, reference, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise DatabaseError("connection refused")

    monkeypatch.setattr("consular.api.v1.views.connection", Unreachable())
    response = api().get("/api/v1/health")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}


def test_unknown_api_route_is_a_json_404(api, reference):
    response = api().get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_me_requires_a_valid_token(api, roles):
    assert api().get("/api/v1/me").json()["error"]["code"] == "not_authenticated"
    assert api().get("/api/v1/me").status_code == 401
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Bearer csl_not-a-real-token")
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "not_authenticated", "message": "Invalid or expired token.",
                                         "fields": {}}}
    assert response["WWW-Authenticate"] == "Bearer"


def test_me_answers_username_role_mission(api, roles):
    body = api(roles["officer_cnx"]).get("/api/v1/me").json()
    assert body["username"] == roles["officer_cnx"].username
    assert body["role"] == "mission_officer"
    assert body["mission"] == "TH-CNX"
    assert api(roles["citizen"]).get("/api/v1/me").json()["mission"] is None


def test_revoked_and_expired_tokens_are_refused(api, roles):
    client = api(roles["hq_officer"])
    assert client.get("/api/v1/me").status_code == 200
    ApiToken.objects.filter(user=roles["hq_officer"]).update(revoked_at=timezone.now())
    assert client.get("/api/v1/me").status_code == 401
    client = api(roles["auditor"])
    ApiToken.objects.filter(user=roles["auditor"]).update(expires_at=timezone.now())
    assert client.get("/api/v1/me").status_code == 401


def test_a_token_is_remembered_for_a_few_seconds(api, roles, settings, monkeypatch, django_assert_num_queries):
    from consular.accounts import authentication
    from consular.accounts.services import token_revoke

    settings.API_TOKEN_CACHE_SECONDS = 5
    now = [1000.0]
    monkeypatch.setattr(authentication, "_clock", lambda: now[0])
    authentication.token_cache_forget()
    try:
        client = api(roles["hq_officer"])
        assert client.get("/api/v1/me").status_code == 200
        with django_assert_num_queries(0):
            assert client.get("/api/v1/me").json()["username"] == roles["hq_officer"].username
        # Revoked or deactivated in another process: honoured within API_TOKEN_CACHE_SECONDS.
        ApiToken.objects.filter(user=roles["hq_officer"]).update(revoked_at=timezone.now())
        now[0] += 4.9
        assert client.get("/api/v1/me").status_code == 200
        now[0] += 0.2
        assert client.get("/api/v1/me").status_code == 401
        auditor = api(roles["auditor"])
        assert auditor.get("/api/v1/me").status_code == 200
        User.objects.filter(pk=roles["auditor"].pk).update(is_active=False)
        now[0] += 5.1
        assert auditor.get("/api/v1/me").status_code == 401
        # Revoked through the service: at once in this process.
        officer = api(roles["officer_cnx"])
        assert officer.get("/api/v1/me").status_code == 200
        token_revoke(actor=None, token=ApiToken.objects.get(user=roles["officer_cnx"]))
        assert officer.get("/api/v1/me").status_code == 401
    finally:
        authentication.token_cache_forget()


def test_tokens_are_stored_hashed(api, roles):
    client = api(roles["hq_officer"])
    token = client._credentials["HTTP_AUTHORIZATION"].split()[1]
    stored = ApiToken.objects.get(user=roles["hq_officer"])
    assert token not in (stored.key_hash, stored.prefix) and len(stored.key_hash) == 64


def test_passwords_are_argon2(roles):
    assert roles["citizen"].password.startswith("argon2$argon2id$")


def test_lists_are_paginated(api, reference):
    body = api().get("/api/v1/countries", {"page_size": 10, "page": 2}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] >= 249 and len(body["results"]) == 10
    assert "page=3" in body["next"]
    assert api().get("/api/v1/countries", {"page": 999}).status_code == 404


def test_country_search_and_language(api, reference):
    body = api().get("/api/v1/countries", {"q": "老挝"}).json()
    assert [c["code"] for c in body["results"]] == ["LA"]
    assert body["results"][0]["name"] == "老挝"
    english = api().get("/api/v1/countries", {"q": "LA"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["results"][0]["name"] == "Laos"


def test_mission_detail_has_jurisdiction(api, reference):
    body = api().get("/api/v1/missions/TH-CNX").json()
    assert body["kind"] == "consulate_general" and body["country"] == "TH"
    assert {j["subdivision"] for j in body["jurisdiction"]} == {"TH-50", "TH-57", "TH-58"}
    assert api().get("/api/v1/missions/XX-NOPE").status_code == 404
    listed = api().get("/api/v1/missions", {"country": "TH"}).json()
    assert [m["code"] for m in listed["results"]] == ["TH-BKK", "TH-CNX"]


def test_jurisdiction_endpoint(api, reference):
    assert api().get("/api/v1/jurisdiction", {"country": "TH", "subdivision": "TH-50"}).json()["code"] == "TH-CNX"
    bad = api().get("/api/v1/jurisdiction", {"country": "TH", "subdivision": "US-NY"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "unknown_subdivision"
    assert "subdivision" in bad.json()["error"]["fields"]
    missing = api().get("/api/v1/jurisdiction")
    assert missing.status_code == 400 and "country" in missing.json()["error"]["fields"]


def test_openapi_schema_and_docs_are_served_locally(client, reference):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    doc = schema.json()
    assert doc["openapi"].startswith("3.")
    for path in ["/api/v1/health", "/api/v1/countries", "/api/v1/missions", "/api/v1/missions/{code}",
                 "/api/v1/me", "/api/v1/audit", "/api/v1/users", "/api/v1/names/match"]:
        assert path in doc["paths"], path
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()


def test_malformed_json_is_a_400(api, roles):
    response = api(roles["hq_officer"]).post("/api/v1/users", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


NEW_USER = {"username": "somchai", "role": "mission_officer", "mission": "TH-CNX",
            "password": "a-long-enough-password-1", "email": "somchai@example.org"}


def test_validation_errors_name_the_fields(api, roles):
    response = api(roles["hq_officer"]).post(
        "/api/v1/users", {"username": "bad name!", "role": "king", "password": "x"}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"username", "role", "password"}
    unknown_mission = api(roles["hq_officer"]).post(
        "/api/v1/users", {**NEW_USER, "mission": "ZZ-NOPE"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert unknown_mission.status_code == 400
    assert unknown_mission.json()["error"] == {"code": "invalid", "message": "The user could not be created.",
                                               "fields": {"mission": ["Unknown mission ZZ-NOPE."]}}
    assert not User.objects.filter(username="somchai").exists()


def test_idempotent_retry_returns_the_first_answer_and_creates_nothing(api, roles):
    client = api(roles["hq_officer"])
    first = client.post("/api/v1/users", NEW_USER, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    again = client.post("/api/v1/users", NEW_USER, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert User.objects.filter(username="somchai").count() == 1
    assert AuditEntry.objects.filter(action="user.create", object_id=str(first_pk(first))).count() == 1
    # The stored answer is encrypted at rest like any personal field.
    from consular.api.models import IdempotencyRecord
    from consular.core import crypto

    stored = IdempotencyRecord.objects.get(key="k-1").body
    assert stored.startswith("gAAAAA")  # a Fernet token, not the answer's base64
    assert b"somchai" in base64.b64decode(crypto.decrypt(stored))


def first_pk(response) -> int:
    return User.objects.get(username=response.json()["username"]).pk


def test_same_key_other_body_is_refused(api, roles):
    client = api(roles["hq_officer"])
    assert client.post("/api/v1/users", NEW_USER, format="json", HTTP_IDEMPOTENCY_KEY="k-2").status_code == 201
    other = client.post("/api/v1/users", {**NEW_USER, "username": "other"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert not User.objects.filter(username="other").exists()


def test_keys_belong_to_their_caller(api, roles, make_user):
    hq2 = make_user("hq_officer")
    assert api(roles["hq_officer"]).post("/api/v1/users", NEW_USER, format="json",
                                         HTTP_IDEMPOTENCY_KEY="shared").status_code == 201
    # Another caller's same key is a different request: it runs (and fails on the taken username).
    response = api(hq2).post("/api/v1/users", NEW_USER, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], set(error["fields"])) == ("invalid", {"username"})


def test_a_retry_without_a_key_is_refused_by_the_rules_not_duplicated(api, roles):
    client = api(roles["hq_officer"])
    assert client.post("/api/v1/users", NEW_USER, format="json").status_code == 201
    assert client.post("/api/v1/users", NEW_USER, format="json").status_code == 400
    assert User.objects.filter(username="somchai").count() == 1


def test_an_error_answer_is_replayed_too(api, roles):
    client = api(roles["hq_officer"])
    bad = {**NEW_USER, "role": "king"}
    first = client.post("/api/v1/users", bad, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    second = client.post("/api/v1/users", bad, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert first.status_code == second.status_code == 400
    assert second.json() == first.json()


def test_bad_idempotency_key(api, roles):
    response = api(roles["hq_officer"]).post("/api/v1/users", NEW_USER, format="json",
                                             HTTP_IDEMPOTENCY_KEY="x" * 300)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["fields"]


def test_a_keyed_request_over_the_size_limit_gets_a_json_413(api, roles, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    big = {**NEW_USER, "name": "x" * (1024 * 1024 + 1)}
    response = api(roles["hq_officer"]).post("/api/v1/users", big, format="json", HTTP_IDEMPOTENCY_KEY="k-big")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert User.objects.filter(username=NEW_USER["username"]).count() == 0


def test_writes_are_audited_with_request_id_and_address(api, roles):
    response = api(roles["hq_officer"]).post("/api/v1/users", NEW_USER, format="json",
                                             HTTP_X_REQUEST_ID="trace-abcdef12", REMOTE_ADDR="198.51.100.7")
    assert response["X-Request-ID"] == "trace-abcdef12"
    entry = AuditEntry.objects.get(action="user.create", object_id=str(first_pk(response)))
    assert entry.actor_username == roles["hq_officer"].username
    assert entry.request_id == "trace-abcdef12"
    assert entry.client_address == "198.51.100.7"


@pytest.fixture
def tight_limits(settings):
    settings.RATE_LIMITS = {"anon": "5/min", "anon_burst": "100/sec"}


def test_anonymous_callers_are_rate_limited(api, reference, tight_limits):
    client = api()
    codes = [client.get("/api/v1/countries", REMOTE_ADDR="192.0.2.1").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    limited = client.get("/api/v1/countries", REMOTE_ADDR="192.0.2.1")
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0
    # Another address is not affected; health checks are never limited.
    assert client.get("/api/v1/countries", REMOTE_ADDR="192.0.2.2").status_code == 200
    assert client.get("/api/v1/health", REMOTE_ADDR="192.0.2.1").status_code == 200


def test_authenticated_callers_are_not_limited_by_the_anonymous_rate(api, roles, tight_limits):
    client = api(roles["hq_officer"])
    assert {client.get("/api/v1/countries").status_code for _ in range(8)} == {200}


def test_committed_openapi_document_is_current(tmp_path):
    """docs/openapi.yaml is what the code generates (`make schema` rewrites it)."""
    from pathlib import Path

    from django.core.management import call_command

    out = tmp_path / "openapi.yaml"
    call_command("spectacular", file=str(out))
    committed = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
    assert out.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8"), "run `make schema`"


def test_stored_answers_are_encrypted(api, roles):
    from django.db import connection

    api(roles["hq_officer"]).post("/api/v1/users", NEW_USER, format="json", HTTP_IDEMPOTENCY_KEY="enc-1")
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM api_idempotencyrecord")
        (stored,) = cursor.fetchone()
    assert "somchai" not in stored and stored.startswith("gAAAA")


def test_forwarded_for_does_not_dodge_the_limit(api, reference, tight_limits):
    client = api()
    codes = [client.get("/api/v1/countries", REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code
             for i in range(6)]
    assert codes[-1] == 429


def test_an_expired_key_may_be_used_again(api, roles):
    from datetime import timedelta

    from consular.api.models import IdempotencyRecord

    client = api(roles["hq_officer"])
    assert client.post("/api/v1/users", NEW_USER, format="json", HTTP_IDEMPOTENCY_KEY="old").status_code == 201
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(days=2))
    other = client.post("/api/v1/users", {**NEW_USER, "username": "later"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="old")
    assert other.status_code == 201 and other.json()["username"] == "later"
    assert IdempotencyRecord.objects.count() == 1
