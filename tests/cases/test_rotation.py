"""After the hash key changes, `rotatekeys --rehash` keeps every look-up working; follow-up codes survive."""

from __future__ import annotations

from django.core.management import call_command

from consular.cases.followup import followup_case
from consular.cases.models import Case
from consular.cases.selectors import case_search_filter
from consular.cases.services import Location, help_request_submit
from consular.core.models import AuditEntry


def _found(query: str) -> set[str]:
    return set(Case.objects.filter(case_search_filter(query)).values_list("reference", flat=True))


def test_search_and_follow_up_survive_a_hash_key_rotation(open_case, settings, reference):
    case = open_case()
    helped, code = help_request_submit(name="李娜", phone="+66 81 999 0000", email="",
                                       location=Location(country="TH"), category="lost_documents",
                                       description="护照丢了")
    for query in ("王建国", "WANG JIANGUO", "E12345678", "+66 81 234 5678"):
        assert _found(query) == {case.reference}, query
    settings.HASH_KEY = "the-new-hash-key-after-a-suspected-leak-0001"
    assert _found("王建国") == set()  # stale until the rehash
    call_command("rotatekeys", "--rehash")
    for query in ("王建国", "WANG JIANGUO", "E12345678", "+66 81 234 5678"):
        assert _found(query) == {case.reference}, query
    assert _found("李娜") == {helped.reference}
    assert followup_case(reference=helped.reference, code=code, client="192.0.2.1") == helped
    assert AuditEntry.objects.filter(action="keys.rotate", data__rehash=True).exists()
