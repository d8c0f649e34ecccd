"""Personal data is encrypted at rest, findable by keyed hash, and survives key rotation."""

from __future__ import annotations

import datetime

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from consular.accounts.models import User
from consular.core import crypto
from consular.core.fields import EncryptedDateField
from consular.core.keys import keys_rotate

PHONE = "+856 20 5550 1234"


def _raw_phone(user: User) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, phone_hash FROM accounts_user WHERE id = %s", [user.pk])
        return cursor.fetchone()


def test_phone_is_not_readable_in_the_database(make_user):
    user = make_user("citizen", phone=PHONE)
    stored, stored_hash = _raw_phone(user)
    assert "5550" not in stored and "856" not in stored
    assert stored.startswith("gAAAA")  # a Fernet token
    assert User.objects.get(pk=user.pk).phone == PHONE
    assert stored_hash == crypto.keyed_hash("0085620 555 01234", kind="phone")
    assert len(stored_hash) == 64 and "5550" not in stored_hash


def test_exact_lookup_through_the_keyed_hash(make_user):
    user = make_user("citizen", phone=PHONE)
    make_user("citizen", phone="+86 138 0000 0000")
    found = User.objects.filter(phone_hash=crypto.keyed_hash("+8562055501234", kind="phone"))
    assert list(found) == [user]


def test_same_value_encrypts_differently_each_time():
    assert crypto.encrypt("E12345678") != crypto.encrypt("E12345678")


def test_keyed_hash_depends_on_the_key(settings):
    before = crypto.keyed_hash("E12345678", kind="passport")
    assert crypto.keyed_hash("e1234 5678", kind="passport") == before
    settings.HASH_KEY = "another-hash-key-that-is-long-enough-123"
    assert crypto.keyed_hash("E12345678", kind="passport") != before


def test_rotation_reencrypts_under_the_new_key(make_user, settings):
    old, new = settings.DATA_KEYS[0], Fernet.generate_key().decode()
    users = [make_user("citizen", phone=f"+66 81 000 00{i:02d}") for i in range(7)]
    blank = make_user("citizen")
    before = {u.pk: _raw_phone(u)[0] for u in users}

    settings.DATA_KEYS = [new, old]  # new key first: encrypts; old still decrypts
    report = keys_rotate(batch=3)  # several batches
    assert report.values >= 7
    after = {u.pk: _raw_phone(u)[0] for u in users}
    assert all(after[pk] != before[pk] for pk in before)

    settings.DATA_KEYS = [new]  # the old key is retired
    for i, user in enumerate(users):
        assert User.objects.get(pk=user.pk).phone == f"+66 81 000 00{i:02d}"
    assert User.objects.get(pk=blank.pk).phone == ""

    settings.DATA_KEYS = [old]  # and the old key alone can no longer read them
    with pytest.raises(ImproperlyConfigured):
        User.objects.get(pk=users[0].pk)


def test_rotation_command_can_rehash(make_user, settings, capsys):
    user = make_user("citizen", phone=PHONE)
    settings.HASH_KEY = "a-brand-new-hash-key-for-this-deployment"
    assert _raw_phone(user)[1] != crypto.keyed_hash(PHONE, kind="phone")
    call_command("rotatekeys", "--rehash")
    assert "recomputed" in capsys.readouterr().out
    assert _raw_phone(user)[1] == crypto.keyed_hash(PHONE, kind="phone")
    assert User.objects.filter(phone_hash=crypto.keyed_hash(PHONE, kind="phone")).get() == user


def test_hash_follows_the_value_whatever_the_field_order(make_user):
    from consular.accounts.models import User

    user = make_user("citizen", phone="+66 81 111 1111")
    user.phone = "+66 81 222 2222"
    user.save()
    assert User.objects.filter(phone_hash=crypto.keyed_hash("+66812222222", kind="phone")).get() == user
    user.phone = ""
    user.save()
    assert _raw_phone(user)[1] == ""


def test_encrypted_date_round_trip():
    field = EncryptedDateField()
    token = field.get_prep_value(datetime.date(1961, 3, 2))
    assert "1961" not in token
    assert field.from_db_value(token, None, connection) == datetime.date(1961, 3, 2)
    assert field.from_db_value("", None, connection) is None
    assert field.get_prep_value(None) is None


def test_bad_keys_are_reported(settings):
    settings.DATA_KEYS = ["not-a-fernet-key"]
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")
