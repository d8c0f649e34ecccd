"""Candidate retrieval through the blocking-key index: a person is found whatever the script, spelling, order or
form of the name, by passport number, and without reading more person rows than the candidates."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consular.incidents import blocking, selectors
from consular.incidents.codes import NameKeyOwner
from consular.incidents.models import AffectedPerson, NameKey
from tests.incidents.incident_helpers import add_person, open_incident

SURNAMES = ["李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何"]
GIVEN = ["娜", "伟", "敏", "静", "丽", "强", "磊", "军", "洋", "勇"]


@pytest.fixture
def operator(roles):
    return roles["hotline_operator"]


@pytest.fixture
def wang(operator, incident):
    return add_person(operator, incident, other_names=["WANG CHIEN-KUO"])


def _ids(found):
    return [c.person.pk for c in found]


@pytest.mark.parametrize("query", [
    "王建国",  # characters
    "WANG JIANGUO",  # passport spelling
    "WANG<<JIANGUO",  # MRZ
    "Jianguo Wang",  # given name first
    "WANGJIANGUO", "Wang Jian-Guo", "wang, jianguo",  # no space, hyphen, comma form
    "WANG JAINGUO",  # a typo
    "Wang Chien-kuo",  # Wade–Giles, from the other names
])
def test_the_person_is_found_whatever_the_form_of_the_name(wang, incident, query):
    found = selectors.candidates(incident=incident, name=query)
    assert _ids(found)[:1] == [wang.pk], query
    assert found[0].score >= 0.8 and found[0].level == "match"
    assert any(r.startswith("surname_") for r in found[0].reasons)


def test_a_person_known_only_in_one_script_is_found_from_the_other(operator, incident):
    latin_only = add_person(operator, incident, name_zh="", name_latin="OUYANG XIAOMING", passport_number="",
                            birth_date=None)
    chars_only = add_person(operator, incident, name_zh="吕小红", name_latin="", passport_number="",
                            birth_date=None)
    hong_kong = add_person(operator, incident, name_zh="", name_latin="CHAN TAI MAN", passport_number="",
                           birth_date=None)
    assert _ids(selectors.candidates(incident=incident, name="欧阳晓明"))[:1] == [latin_only.pk]
    assert _ids(selectors.candidates(incident=incident, name="LYU<<XIAOHONG"))[:1] == [chars_only.pk]
    assert _ids(selectors.candidates(incident=incident, name="陈大文"))[:1] == [hong_kong.pk]


def test_birth_date_and_passport_rank_and_veto(wang, operator, incident):
    namesake = add_person(operator, incident, birth_date=datetime.date(1975, 1, 1), passport_number="G99887766")
    found = selectors.candidates(incident=incident, name="王建国", birth_date="1961")
    assert _ids(found)[:2] == [wang.pk, namesake.pk]
    assert "birth_year_match" in found[0].reasons and "birth_year_mismatch" in found[1].reasons
    assert found[1].score < 0.5
    by_passport = selectors.candidates(incident=incident, name="王建国", passport_number="g 9988 7766")
    assert _ids(by_passport)[0] == namesake.pk and "passport_match" in by_passport[0].reasons


def test_an_exact_passport_number_finds_the_person_under_any_name(wang, incident):
    found = selectors.candidates(incident=incident, name="UNKNOWN PASSENGER", passport_number="E1234-5678")
    assert _ids(found) == [wang.pk] and "passport_match" in found[0].reasons


def test_other_incidents_are_not_searched(wang, operator, roles):
    other = open_incident(roles["hq_officer"])
    assert selectors.candidates(incident=other, name="王建国", passport_number="E12345678") == []
    twin = add_person(operator, other)
    assert _ids(selectors.candidates(incident=other, name="王建国")) == [twin.pk]


def test_retrieval_reads_only_the_candidate_rows(wang, operator, incident, django_assert_max_num_queries):
    for i, surname in enumerate(SURNAMES):
        for j, given in enumerate(GIVEN[:5]):
            add_person(operator, incident, name_zh=surname + given, name_latin="", passport_number=f"P{i:02d}{j:05d}",
                       birth_date=datetime.date(1950 + i, 1 + j, 1))
    total = AffectedPerson.objects.filter(incident=incident).count()
    assert total == 81
    ids = selectors.candidate_ids(incident=incident, name="WANG<<JIANGUO", birth_date="1961-03-02")
    assert ids == [wang.pk]
    with CaptureQueriesContext(connection) as captured, django_assert_max_num_queries(5):
        found = selectors.candidates(incident=incident, name="WANG<<JIANGUO", birth_date="1961-03-02",
                                     passport_number="E12345678")
    assert _ids(found) == [wang.pk]
    assert found[0].person.phone == wang.phone  # the kept person is loaded whole
    person_selects = [q["sql"] for q in captured.captured_queries
                      if re.search(r'FROM "incidents_affectedperson"', q["sql"]) and '"name_zh"' in q["sql"]]
    # the candidate rows by primary key with the scored fields only, then the kept ones whole
    assert len(person_selects) == 2
    assert all(re.search(r'"incidents_affectedperson"\."id" IN \(', sql) for sql in person_selects)
    assert '"phone"' not in person_selects[0] and '"phone"' in person_selects[1]


def test_a_common_name_loads_its_bucket_not_the_registry(operator, incident):
    for surname in SURNAMES:
        add_person(operator, incident, name_zh=surname + "伟", name_latin="", passport_number="", birth_date=None)
    zhang = next(p for p in AffectedPerson.objects.filter(incident=incident) if p.name_zh == "张伟")
    ids = selectors.candidate_ids(incident=incident, name="ZHANG WEI")
    assert zhang.pk in ids and len(ids) < len(SURNAMES) // 2


def test_the_index_holds_keyed_hashes_only(wang):
    rows = list(NameKey.objects.filter(owner_id=wang.pk))
    assert rows and all(re.fullmatch(r"[0-9a-f]{64}", r.key_hash) for r in rows)
    assert all(r.owner_type == "affected_person" for r in rows)
    plain = blocking.owner_keys(wang.names(), wang.birth_date)
    assert {r.key_hash for r in rows} == {blocking.key_hash(k) for k in plain}
    assert not {r.key_hash for r in rows} & plain


def test_the_index_is_generic_and_the_narrow_tier_keeps_recall(db):
    """Another owner type (trip registrations, later) uses the same index; a query that knows the year asks
    the year buckets of Y-1..Y+1 and only the undated owners of the name buckets."""
    owner = NameKeyOwner.REGISTRANT
    dated, near, far, undated = (uuid.uuid4() for _ in range(4))
    blocking.name_keys_write(owner_type=owner, owner_id=dated, names=["ZHANG WEI"], birth_date="1990-05-01",
                             scope=None)
    blocking.name_keys_write(owner_type=owner, owner_id=near, names=["张伟"], birth_date="1991-12-31", scope=None)
    blocking.name_keys_write(owner_type=owner, owner_id=far, names=["ZHANG WEI"], birth_date="1970-01-01",
                             scope=None)
    blocking.name_keys_write(owner_type=owner, owner_id=undated, names=["Wei Zhang"], birth_date=None, scope=None)
    elsewhere = uuid.uuid4()
    blocking.name_keys_write(owner_type=owner, owner_id=uuid.uuid4(), names=["ZHANG WEI"], birth_date="1990-05-01",
                             scope=elsewhere)
    narrow = blocking.query_keys("张伟", "1990", narrow=True)
    assert set(blocking.owners_by_keys(owner_type=owner, keys=narrow, scope=None)) == {dated, near, undated}
    wide = blocking.query_keys("张伟", "1990")
    assert set(blocking.owners_by_keys(owner_type=owner, keys=wide, scope=None)) == {dated, near, far, undated}
    assert blocking.owners_by_keys(owner_type=NameKeyOwner.AFFECTED_PERSON, keys=wide, scope=None) == []
    assert len(blocking.owners_by_keys(owner_type=owner, keys=wide, scope=elsewhere)) == 1
    assert set(blocking.owners_by_keys(owner_type=owner, keys=blocking.query_keys("ZHANG<<WEI"), scope=None)) == {
        dated, near, far, undated}
    with pytest.raises(ValueError):
        blocking.query_keys("张伟", "1990-02-30")


def test_rare_shared_keys_rank_above_many_common_ones(db):
    """Ranking weighs each shared key by how few owners of the scope hold it: the one owner sharing the query's
    rare key comes before the many who share two of its common keys (a plain count of shared keys would put
    them first), and the order is stable (ties by owner id)."""
    owner, scope = NameKeyOwner.REGISTRANT, uuid.uuid4()
    target, crowd = uuid.uuid4(), [uuid.uuid4() for _ in range(10)]

    def index(owner_id: uuid.UUID, *keys: str, scope: uuid.UUID | None = scope) -> None:
        NameKey.objects.bulk_create(NameKey(key_hash=blocking.key_hash(k), owner_type=owner, owner_id=owner_id,
                                            scope=scope) for k in keys)

    index(target, "n:zhang:jian:1961")
    for pid in crowd:
        index(pid, "y:zhang:1961", "s:zhang")
    index(uuid.uuid4(), "n:zhang:jian:1961", scope=None)  # another scope's holder does not make the key common
    found = blocking.owners_by_keys(owner_type=owner, keys={"n:zhang:jian:1961", "y:zhang:1961", "s:zhang"},
                                    scope=scope)
    assert found == [target, *sorted(crowd)]
    assert blocking.owners_by_keys(owner_type=owner, keys={"y:zhang:1961", "n:zhang:jian:1961"}, scope=scope,
                                   limit=3) == [target, *sorted(crowd)[:2]]


def test_a_small_tied_group_is_not_cut_in_the_middle(db):
    """`ties`: owners tying with the last one kept are added while their whole group fits; a larger group is cut
    at the limit (whoever is kept of it is arbitrary anyway: the lowest owner ids)."""
    owner, scope = NameKeyOwner.REGISTRANT, uuid.uuid4()
    best = uuid.uuid4()
    group = sorted(uuid.uuid4() for _ in range(6))
    NameKey.objects.bulk_create([NameKey(key_hash=blocking.key_hash("n:zhang:chao:1980"), owner_type=owner,
                                         owner_id=pid, scope=scope) for pid in [best, *group]]
                                + [NameKey(key_hash=blocking.key_hash("rare"), owner_type=owner, owner_id=best,
                                           scope=scope)])
    keys = {"n:zhang:chao:1980", "rare"}
    assert blocking.owners_by_keys(owner_type=owner, keys=keys, scope=scope, limit=3) == [best, *group[:2]]
    assert blocking.owners_by_keys(owner_type=owner, keys=keys, scope=scope, limit=3, ties=5) == [best, *group]
    assert blocking.owners_by_keys(owner_type=owner, keys=keys, scope=scope, limit=3, ties=3) == [best, *group[:2]]


def test_a_typo_in_a_one_syllable_given_name_finds_the_person_born_that_year(db):
    """WANG QWEI for 王伟 born 1961 shares no syllable with the person, and the bucket of every 王 born that year
    is read only in part (the lowest owner ids: here the crowd, not the person). The year-qualified skeleton keys
    (``ky:wang:w:1961``) still lead to the person, among the first (王斌, BIN, is one typo from WBI too)."""
    owner = NameKeyOwner.REGISTRANT
    crowd = sorted(uuid.uuid4() for _ in range(12))
    target = uuid.UUID(int=2**128 - 1)  # after the whole crowd: not among the first ids of the year's bucket
    for pid, given in zip(crowd, "磊明军刚强勇涛亮斌超杰鹏", strict=True):
        blocking.name_keys_write(owner_type=owner, owner_id=pid, names=["王" + given], birth_date="1961-05-01",
                                 scope=None)
    blocking.name_keys_write(owner_type=owner, owner_id=target, names=["王伟", "WANG WEI"], birth_date="1961-03-02",
                             scope=None)
    for typo in ("WANG QWEI", "WANG WBI"):
        keys = blocking.query_keys(typo, "1961", narrow=True)
        found = blocking.owners_by_keys(owner_type=owner, keys=keys, scope=None, limit=5, per_key=5)
        assert target in found[:2], typo
    assert target not in blocking.owners_by_keys(owner_type=owner, keys=blocking.query_keys("WANG QWEI", "1970"),
                                                 scope=None, limit=5, per_key=5)  # another year: another bucket


@pytest.fixture
def scored(monkeypatch) -> list[uuid.UUID]:
    """The ids of the persons `selectors.candidates` scores, in order (it scores each through `_best`)."""
    ids: list[uuid.UUID] = []
    best = selectors._best

    def counting(query, person, *known):
        ids.append(person.pk)
        return best(query, person, *known)

    monkeypatch.setattr(selectors, "_best", counting)
    return ids


def test_scoring_stops_where_no_one_left_can_enter_and_answers_the_same(operator, incident, scored):
    """Candidates are scored in the order of the best their birth date allows (`matching.score_bound`): with ten
    kept, no one whose bound is below the tenth is scored, and someone born two years off (bound 0.083, under
    the floor of 0.10) never is; the answer is the one scoring everyone gives."""
    born = [datetime.date(1961, 3, 2)] * 12 + [datetime.date(1961, 7, 9)] * 3 + [datetime.date(1963, 3, 2)] * 5
    for i, date in enumerate(born):
        add_person(operator, incident, name_zh="王建" + GIVEN[i % len(GIVEN)], name_latin="", passport_number="",
                   birth_date=date)
    found = selectors.candidates(incident=incident, name="王建国", birth_date="1961-03-02")
    assert len(found) == 10 and all(c.person.birth_date == datetime.date(1961, 3, 2) for c in found)
    assert len(scored) == 12  # the twelve born that day; the same year (bound 0.52) and 1963 are never scored

    persons = list(AffectedPerson.objects.filter(incident=incident))
    query = selectors.NameRecord(name="王建国", birth_date="1961-03-02")
    everyone = sorted((selectors._best(query, p) for p in persons), key=lambda c: (-c.score, str(c.person.pk)))
    expected = [(c.person.pk, c.score, c.reasons) for c in everyone if c.score >= 0.1][:10]
    assert [(c.person.pk, c.score, c.reasons) for c in found] == expected


def test_of_a_crowd_with_the_very_name_and_date_only_the_first_ten_are_scored(operator, incident, scored):
    """Fifteen people named 王建国 born the day asked for tie at the best their birth date allows: the ten with
    the lowest ids are the answer, and none of the crowd after them is scored (ties go by id: a later one cannot
    pass them)."""
    crowd = [add_person(operator, incident, name_zh="王建国", name_latin="WANG JIANGUO", passport_number="",
                        birth_date=datetime.date(1961, 3, 2)) for _ in range(15)]
    add_person(operator, incident, name_zh="王建军", name_latin="", passport_number="",
               birth_date=datetime.date(1961, 3, 2))  # the same bound: scored if its id comes first
    for name in ("王建国", "WANG JIANGUO"):
        scored.clear()
        found = selectors.candidates(incident=incident, name=name, birth_date="1961-03-02")
        first_ten = sorted((p.pk for p in crowd), key=str)[:10]
        assert [c.person.pk for c in found] == first_ten, name
        in_crowd = [pk for pk in scored if pk in first_ten or pk in {p.pk for p in crowd}]
        assert sorted(in_crowd, key=str) == first_ten, name  # the other five are never scored
        assert len(scored) <= 11, name  # and 王建军 only when its id comes before the tenth


def test_a_search_leaves_only_the_untracked_name_pair_cache_behind(wang, incident):
    """The parses and part comparisons serve one search and are emptied after it (kept for the process they
    grew to a million objects the garbage collector walks: pauses of seconds); what two names say is kept, as
    plain tuples the collector does not track, and answers the next search the same."""
    import gc

    from consular.incidents import matching

    first = selectors.candidates(incident=incident, name="WANG JIANGUO", birth_date="1961")
    assert [matching.parse.cache_info().currsize, matching.compare_units.cache_info().currsize,
            matching.compare_components.cache_info().currsize] == [0, 0, 0]
    kept = matching._name_evidence.cache_info()
    assert kept.currsize > 0
    gc.collect()
    gc.collect()  # the reasons are untracked by the first, the tuple holding them by the second
    assert not gc.is_tracked(matching._name_evidence("WANG JIANGUO", "王建国"))
    again = selectors.candidates(incident=incident, name="WANG JIANGUO", birth_date="1961")
    assert [(c.person.pk, c.score, c.reasons) for c in again] == [(c.person.pk, c.score, c.reasons) for c in first]
    assert matching._name_evidence.cache_info().hits > kept.hits
