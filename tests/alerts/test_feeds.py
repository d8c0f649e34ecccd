"""Public feeds: CAP 1.2 valid against the OASIS schema (every area kind, an update, a cancel), Atom feeds that
parse, the public page per country; drafts never appear."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from consular.alerts.services import alert_approve, alert_cancel, alert_create, alert_edition_add, alert_publish
from tests.alerts.alert_helpers import POLYGON, alert_in, published
from tests.incidents.incident_helpers import open_incident

pytestmark = pytest.mark.django_db

XSD = Path(__file__).resolve().parents[1] / "data" / "cap" / "CAP-v1.2.xsd"
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
ATOM = "{http://www.w3.org/2005/Atom}"
EVERY_AREA = {"countries": ["LA"], "subdivisions": ["TH-10"], "polygons": [POLYGON],
              "circles": [{"lat": 13.75, "lon": 100.5, "radius_km": 30}]}


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(XSD)


def _cap(client, alert, **params):
    response = client.get(f"/feeds/cap/{alert.pk}.xml", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/cap+xml")
    return response.content


def test_cap_valid_for_alert_update_and_cancel(client, roles, make_user, schema):
    hq, second = roles["hq_officer"], make_user("hq_officer")
    incident = open_incident(hq)
    result = published(hq, second, area=EVERY_AREA, incident=str(incident.pk))
    alert = result.alert
    first = _cap(client, alert)
    schema.validate(first)
    root = ET.fromstring(first)
    assert root.findtext(f"{CAP}msgType") == "Alert" and root.findtext(f"{CAP}status") == "Actual"
    assert root.findtext(f"{CAP}scope") == "Public" and root.find(f"{CAP}references") is None
    assert root.findtext(f"{CAP}incidents") == str(incident.pk)
    infos = root.findall(f"{CAP}info")
    assert [i.findtext(f"{CAP}language") for i in infos] == ["zh-CN", "en-US"]
    zh = infos[0]
    assert zh.findtext(f"{CAP}category") == "Security" and zh.findtext(f"{CAP}severity") == "Severe"
    assert zh.findtext(f"{CAP}headline") == "曼谷市中心发生抗议活动"
    area = zh.find(f"{CAP}area")
    assert area is not None
    assert area.findtext(f"{CAP}polygon") == "13.7,100.4 13.8,100.4 13.8,100.6 13.7,100.6 13.7,100.4"
    assert area.findtext(f"{CAP}circle") == "13.75,100.5 30"
    geocodes = {(g.findtext(f"{CAP}valueName"), g.findtext(f"{CAP}value")) for g in area.findall(f"{CAP}geocode")}
    assert geocodes == {("ISO3166-1", "LA"), ("ISO3166-1", "TH"), ("ISO3166-2", "TH-10")}
    assert "老挝" in (area.findtext(f"{CAP}areaDesc") or "")
    # An update references the first edition; a cancel references both.
    alert_edition_add(actor=second, alert=alert, data=alert_in(level="evacuate", area=EVERY_AREA,
                                                               headline={"zh-hans": "立即撤离"}))
    alert_approve(actor=hq, alert=alert)
    alert_publish(actor=hq, alert=alert)
    update = _cap(client, alert)
    schema.validate(update)
    root = ET.fromstring(update)
    assert root.findtext(f"{CAP}msgType") == "Update"
    references = (root.findtext(f"{CAP}references") or "").split()
    assert len(references) == 1 and references[0].split(",")[1] == f"urn:uuid:{result.edition.pk}"
    assert [i.findtext(f"{CAP}language") for i in root.findall(f"{CAP}info")] == ["zh-CN"]  # no English headline
    assert root.find(f"{CAP}info/{CAP}urgency").text == "Immediate"
    alert_cancel(actor=hq, alert=alert, reason="已解除")
    cancel = _cap(client, alert)
    schema.validate(cancel)
    root = ET.fromstring(cancel)
    assert root.findtext(f"{CAP}msgType") == "Cancel"
    assert len((root.findtext(f"{CAP}references") or "").split()) == 2
    assert root.find(f"{CAP}info/{CAP}responseType").text == "AllClear"
    # Earlier editions stay available.
    schema.validate(_cap(client, alert, edition=1))
    assert client.get(f"/feeds/cap/{alert.pk}.xml", {"edition": 9}).status_code == 404


def test_drafts_are_not_public(client, roles):
    draft = alert_create(actor=roles["hq_officer"], data=alert_in())
    assert client.get(f"/feeds/cap/{draft.pk}.xml").status_code == 404
    assert client.get("/feeds/cap/nothing.xml").status_code == 404
    assert draft.reference not in client.get("/feeds/alerts.atom").content.decode()


def test_atom_feeds_and_country_page(client, roles, make_user):
    hq, second = roles["hq_officer"], make_user("hq_officer")
    thailand = published(hq, second)
    laos = published(hq, second, area={"countries": ["LA"]}, headline={"zh-hans": "老挝洪水", "en": "Floods in Laos"})
    feed = client.get("/feeds/alerts.atom")
    assert feed.status_code == 200 and feed["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.content)
    assert root.tag == f"{ATOM}feed"
    ids = [e.findtext(f"{ATOM}id") for e in root.findall(f"{ATOM}entry")]
    assert ids == [f"urn:uuid:{laos.edition.pk}", f"urn:uuid:{thailand.edition.pk}"]
    country = ET.fromstring(client.get("/feeds/alerts/th.atom").content)
    titles = [e.findtext(f"{ATOM}title") for e in country.findall(f"{ATOM}entry")]
    assert titles == ["曼谷市中心发生抗议活动"]
    assert client.get("/feeds/alerts/XX.atom").status_code == 404
    page = client.get("/alerts/TH/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "曼谷市中心发生抗议活动" in text and "老挝洪水" not in text
    assert client.get("/alerts/LA/").content.decode().count("老挝洪水") == 1
