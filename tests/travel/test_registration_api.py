"""The registration endpoints: shapes, field paths in errors, access by role (a citizen never sees another's
registration: 404; mission officers by jurisdiction; volunteers and auditors refused), audited reads, idempotent
POSTs, group registration from a CSV (every bad line named, nothing written, a replay creates nothing)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consular.core.models import AuditEntry
from consular.travel.models import Registration, RegistrationGroup, TripLeg
from tests.travel.travel_helpers import body, days

URL = "/api/v1/registrations"
US_TRIP = [{"country": "US", "subdivision": "US-NY", "city": "New York", "arrive": days(5), "depart": days(9)}]
BKK_ONLY = [{"country": "TH", "subdivision": "TH-10", "arrive": days(5), "depart": days(9)}]


@pytest.fixture
def world(api, roles, make_user) -> dict[str, Any]:
    """Three registrations of one citizen (Bangkok + Chiang Mai; New York; Bangkok only), one of another."""
    mine = api(roles["citizen"])
    created = {
        "both": mine.post(URL, body(), format="json"),
        "us": mine.post(URL, body(itinerary=US_TRIP), format="json"),
        "bkk": mine.post(URL, body(itinerary=BKK_ONLY), format="json"),
    }
    other_citizen = make_user("citizen", username="other-citizen")
    created["other"] = api(other_citizen).post(URL, body(itinerary=US_TRIP), format="json")
    for response in created.values():
        assert response.status_code == 201, response.content
    return {"ids": {k: v.json()["id"] for k, v in created.items()}, "other_citizen": other_citizen}


def test_create_shape_and_field_paths(api, roles):
    client = api(roles["citizen"])
    response = client.post(URL, body(), format="json")
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["state"] == "active" and out["starts_on"] == days(10) and out["ends_on"] == days(20)
    assert out["purge_after"] > out["ends_on"] and out["kind"] == "trip"
    assert [leg["subdivision"] for leg in out["itinerary"]] == ["TH-10", "TH-50"]
    assert out["itinerary"][0]["lat"] == 13.75 and out["itinerary"][1]["active"] is True
    assert out["contacts"]["phone"] == "+86 138 0013 8000" and out["channels"] == ["email", "sms"]
    assert out["co_travellers"][0]["name_zh"] == "韩梅梅" and out["emergency_contact"]["name"] == "李父"
    assert out["consent"] == {"contact_family": True, "share_with_incident": True}
    # The minimal shape is accepted (the traveller's name from the account, or refused without one).
    minimal = {"itinerary": [{"country": "TH", "subdivision": "TH-10", "city": "Bangkok", "arrive": days(1),
                              "depart": days(3)}], "contacts": {"email": "x@example.cn"}, "channels": ["email"],
               "language": "zh-hans"}
    refused = client.post(URL, minimal, format="json")
    assert refused.status_code == 400 and "traveller.name_zh" in refused.json()["error"]["fields"]
    # Type errors and rules alike name the path with bracketed indexes.
    bad = body()
    bad["itinerary"][1]["depart"] = "not a date"
    bad["co_travellers"][0]["relation"] = "pet"
    fields = client.post(URL, bad, format="json").json()["error"]["fields"]
    assert {"itinerary[1].depart", "co_travellers[0].relation"} <= set(fields)
    bad = body()
    bad["itinerary"][1]["arrive"] = days(12)
    response = client.post(URL, bad, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"itinerary[1].arrive": [
        "The stops must be in order: arrive here on or after leaving the previous stop."]}
    assert Registration.objects.count() == 1


def test_access_by_role(api, roles, world):
    ids = world["ids"]
    everything = set(ids.values())
    expected = {
        "citizen": {ids["both"], ids["us"], ids["bkk"]},
        "hq_officer": everything,
        "hotline_operator": everything,
        "officer_bkk": {ids["both"], ids["bkk"]},  # Thailand outside Chiang Mai's district
        "officer_cnx": {ids["both"]},  # TH-50
    }
    for role, visible in expected.items():
        client = api(roles[role])
        listed = client.get(URL)
        assert listed.status_code == 200, role
        assert {r["id"] for r in listed.json()["results"]} == visible, role
        for name, pk in ids.items():
            assert client.get(f"{URL}/{pk}").status_code == (200 if pk in visible else 404), (role, name)
    for role in ("volunteer", "auditor"):
        assert api(roles[role]).get(URL).status_code == 403, role
        assert api(roles[role]).get(f"{URL}/{ids['both']}").status_code == 403, role
    assert api().get(URL).status_code == 401
    # Another citizen's registration does not exist for this citizen, whatever the verb.
    mine = api(roles["citizen"])
    assert mine.patch(f"{URL}/{ids['other']}", {"language": "en"}, format="json").status_code == 404
    assert mine.post(f"{URL}/{ids['other']}/cancel").status_code == 404
    assert mine.get(f"{URL}/not-a-uuid").status_code == 404
    # Officers read but never write; only citizens register.
    hq = api(roles["hq_officer"])
    assert hq.patch(f"{URL}/{ids['both']}", {"language": "en"}, format="json").status_code == 403
    assert hq.post(f"{URL}/{ids['both']}/cancel").status_code == 403
    assert hq.post(URL, body(), format="json").status_code == 403
    # Staff filter by country and date.
    assert {r["id"] for r in hq.get(URL, {"country": "US"}).json()["results"]} == {ids["us"], ids["other"]}
    on = hq.get(URL, {"country": "TH", "on": days(15)}).json()["results"]
    assert {r["id"] for r in on} == {ids["both"]}
    assert {r["id"] for r in hq.get(URL, {"date_from": days(10)}).json()["results"]} == {ids["both"]}
    bad_date = hq.get(URL, {"on": "soon"})
    assert bad_date.status_code == 400 and set(bad_date.json()["error"]["fields"]) == {"on"}


def test_reads_are_audited(api, roles, world):
    ids = world["ids"]
    api(roles["officer_cnx"]).get(f"{URL}/{ids['both']}")
    assert AuditEntry.objects.filter(action="registration.read", object_id=ids["both"],
                                     actor_username=roles["officer_cnx"].username).exists()
    api(roles["hq_officer"]).get(URL, {"country": "US"})
    listed = AuditEntry.objects.filter(action="registration.read", actor_username=roles["hq_officer"].username,
                                       data__purpose="registrations")
    assert set(listed.values_list("object_id", flat=True)) == {ids["us"], ids["other"]}
    api(roles["citizen"]).get(URL)
    assert AuditEntry.objects.filter(action="registration.read", actor_username=roles["citizen"].username,
                                     data__purpose="registrations").count() == 3
    # The list's query count does not grow with the page (3 registrations cost what 1 does).
    counts = []
    for user in (roles["citizen"], world["other_citizen"]):
        client = api(user)
        client.get(URL)  # the token's first look-up
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 8, counts


def test_patch_and_cancel(api, roles, world):
    client = api(roles["citizen"])
    url = f"{URL}/{world['ids']['bkk']}"
    changed = client.patch(url, {"itinerary": US_TRIP, "channels": ["email"]}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["itinerary"][0]["country"] == "US" and changed.json()["channels"] == ["email"]
    bad = client.patch(url, {"itinerary": [{**US_TRIP[0], "subdivision": "TH-10"}], "owner": "me"}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"itinerary[0].subdivision", "owner"}
    cancelled = client.post(f"{url}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert not TripLeg.objects.filter(registration_id=world["ids"]["bkk"], active=True).exists()
    assert client.post(f"{url}/cancel").status_code == 409


def test_idempotent_post_replays(api, roles):
    client = api(roles["citizen"])
    first = client.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="trip-1")
    again = client.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="trip-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    assert Registration.objects.count() == 1
    assert client.post(URL, body(language="en"), format="json",
                       HTTP_IDEMPOTENCY_KEY="trip-1").status_code == 422


GROUP_URL = "/api/v1/registration-groups"
CSV_GOOD = ("name_zh,name_latin,birth_date,passport_number,phone,email\n"
            "张伟,ZHANG WEI,1980-01-02,E11111111,+86 139 0000 0001,\n"
            "王芳,WANG FANG,1985-03-04,E22222222,,wang.fang@example.cn\n"
            ",LIU YANG,,,,\n")


def _group(client: Any, csv_text: str, key: str = "", **extra: Any) -> Any:
    data = {"file": SimpleUploadedFile("tour.csv", csv_text.encode("utf-8"), content_type="text/csv"),
            "itinerary": json.dumps([{"country": "TH", "subdivision": "TH-50", "city": "清迈", "arrive": days(3),
                                      "depart": days(8)}]),
            "name": "CTS-2026-118", "organiser": "某某国际旅行社", "contact_phone": "+86 10 6666 8888", **extra}
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(GROUP_URL, data, format="multipart", **headers)


def test_group_registration_from_a_csv(api, roles):
    client = api(roles["citizen"])
    created = _group(client, CSV_GOOD, key="group-1")
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["travellers"] == 3 and out["name"] == "CTS-2026-118" and out["ends_on"] == days(8)
    group = RegistrationGroup.objects.get()
    regs = {r.name_latin: r for r in Registration.objects.filter(group=group)}
    assert set(regs) == {"ZHANG WEI", "WANG FANG", "LIU YANG"}
    assert regs["ZHANG WEI"].channels == ["sms"] and regs["WANG FANG"].channels == ["email"]
    assert regs["LIU YANG"].phone == "+86 10 6666 8888"  # reached through the group's contact
    assert all(r.legs.get().subdivision_id == "TH-50" for r in regs.values())
    # The same file with the same key: the first answer, nothing new.
    replay = _group(client, CSV_GOOD, key="group-1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == out["id"] and Registration.objects.count() == 3
    # Officers cannot register groups.
    assert _group(api(roles["hq_officer"]), CSV_GOOD).status_code == 403


def test_group_errors_by_line_and_column_and_nothing_written(api, roles):
    client = api(roles["citizen"])
    bad_csv = ("name_zh,name_latin,birth_date,passport_number,phone,email\n"
               "张伟,ZHANG WEI,1980-01-02,E11111111,+86 139 0000 0001,\n"
               "王芳,WANG FANG,1985-13-45,E22222222,,not-an-email\n"
               ",,1990-01-01,,,\n"
               "李娜,LI NA,1988,,,\n")
    response = _group(client, bad_csv)
    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    assert {"file.line[3].birth_date", "file.line[3].email", "file.line[4].name_zh",
            "file.line[5].birth_date"} <= set(fields), fields
    assert all("3" in m for m in fields["file.line[3].email"])
    assert not Registration.objects.exists() and not RegistrationGroup.objects.exists()
    # A bad itinerary and a bad file header: named too.
    response = _group(client, "foo,bar\n1,2\n", itinerary=json.dumps([{"country": "XX", "arrive": days(1),
                                                                                  "depart": days(2)}]))
    fields = response.json()["error"]["fields"]
    assert "itinerary[0].country" in fields and "file" in fields
    assert _group(client, CSV_GOOD, itinerary="[").json()["error"]["fields"].keys() == {"itinerary"}
    assert not Registration.objects.exists()
