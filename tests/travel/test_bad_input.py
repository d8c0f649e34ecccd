"""Inputs a reviewer found to break the registration endpoints: each is now a 4xx with the field named, and
staff do not see a citizen's browser push credential."""

from __future__ import annotations

from tests.travel.travel_helpers import body, push_subscription

URL = "/api/v1/registrations"
NESTED = "[" * 3000 + "]" * 3000


def test_patch_with_an_incomplete_stop_names_the_missing_fields(api, roles):
    mine = api(roles["citizen"])
    created = mine.post(URL, body(), format="json").json()
    for stop, missing in (({"country": "TH"}, "arrive"), ({"arrive": "2030-01-01", "depart": "2030-01-02"},
                                                          "country")):
        answer = mine.patch(f"{URL}/{created['id']}", {"itinerary": [stop]}, format="json")
        assert answer.status_code == 400, answer.content
        assert any(missing in name for name in answer.json()["error"]["fields"]), answer.json()


def test_deeply_nested_json_in_a_string_field_is_a_400(api, roles):
    mine = api(roles["citizen"])
    answer = mine.post(URL, body(contacts={"email": "a@example.cn", "push_subscription": NESTED},
                                 channels=["email"]), format="json")
    assert answer.status_code == 400 and any("push" in f for f in answer.json()["error"]["fields"])
    group = mine.post("/api/v1/registration-groups", {"itinerary": NESTED, "name": "T"}, format="multipart")
    assert group.status_code == 400 and "itinerary" in group.json()["error"]["fields"]


def test_too_many_co_travellers_are_refused_before_they_are_read(api, roles):
    many = [{"name_zh": f"同行{i}", "relation": "family"} for i in range(21)]
    answer = api(roles["citizen"]).post(URL, body(co_travellers=many), format="json")
    assert answer.status_code == 400
    assert any(name.startswith("co_travellers") for name in answer.json()["error"]["fields"])


def test_staff_see_whether_there_is_a_push_subscription_not_the_subscription(api, roles):
    mine = api(roles["citizen"])
    subscription = push_subscription()
    created = mine.post(URL, body(contacts={"email": "a@example.cn", "push_subscription": subscription},
                                  channels=["email", "push"]), format="json")
    assert created.status_code == 201, created.content
    own = mine.get(f"{URL}/{created.json()['id']}").json()["contacts"]
    assert own["push_subscription"]["endpoint"] == subscription["endpoint"] and own["push_subscribed"] is True
    for role in ("hq_officer", "hotline_operator"):
        seen = api(roles[role]).get(f"{URL}/{created.json()['id']}").json()["contacts"]
        assert seen["push_subscription"] is None and seen["push_subscribed"] is True, role
        listed = api(roles[role]).get(URL).json()["results"][0]["contacts"]
        assert listed["push_subscription"] is None, role


def test_add_another_stop_with_a_strange_count_still_renders(client, roles):
    client.force_login(roles["citizen"])
    answer = client.post("/travel/new/", {"add_stop": "1", "legs-TOTAL_FORMS": "²", "legs-INITIAL_FORMS": "0"})
    assert answer.status_code == 200
