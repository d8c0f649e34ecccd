"""The demo's major incident: opened once through the services, its registry in every status, the families'
inquiries found by the matcher and attached, call-backs owed, the death hidden until the next of kin is told."""

from __future__ import annotations

from consular.incidents.codes import AWAITING_NOTIFICATION, PersonStatus
from consular.incidents.models import CallBack, Incident, Inquiry, PersonStatusChange
from consular.incidents.selectors import candidates, incident_dashboard, public_status
from consular.server.demo import demo_load
from consular.server.demo_incident import DEMO_TITLE, INQUIRIES, PASSENGERS, STATUSES, demo_incident_load


def test_the_demo_incident_is_loaded_once_with_its_registry_inquiries_and_call_backs(reference):
    assert demo_incident_load() == 0  # no demo accounts yet: nothing to open it with
    demo_load()
    assert demo_incident_load() == PASSENGERS
    assert demo_incident_load() == 0
    incident = Incident.objects.get(title=DEMO_TITLE)
    assert incident.lead_mission.code == "LA-VTE" and {m.code for m in incident.missions.all()} >= {"TH-CNX"}

    counts = incident_dashboard(incident=incident)
    assert counts["persons"] == PASSENGERS
    for status in PersonStatus.values:
        expected = STATUSES.count(status) + (PASSENGERS - len(STATUSES) if status == PersonStatus.UNACCOUNTED else 0)
        assert counts["by_status"][status] == expected, status
    assert counts["deceased_awaiting_notification"] == 1
    deceased = incident.persons.get(status=PersonStatus.DECEASED)
    assert public_status(deceased) == AWAITING_NOTIFICATION
    assert PersonStatusChange.objects.filter(person__incident=incident).count() == PASSENGERS + len(STATUSES)

    inquiries = list(Inquiry.objects.filter(incident=incident).select_related("person"))
    assert len(inquiries) == len(INQUIRIES) and all(i.person is not None for i in inquiries)
    for inquiry in inquiries:  # the name as the family gave it finds the person asked about first
        found = candidates(incident=incident, name=inquiry.subject_name, birth_date=inquiry.subject_birth_date)
        assert found[0].person.pk == inquiry.person_id
    assert CallBack.objects.filter(inquiry__incident=incident, done_at__isnull=True).count() == len(INQUIRIES)
