"""Each role × each endpoint, including the cross-mission 404."""

from __future__ import annotations

import pytest

from consular.core.audit import audit_seal
from consular.core.models import AuditEntry

ROLES = ["anonymous", "citizen", "volunteer", "officer_bkk", "officer_cnx", "hotline_operator", "hq_officer",
         "auditor"]

PUBLIC = ["/api/v1/health", "/api/v1/countries", "/api/v1/missions", "/api/v1/missions/TH-BKK",
          "/api/v1/jurisdiction?country=TH&subdivision=TH-50"]

# GET endpoints that need an account: expected status per role ("{cnx}" is the CNX officer's username).
MATRIX: dict[str, dict[str, int]] = {
    "/api/v1/me": dict(anonymous=401, citizen=200, volunteer=200, officer_bkk=200, officer_cnx=200,
                       hotline_operator=200, hq_officer=200, auditor=200),
    "/api/v1/users": dict(anonymous=401, citizen=403, volunteer=403, officer_bkk=200, officer_cnx=200,
                          hotline_operator=200, hq_officer=200, auditor=200),
    "/api/v1/users/{cnx}": dict(anonymous=401, citizen=403, volunteer=403, officer_bkk=404, officer_cnx=200,
                                hotline_operator=200, hq_officer=200, auditor=200),
    "/api/v1/audit": dict(anonymous=401, citizen=403, volunteer=403, officer_bkk=403, officer_cnx=403,
                          hotline_operator=403, hq_officer=403, auditor=200),
}

# POST /api/v1/users creating a volunteer for the Bangkok embassy.
CREATE = dict(anonymous=401, citizen=403, volunteer=403, officer_bkk=201, officer_cnx=403,
              hotline_operator=403, hq_officer=201, auditor=403)


def _client(api, roles, role):
    return api() if role == "anonymous" else api(roles[role])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", PUBLIC)
def test_public_reference_endpoints(api, roles, role, path):
    assert _client(api, roles, role).get(path).status_code == 200


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", list(MATRIX))
def test_account_endpoints(api, roles, role, path):
    url = path.format(cnx=roles["officer_cnx"].username)
    response = _client(api, roles, role).get(url)
    assert response.status_code == MATRIX[path][role], response.content
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}


@pytest.mark.parametrize("role", ROLES)
def test_creating_accounts(api, roles, role):
    body = {"username": f"vol-{role}", "role": "volunteer", "mission": "TH-BKK", "password": "volunteer-pass-123"}
    response = _client(api, roles, role).post("/api/v1/users", body, format="json")
    assert response.status_code == CREATE[role], response.content


def test_mission_officer_sees_only_the_mission(api, roles):
    listed = api(roles["officer_bkk"]).get("/api/v1/users").json()["results"]
    assert {u["mission"] for u in listed} == {"TH-BKK"}
    assert roles["officer_cnx"].username not in {u["username"] for u in listed}
    everyone = api(roles["hq_officer"]).get("/api/v1/users").json()["results"]
    assert {"TH-BKK", "TH-CNX", "HQ", None} <= {u["mission"] for u in everyone}


def test_a_mission_officer_cannot_create_officers(api, roles):
    body = {"username": "boss", "role": "hq_officer", "password": "volunteer-pass-123"}
    response = api(roles["officer_bkk"]).post("/api/v1/users", body, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_a_mission_role_needs_a_mission(api, roles):
    body = {"username": "lost", "role": "mission_officer", "password": "volunteer-pass-123"}
    response = api(roles["hq_officer"]).post("/api/v1/users", body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], set(error["fields"])) == ("invalid", {"mission"})


def test_auditor_filters_the_audit_log(api, roles):
    hq = api(roles["hq_officer"])
    hq.post("/api/v1/users", {"username": "v1", "role": "volunteer", "mission": "TH-BKK",
                              "password": "volunteer-pass-123"}, format="json")
    audit_seal()
    auditor = api(roles["auditor"])
    by_actor = auditor.get("/api/v1/audit", {"actor": roles["hq_officer"].username}).json()
    assert by_actor["count"] >= 1
    assert {e["actor"] for e in by_actor["results"]} == {roles["hq_officer"].username}
    assert all(e["sealed"] and len(e["entry_hash"]) == 64 for e in by_actor["results"])
    by_action = auditor.get("/api/v1/audit", {"action": "user.create", "object_type": "accounts.user"}).json()
    assert by_action["count"] == AuditEntry.objects.filter(action="user.create").count()
    one = AuditEntry.objects.filter(action="user.create").first()
    by_object = auditor.get("/api/v1/audit", {"object_type": "accounts.user", "object_id": one.object_id}).json()
    assert [e["id"] for e in by_object["results"]] == [one.pk]
    future = auditor.get("/api/v1/audit", {"since": "2999-01-01T00:00:00Z"}).json()
    assert future["count"] == 0
    bad = auditor.get("/api/v1/audit", {"since": "yesterday"})
    assert bad.status_code == 400 and "since" in bad.json()["error"]["fields"]
    backwards = auditor.get("/api/v1/audit", {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"})
    assert backwards.status_code == 400 and "until" in backwards.json()["error"]["fields"]
    # Browsing the audit log is itself recorded.
    assert AuditEntry.objects.filter(action="audit.browse", actor_username=roles["auditor"].username).exists()
