"""Shared inputs of the trip-registration tests."""

from __future__ import annotations

import copy
import datetime
from typing import Any

from django.utils import timezone

from consular.travel import services


def days(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


def body(**changes: Any) -> dict[str, Any]:
    """A valid POST /api/v1/registrations body: Bangkok then Chiang Mai, starting in ten days."""
    data: dict[str, Any] = {
        "itinerary": [
            {"country": "TH", "subdivision": "TH-10", "city": "Bangkok", "arrive": days(10), "depart": days(14),
             "lat": 13.75, "lon": 100.5},
            {"country": "TH", "subdivision": "TH-50", "city": "清迈", "arrive": days(14), "depart": days(20)},
        ],
        "contacts": {"email": "li.lei@example.cn", "phone": "+86 138 0013 8000", "messaging_id": "lilei-wx"},
        "channels": ["email", "sms"],
        "language": "zh-hans",
        "traveller": {"name_zh": "李雷", "name_latin": "LI LEI", "birth_date": "1990-05-04",
                      "passport_number": "E12345678"},
        "co_travellers": [{"name_zh": "韩梅梅", "name_latin": "HAN MEIMEI", "birth_date": "1991-02-03",
                           "relation": "family"}],
        "emergency_contact": {"name": "李父", "relation": "父亲", "phone": "+86 10 6512 3456",
                              "email": "li.father@example.cn"},
        "consent": {"contact_family": True, "share_with_incident": True},
    }
    data.update(copy.deepcopy(changes))
    return data


def registration_in(**changes: Any) -> services.RegistrationIn:
    """The same registration in the services' shape."""
    from consular.api.v1.registration_serializers import RegistrationInSerializer

    serializer = RegistrationInSerializer(data=body(**changes))
    assert serializer.is_valid(), serializer.errors
    return serializer.to_registration_in()


def push_subscription() -> dict[str, Any]:
    """A browser's PushSubscription.toJSON() with a real P-256 key, on an allowed push service."""
    import base64
    import os

    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    key = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(Encoding.X962,
                                                                            PublicFormat.UncompressedPoint)
    return {"endpoint": f"https://fcm.googleapis.com/fcm/send/{b64(os.urandom(12))}",
            "keys": {"p256dh": b64(key), "auth": b64(os.urandom(16))}}
