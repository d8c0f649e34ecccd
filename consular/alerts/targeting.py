"""Who an edition reaches: every active registration with a leg in the area during the edition's validity, plus
the subscribers to the countries it concerns. One query each, set-based (see `area` for the geometry in SQL).

Dates: a leg (arrival and departure dates, inclusive) overlaps the validity when it arrives on or before the UTC
date of `valid_until` and departs on or after the UTC date of `valid_from`. Subdivisions reach legs in them and in
their child subdivisions. A subscriber who owns a registration already reached is not counted twice."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet

from consular.accounts.models import User
from consular.alerts.area import Area, leg_condition
from consular.alerts.codes import DeliveryChannel
from consular.alerts.models import AlertEdition, AlertEditionCountry
from consular.core.models import Subdivision
from consular.travel.codes import RegistrationState
from consular.travel.models import CountrySubscription, Registration, TripLeg


def _subdivisions(area: Area) -> list[str]:
    if not area.subdivisions:
        return []
    children = Subdivision.objects.filter(parent_id__in=area.subdivisions).values_list("code", flat=True)
    return list(dict.fromkeys([*area.subdivisions, *children]))


def audience_legs(edition: AlertEdition) -> QuerySet[TripLeg]:
    area = Area.from_json(edition.area)
    return (TripLeg.objects.filter(active=True, registration__state=RegistrationState.ACTIVE,
                                   arrive__lte=edition.valid_until.date(), depart__gte=edition.valid_from.date())
            .filter(leg_condition(area, _subdivisions(area))).order_by())


def audience_registrations(edition: AlertEdition) -> QuerySet[Registration]:
    """The registrations reached, each once however many of its legs are in the area."""
    return Registration.objects.filter(state=RegistrationState.ACTIVE,
                                       pk__in=audience_legs(edition).values("registration_id")).order_by()


def edition_country_codes(edition: AlertEdition) -> list[str]:
    preview = getattr(edition, "preview_countries", None)  # an edition not saved (`audience_preview`)
    if preview is not None:
        return list(preview)
    return list(AlertEditionCountry.objects.filter(edition=edition).values_list("country_id", flat=True))


def audience_subscribers(edition: AlertEdition) -> QuerySet[User]:
    """Active users following one of the edition's countries, except owners of a registration reached."""
    follows = CountrySubscription.objects.filter(country_id__in=edition_country_codes(edition)).values("user_id")
    return (User.objects.filter(is_active=True, pk__in=follows)
            .exclude(pk__in=audience_registrations(edition).values("owner_id")).order_by())


# --- SQL shared with the fan-out ----------------------------------------------------------------------------------

def channels_sql() -> str:
    """A derived table of the channel codes (`ch.channel`)."""
    return "(" + " UNION ALL ".join(f"SELECT '{c}' AS channel" for c in DeliveryChannel.values) + ")"


def channel_wanted_sql(column: str) -> str:
    """True when the JSON list in `column` holds `ch.channel`."""
    if connection.vendor == "postgresql":
        return f"jsonb_exists({column}, ch.channel)"
    return f"EXISTS (SELECT 1 FROM json_each({column}) AS j WHERE j.value = ch.channel)"  # noqa: S608


def compiled(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    return sql, tuple(params)


def _by_channel(table: str, id_column: str, channels_column: str, subquery: QuerySet[Any],
                countries: list[str] | None = None) -> dict[str, int]:
    """People per channel: rows of `table` whose `id_column` is in `subquery` (and, for subscriptions, whose
    country is one of `countries`) and whose `channels_column` holds the channel, each id counted once."""
    qn = connection.ops.quote_name
    sql, params = compiled(subquery)
    extra = ""
    if countries is not None:
        extra = f" AND t.country_id IN ({', '.join(['%s'] * len(countries)) or 'NULL'})"
        params = (*params, *countries)
    statement = (f"SELECT ch.channel, COUNT(DISTINCT t.{qn(id_column)}) FROM {qn(table)} AS t "  # noqa: S608
                 f"CROSS JOIN {channels_sql()} AS ch "
                 f"WHERE t.{qn(id_column)} IN ({sql}) AND {channel_wanted_sql('t.' + qn(channels_column))}{extra} "
                 f"GROUP BY ch.channel")
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return {channel: count for channel, count in cursor.fetchall()}


@dataclass
class AudienceCount:
    registrations: int = 0
    subscribers: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    by_country: dict[str, int] = field(default_factory=dict)


def audience_count(edition: AlertEdition) -> AudienceCount:
    """The estimate shown before publishing: registrations and subscribers reached, people per channel wanted
    (registrants and subscribers), registrations per country of their legs in the area."""
    registrations = audience_registrations(edition)
    subscribers = audience_subscribers(edition)
    by_channel = dict.fromkeys(DeliveryChannel.values, 0)
    for channel, count in _by_channel(Registration._meta.db_table, "id", "channels",
                                      registrations.values("pk")).items():
        by_channel[channel] += count
    for channel, count in _by_channel(CountrySubscription._meta.db_table, "user_id", "channels",
                                      subscribers.values("pk"), edition_country_codes(edition)).items():
        by_channel[channel] += count
    by_country = dict(audience_legs(edition).values("country_id").annotate(n=Count("registration_id", distinct=True))
                      .values_list("country_id", "n"))
    return AudienceCount(registrations=registrations.count(), subscribers=subscribers.count(),
                         by_channel=by_channel, by_country=dict(sorted(by_country.items())))


def audience_preview(*, area: Area, countries: list[str], valid_from: datetime.datetime,
                     valid_until: datetime.datetime) -> AudienceCount:
    """The estimate for an area, countries and validity not saved (the alert editor's "count reach")."""
    edition = AlertEdition(area=area.as_json(), valid_from=valid_from, valid_until=valid_until)
    edition.preview_countries = list(countries)  # type: ignore[attr-defined]
    return audience_count(edition)


# --- The editor's "count reach": coarse on purpose ----------------------------------------------------------------

# "Count reach" runs on an area that is typed, not saved, so it could be used to probe where people are (a tiny
# circle around an address, or a large area with and without a small piece). The estimate is therefore coarse:
# a count below REACH_SMALL is shown as "<5" (never 0 or an exact small number) and the others are rounded to
# the nearest REACH_ROUND; each estimate is audited (`alert.reach_estimate`, with the area) and the district rule
# of saving applies (see `consular.alerts.services.alert_reach_estimate`).
REACH_SMALL = 5
REACH_ROUND = 5


def coarse(count: int) -> str:
    """A count as the editor's estimate shows it: "<5" when small, else rounded to the nearest REACH_ROUND."""
    if count < REACH_SMALL:
        return f"<{REACH_SMALL}"
    return str(max(REACH_SMALL, int(REACH_ROUND * round(count / REACH_ROUND))))


@dataclass
class ReachEstimate:
    """The coarse estimate of `audience_preview` (the same attributes as AudienceCount, as display strings)."""

    registrations: str
    subscribers: str
    by_channel: dict[str, str]
    by_country: dict[str, str]


def reach_estimate(count: AudienceCount, countries: list[str]) -> ReachEstimate:
    """The coarse form of `count`. Per country: the `countries` the alert concerns always (so that whether a
    country is listed says nothing), any other country only when it has at least REACH_SMALL."""
    shown = set(countries) | {c for c, n in count.by_country.items() if n >= REACH_SMALL}
    return ReachEstimate(registrations=coarse(count.registrations), subscribers=coarse(count.subscribers),
                         by_channel={k: coarse(v) for k, v in count.by_channel.items()},
                         by_country={c: coarse(count.by_country.get(c, 0)) for c in sorted(shown)})
