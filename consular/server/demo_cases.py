"""A year of fictitious protection cases and hotline calls for the demo, so queues and the dashboard show
something real. Every person is generated; every summary is marked 【演示】 (demo)."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from consular.accounts.models import Role, User
from consular.cases.codes import CallTopic, Channel, State, Urgency
from consular.cases.deadlines import first_response_due
from consular.cases.models import Call, Case, CaseEvent, CasePerson, EventKind, PersonNameKey
from consular.cases.services import reference_generate
from consular.core import crypto
from consular.core.audit import audit_record
from consular.core.jurisdiction import responsible_mission
from consular.core.models import Mission, Subdivision
from consular.core.names import name_keys

SURNAMES = [("王", "WANG"), ("李", "LI"), ("张", "ZHANG"), ("刘", "LIU"), ("陈", "CHEN"), ("杨", "YANG"),
            ("赵", "ZHAO"), ("黄", "HUANG"), ("周", "ZHOU"), ("吴", "WU"), ("徐", "XU"), ("孙", "SUN"),
            ("吕", "LYU"), ("欧阳", "OUYANG")]
GIVEN = [("伟", "WEI"), ("芳", "FANG"), ("娜", "NA"), ("敏", "MIN"), ("静", "JING"), ("强", "QIANG"),
         ("磊", "LEI"), ("洋", "YANG"), ("建国", "JIANGUO"), ("秀英", "XIUYING"), ("志明", "ZHIMING"),
         ("海燕", "HAIYAN")]
# Where the reference deployment's cases come from (rough shares), and what they are about.
COUNTRIES = {"TH": 14, "JP": 9, "US": 9, "KR": 6, "VN": 6, "MY": 5, "ID": 5, "SG": 4, "KH": 4, "PH": 4, "LA": 3,
             "AU": 4, "NZ": 2, "GB": 3, "FR": 3, "DE": 3, "IT": 3, "RU": 3, "AE": 2, "EG": 2, "ZA": 2, "ET": 1,
             "LK": 1, "MM": 2, "TR": 2, "NG": 1, "BR": 1, "CA": 3}
CATEGORIES = {"lost_documents": 22, "consultation": 16, "crime_victim": 14, "traffic_accident": 8,
              "illness_injury": 8, "detention": 6, "labour_dispute": 6, "civil_dispute": 5, "entry_refused": 5,
              "missing_contact": 4, "death": 3, "natural_disaster": 1, "kidnapping": 1, "terrorism": 1, "other": 5}
SUMMARIES = {
    "lost_documents": "护照在{city}丢失，需要办理旅行证回国",
    "consultation": "咨询{city}当地签证延期手续",
    "crime_victim": "在{city}遭遇盗窃，钱包和手机被偷",
    "traffic_accident": "在{city}发生交通事故，一人受伤送医",
    "illness_injury": "在{city}突发疾病住院，需要联系家属",
    "detention": "在{city}因签证问题被当地警方拘留",
    "labour_dispute": "在{city}务工被拖欠工资",
    "civil_dispute": "在{city}与房东发生租赁纠纷",
    "entry_refused": "在{city}机场入境被拒",
    "missing_contact": "家属反映在{city}旅游的亲人失联三天",
    "death": "在{city}意外身亡，需协助善后",
    "natural_disaster": "{city}发生地震，游客受困",
    "kidnapping": "在{city}被绑架，家属接到勒索电话",
    "terrorism": "{city}发生爆炸袭击，有中国公民受伤",
    "other": "在{city}遇到其他困难，请求协助",
}
URGENCY_BY_CATEGORY = {"kidnapping": "p1", "terrorism": "p1", "death": "p1", "natural_disaster": "p1",
                       "detention": "p2", "illness_injury": "p2", "traffic_accident": "p2", "missing_contact": "p2",
                       "crime_victim": "p3", "consultation": "p4"}


def _weighted(rng: random.Random, table: dict[str, int]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def _person(rng: random.Random) -> tuple[str, str]:
    family, given = rng.choice(SURNAMES), rng.choice(GIVEN)
    return family[0] + given[0], f"{family[1]} {given[1]}"


def demo_cases_load(*, cases: int = 1500, calls_per_case: float = 2.5, seed: int = 2019) -> tuple[int, int]:
    """Create `cases` cases over the last 365 days with about `calls_per_case` calls each (idempotent)."""
    operator = User.objects.filter(username="operator").first()
    if operator is None or Case.objects.filter(created_by=operator).exists():
        return 0, 0
    rng = random.Random(seed)  # noqa: S311  (demo data, not secrets)
    now = timezone.now()
    officers: dict[int, list[User]] = {}
    for user in User.objects.filter(role__in=[Role.MISSION_OFFICER, Role.HQ_OFFICER], is_active=True):
        if user.mission_id is not None:
            officers.setdefault(user.mission_id, []).append(user)
    hq_officer = User.objects.filter(role=Role.HQ_OFFICER).first() or operator
    subdivisions: dict[str, list[str]] = {}
    for code, country in Subdivision.objects.filter(parent__isnull=True).values_list("code", "country_id"):
        subdivisions.setdefault(country, []).append(code)
    missions: dict[tuple[str, str | None], Mission] = {}
    made_cases, made_calls = 0, 0
    with transaction.atomic():
        for _ in range(cases):
            country = _weighted(rng, COUNTRIES)
            subdivision = rng.choice(subdivisions[country]) if subdivisions.get(country) else None
            key = (country, subdivision)
            if key not in missions:
                missions[key] = responsible_mission(country, subdivision)
            mission = missions[key]
            category = _weighted(rng, CATEGORIES)
            urgency = URGENCY_BY_CATEGORY.get(category, rng.choice([Urgency.P3, Urgency.P4]))
            age_days = rng.random() ** 0.8 * 365
            opened = now - datetime.timedelta(days=age_days, minutes=rng.randint(0, 1439))
            state, assignee, first_at, resolved_at, closed_at = _life(rng, mission, officers, hq_officer, opened,
                                                                      age_days)
            case = Case(
                reference=reference_generate(), category=category, urgency=urgency, state=state,
                channel=rng.choice([Channel.HOTLINE] * 6 + [Channel.WEB, Channel.APP, Channel.WALK_IN]),
                summary="【演示】" + SUMMARIES[category].format(city=mission.city_zh or mission.city_en),
                country_id=country, subdivision_id=subdivision, city=mission.city_en, mission=mission,
                assignee=assignee, created_by=operator, first_response_due=first_response_due(
                    urgency=urgency, opened_at=opened), first_response_at=first_at, resolved_at=resolved_at,
                closed_at=closed_at,
            )
            case.save()
            Case.objects.filter(pk=case.pk).update(created_at=opened)
            name_zh, name_latin = _person(rng)
            person = CasePerson.objects.create(
                case=case, name_zh=name_zh, name_latin=name_latin,
                birth_date=datetime.date(rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28)),
                passport_number=f"E{rng.randint(10**7, 10**8 - 1)}",
                phone=f"+86 1{rng.randint(30, 89)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
            )
            PersonNameKey.objects.bulk_create(
                [PersonNameKey(person=person, key_hash=crypto.keyed_hash(k, kind="text"))
                 for k in sorted(name_keys(name_zh) | name_keys(name_latin))]
            )
            CaseEvent.objects.create(case=case, kind=EventKind.OPENED, to_state=State.NEW, public=True,
                                     data={"mission": mission.code, "demo": True})
            made_cases += 1
            for _ in range(max(0, round(rng.gauss(calls_per_case, 1)))):
                started = opened + datetime.timedelta(minutes=rng.randint(0, 60 * 24 * 3))
                if started > now:
                    continue
                Call.objects.create(
                    caller_name=name_zh if rng.random() < 0.5 else _person(rng)[0], caller_phone=person.phone,
                    topic=CallTopic.EMERGENCY if urgency in {"p1", "p2"} else rng.choice(
                        [CallTopic.CONSULTATION, CallTopic.OTHER, CallTopic.COMPLAINT]),
                    summary="【演示】来电询问案件进展", started_at=started,
                    ended_at=started + datetime.timedelta(seconds=rng.randint(40, 900)), operator=operator,
                    case=case,
                )
                made_calls += 1
        # Routine consultation calls without a case: most of the hotline's work.
        for _ in range(int(cases * calls_per_case)):
            started = now - datetime.timedelta(minutes=rng.randint(1, 365 * 24 * 60))
            Call.objects.create(
                caller_name=_person(rng)[0], caller_phone=f"+86 1{rng.randint(30, 89)} {rng.randint(10**7, 10**8)}",
                topic=CallTopic.CONSULTATION, summary="【演示】咨询护照换发和签证政策", started_at=started,
                ended_at=started + datetime.timedelta(seconds=rng.randint(30, 400)), operator=operator,
            )
            made_calls += 1
        audit_record(actor=None, action="demo.load", object_type="cases",
                     data={"cases": made_cases, "calls": made_calls})
    return made_cases, made_calls


def _life(rng: random.Random, mission: Mission, officers: dict[int, list[User]], hq_officer: User,
          opened: datetime.datetime, age_days: float) -> tuple[str, Any, Any, Any, Any]:
    """A plausible state for a case of this age: old cases are mostly closed, recent ones still open."""
    staff = officers.get(mission.pk) or ([hq_officer] if mission.is_hq else [])
    first_at: datetime.datetime | None = opened + datetime.timedelta(minutes=rng.randint(3, 240))
    if age_days < 2:
        state = rng.choice([State.NEW, State.TRIAGED, State.ASSIGNED, State.IN_PROGRESS])
    elif age_days < 20:
        state = rng.choice([State.IN_PROGRESS, State.WAITING, State.RESOLVED, State.CLOSED])
    else:
        state = rng.choice([State.CLOSED] * 8 + [State.RESOLVED, State.CANCELLED])
    if state in {State.ASSIGNED, State.IN_PROGRESS, State.WAITING} and not staff:
        state = State.TRIAGED
    assignee = rng.choice(staff) if staff and state not in {State.NEW, State.TRIAGED} else None
    if state == State.NEW:
        first_at = None
    resolved = opened + datetime.timedelta(hours=rng.randint(2, 24 * 20)) if state in {
        State.RESOLVED, State.CLOSED} else None
    closed = resolved + datetime.timedelta(days=rng.randint(1, 10)) if state == State.CLOSED and resolved else None
    return state, assignee, first_at, resolved, closed



