"""Review of SMS replies, the inbound callback, the delivery report and the travel-advice API: odd input never
gives a 500, nothing personal reaches the report, and the other fixes of the review."""

from __future__ import annotations

import json
from typing import Any

import pytest

from consular.alerts.models import CheckIn, SmsReply
from consular.alerts.selectors import _reason_kind
from consular.alerts.sms_replies import reply_parse
from consular.notify.channels import signing
from tests.alerts.test_sms_replies import SECRET, _publish, _sent, _sms, _traveller

pytestmark = pytest.mark.django_db
URL = "/api/v1/sms/inbound"
ODD: list[Any] = [None, [], ["1"], {"a": 1}, 12, 1.5, True, "", "   ", "x" * 5000, "\x00", "١٢٣٤٥٦٧", "\u200b",
                  "+" + "9" * 40, "🙂" * 10]


@pytest.fixture(autouse=True)
def gateway_secret(settings: Any) -> None:
    settings.SMS_GATEWAY_SECRETS = [SECRET]


def _post(client: Any, body: Any) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return client.post(URL, raw, content_type="application/json", HTTP_CONSULAR_SIGNATURE=signing.sign([SECRET], raw))


@pytest.mark.parametrize("field", ["id", "from", "text", "received_at"])
@pytest.mark.parametrize("value", ODD)
def test_inbound_odd_values_are_answered_never_a_500(api: Any, reference: None, field: str, value: Any) -> None:
    body = {"id": "gw-odd", "from": "+66810000000", "text": "1 4821", field: value}
    response = _post(api(), body)
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert response.json()["error"]["fields"]


@pytest.mark.parametrize("raw", [b"", b"null", b"[]", b'"text"', b"\xff\xfe", b"{" * 2000, b'{"id": "x"' * 10])
def test_inbound_odd_bodies_are_400(api: Any, reference: None, raw: bytes) -> None:
    response = _post(api(), raw)
    assert response.status_code == 400, response.content
    assert not SmsReply.objects.exists()


@pytest.mark.parametrize("text", ["", " ", "\u3000", "1" * 1600, "١", "٢ ١٢٣٤", "²", "⑴ 4821", "1\x01", "𝟏 4821",
                                  "SAFE" * 400, "平安" * 800, "1 4821 " + "很好" * 700])
def test_parsing_never_fails(text: str) -> None:
    parsed = reply_parse(text)
    assert parsed.status in (None, "safe", "need_help")
    assert parsed.code is None or (parsed.code.isascii() and parsed.code.isdigit())


def test_mathematical_and_superscript_digits() -> None:
    assert reply_parse("𝟏 4821").status == "safe" and reply_parse("𝟏 4821").code == "4821"  # NFKC-able digits
    assert reply_parse("² 4821").status is None  # not a decimal digit: no answer


# --- The delivery report shows no phone number ------------------------------------------------------------------

@pytest.mark.parametrize(("text", "kind"), [
    ("smtp 550 recipient refused: <a@b.c> no such user", "smtp 550 recipient refused"),
    ("smtp 550 5.1.1 user unknown", "smtp 550 5.1.1 user unknown"),
    ("gateway rejected number +66 81 234 5678", "gateway rejected number …"),
    ("invalid destination 0066812345678 (blocked)", "invalid destination … (blocked)"),
    ("no_contact", "no_contact"),
    ("http 503", "http 503"),
])
def test_failure_reasons_drop_addresses_and_phone_numbers(text: str, kind: str) -> None:
    assert _reason_kind(text) == kind


# --- Travel advice: odd input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("country", ["th", "TH ", "T", "٣٣", "ＴＨ", "XX", "a" * 300, "%00"])
def test_travel_advice_odd_countries_are_4xx(api: Any, reference: None, country: str) -> None:
    assert api().get(f"/api/v1/travel-advice/{country}").status_code in (200, 404)
    assert api().get("/api/v1/travel-advice", {"country": country}).status_code in (200, 400)


@pytest.mark.parametrize("alert", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "ALT-9999-9999", "١٢",
                                   ["x"], {"a": 1}, 12, "x" * 41, "\x00"])
def test_travel_advice_odd_alerts_are_400(api: Any, roles: dict[str, Any], alert: Any) -> None:
    body = {"level": "caution", "summary": {"zh-hans": "注意安全"}, "alert": alert}
    response = api(roles["hq_officer"]).post("/api/v1/travel-advice/TH", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"]


@pytest.mark.parametrize("body", [None, [], "text", {"level": None}, {"level": ["caution"]},
                                  {"level": "caution", "summary": None}, {"level": "caution", "summary": []},
                                  {"level": "caution", "summary": {"zh-hans": None}},
                                  {"level": "caution", "summary": {"zh-hans": "x" * 100000}},
                                  {"level": "caution", "summary": {"zh-hans": "   "}}])
def test_travel_advice_odd_bodies_are_400(api: Any, roles: dict[str, Any], body: Any) -> None:
    response = api(roles["hq_officer"]).post("/api/v1/travel-advice/TH", body, format="json")
    assert response.status_code == 400, response.content


# --- An answer and a code typed without a space ------------------------------------------------------------------

@pytest.fixture
def officers(roles: dict[str, Any], make_user: Any) -> dict[str, Any]:
    return {"author": roles["hq_officer"], "approver": make_user("hq_officer")}


def test_glued_readings() -> None:
    assert reply_parse("14823").glued == (("safe", "4823"),)
    assert reply_parse("14821").glued == (("safe", "4821"), ("safe", "1482"))
    assert reply_parse("４８２１２ 在酒店").glued == (("need_help", "4821"),)
    assert reply_parse("４８２１２ 在酒店").message == "在酒店"
    assert reply_parse("12342").glued == (("safe", "2342"), ("need_help", "1234"))
    assert reply_parse("4821").glued == () and reply_parse("1 4821").glued == ()
    assert reply_parse("10483").glued == ()  # codes never start with 0


def test_an_answer_glued_to_its_code_is_recorded(roles: dict[str, Any], officers: dict[str, Any], api: Any) -> None:
    registration = _traveller(roles["citizen"])
    first = _sent(registration, _publish(officers).alert)
    second = _sent(registration, _publish(officers).alert)  # two open alerts: a lone "safe" would need a code

    assert _sms(api(), f"2{second.reply_code} 水到二楼").json() == {"status": "recorded"}
    checkin = CheckIn.objects.get()
    assert (checkin.delivery_id, checkin.status, checkin.message) == (second.pk, "need_help", "水到二楼")
    assert _sms(api(), f"{first.reply_code}1").json() == {"status": "recorded"}
    assert CheckIn.objects.filter(delivery=first, status="safe").exists()
    # Digits that are no code of this number in any reading stay not understood.
    codes = {first.reply_code, second.reply_code}
    unknown = next(c for c in ("1000", "1001", "1002", "1003") if c not in codes and f"1{c}"[:-1] not in codes)
    assert _sms(api(), f"1{unknown}").json() == {"status": "not_understood"}
