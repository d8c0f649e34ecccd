"""Retention: personal data purged on `purge_after`, legs kept for statistics (country and dates only), name keys
gone, idempotent, batched, one audit entry per batch; the task and the command run it."""

from __future__ import annotations

import datetime
import io

from django.core.management import call_command

from consular.core.fields import encrypted_fields, keyed_hash_fields
from consular.core.models import AuditEntry
from consular.incidents.codes import NameKeyOwner
from consular.incidents.models import NameKey
from consular.travel import retention, services
from consular.travel.models import CoTraveller, Registration, RegistrationGroup, TripLeg
from consular.travel.tasks import purge_registrations
from tests.travel.travel_helpers import push_subscription, registration_in


def test_purge_empties_every_personal_field_keeps_the_legs_and_is_idempotent(roles, settings):
    citizen = roles["citizen"]
    data = registration_in(contacts={"email": "a@example.cn", "phone": "+86 138 0013 8000", "messaging_id": "wx",
                                     "push_subscription": push_subscription()},
                           channels=["email", "sms", "push", "webhook"])
    due = [services.registration_create(actor=citizen, data=data) for _ in range(3)]
    kept = services.registration_create(actor=citizen, data=registration_in())
    services.registration_cancel(actor=citizen, registration=due[2])
    group = RegistrationGroup.objects.create(owner=citizen, name="T1", organiser="旅行社", contact_phone="+86 1",
                                             contact_email="g@example.cn")
    Registration.objects.filter(pk=due[0].pk).update(group=group)
    today = datetime.date.today()
    Registration.objects.filter(pk__in=[r.pk for r in due]).update(purge_after=today)
    Registration.objects.filter(pk=kept.pk).update(purge_after=today + datetime.timedelta(days=1))

    assert retention.registrations_purge(today=today, batch=2) == 3
    for r in Registration.objects.filter(pk__in=[r.pk for r in due]):
        assert r.state == "purged" and r.purged_at is not None
        for field in [*encrypted_fields(Registration), *keyed_hash_fields(Registration)]:
            assert getattr(r, field.name) in ("", None), field.name
        assert {"name_zh", "birth_date", "passport_number", "push_subscription", "emergency_phone"} <= {
            f.name for f in encrypted_fields(Registration)}
        assert not CoTraveller.objects.filter(registration=r).exists()
        assert not NameKey.objects.filter(owner_type=NameKeyOwner.REGISTRANT, owner_id=r.pk).exists()
        legs = list(TripLeg.objects.filter(registration=r).values_list("country_id", "subdivision_id", "city", "lat",
                                                                       "lon", "active"))
        assert legs == [("TH", "TH-10", "", None, None, False), ("TH", "TH-50", "", None, None, False)]
        assert r.starts_on and r.ends_on
    group.refresh_from_db()
    assert (group.organiser, group.contact_phone, group.contact_email) == ("", "", "")
    # The one not yet due is untouched.
    kept.refresh_from_db()
    assert kept.state == "active" and kept.name_zh == "李雷" and CoTraveller.objects.filter(registration=kept).exists()
    assert NameKey.objects.filter(owner_id=kept.pk).exists()
    # One audit entry per batch, naming the ids.
    entries = list(AuditEntry.objects.filter(action="registration.purge").order_by("id"))
    assert [len(e.data["ids"]) for e in entries] == [2, 1]
    assert sorted(i for e in entries for i in e.data["ids"]) == sorted(str(r.pk) for r in due)
    # Again: nothing to do, nothing recorded.
    assert retention.registrations_purge(today=today) == 0
    assert AuditEntry.objects.filter(action="registration.purge").count() == 2
    # The task and the command run the same purge.
    Registration.objects.filter(pk=kept.pk).update(purge_after=datetime.date(2000, 1, 1))
    assert purge_registrations.enqueue().return_value == 1
    out = io.StringIO()
    call_command("purgeregistrations", stdout=out)
    assert out.getvalue().strip() == "purged 0 registrations"
    assert Registration.objects.filter(state="purged").count() == 4


def test_purge_after_follows_the_setting(roles, settings):
    settings.TRAVEL_PURGE_AFTER_DAYS = 548
    r = services.registration_create(actor=roles["citizen"], data=registration_in())
    assert r.purge_after == r.ends_on + datetime.timedelta(days=548)
