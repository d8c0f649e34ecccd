"""The dashboard: a year of cases and calls in figures and server-drawn charts, scoped like every read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from consular.cases.codes import CallTopic, Category, Urgency
from consular.console import charts
from consular.console.access import staff_user
from consular.stats.selectors import call_stats, case_stats

YEARS_BACK = 6


class YearForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int)

    def __init__(self, *args: Any, this_year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["year"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(y, str(y)) for y in range(this_year, this_year - YEARS_BACK, -1)]


def duration(minutes: float | None) -> str:
    """A median duration in the unit a reader grasps at once: minutes, hours or days."""
    if minutes is None:
        return "—"
    if minutes < 120:
        return _("%(n)s min") % {"n": f"{minutes:.0f}" if minutes >= 10 else f"{minutes:.1f}"}
    if minutes < 48 * 60:
        return _("%(n)s h") % {"n": f"{minutes / 60:.1f}"}
    return _("%(n)s days") % {"n": f"{minutes / 1440:.1f}"}


def _labelled(counts: dict[str, int], choices: Any) -> list[tuple[str, int]]:
    """Every code of `choices` with its count (zero included, so the charts compare like with like), largest
    first; codes the choices do not know are kept at the end."""
    known = [(str(label), counts.get(value, 0)) for value, label in choices]
    known.sort(key=lambda item: -item[1])
    extra = [(code, n) for code, n in counts.items() if code not in {v for v, _ in choices}]
    return known + extra


def weekly(by_day: dict[str, int], year: int) -> list[tuple[str, int]]:
    """Calls per week of the year (weeks start on Monday; week 1 holds 1 January)."""
    start = dt.date(year, 1, 1)
    weeks = [0] * ((dt.date(year, 12, 31) - start).days // 7 + 1)
    for day, n in by_day.items():
        weeks[(dt.date.fromisoformat(day) - start).days // 7] += n
    return [(_("Week %(n)s") % {"n": i + 1}, n) for i, n in enumerate(weeks)]


@never_cache
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    this_year = timezone.localdate().year
    form = YearForm(request.GET or None, this_year=this_year)
    year = form.cleaned_data["year"] if form.is_bound and form.is_valid() else this_year
    cases, calls = case_stats(actor=user, year=year), call_stats(actor=user, year=year)

    months = [(str(MONTHS[int(key[5:])]), n) for key, n in sorted(cases["by_month"].items())]
    by_category = _labelled(cases["by_category"], Category.choices)
    by_urgency = [(str(label), cases["by_urgency"].get(value, 0)) for value, label in Urgency.choices]
    by_topic = _labelled(calls["by_topic"], CallTopic.choices)
    by_week = weekly(calls["by_day"], year)
    by_mission = list(cases["by_mission"].items())[:10]
    case_word, call_word = _("Cases"), _("Calls")

    chart_list = [
        charts.vertical(
            id="chart-months", title=_("Cases by month"), items=months, label_header=_("Month"),
            value_header=case_word,
            description=_("Cases opened in each month of %(year)s; %(total)s in all.") % {
                "year": year, "total": cases["total"]},
            tick_labels=[str(i) for i in range(1, 13)],
        ),
        charts.horizontal(
            id="chart-urgency", title=_("Cases by urgency"), items=by_urgency, label_header=_("Urgency"),
            value_header=case_word,
            description=_("Cases of %(year)s by urgency, from P1 (life at risk) to P4 (routine).") % {"year": year},
        ),
        charts.horizontal(
            id="chart-category", title=_("Cases by category"), items=by_category, label_header=_("Category"),
            value_header=case_word,
            description=_("Cases of %(year)s by category, the most frequent first.") % {"year": year},
        ),
        charts.horizontal(
            id="chart-topic", title=_("Calls by topic"), items=by_topic, label_header=_("Topic"),
            value_header=call_word,
            description=_("Hotline calls of %(year)s by topic; %(total)s in all.") % {
                "year": year, "total": calls["total"]},
        ),
        charts.vertical(
            id="chart-weeks", title=_("Calls per week"), items=by_week, label_header=_("Week"),
            value_header=call_word, values_on_bars=False, tick_every=13,
            tick_labels=[str(i + 1) for i in range(len(by_week))],
            description=_("Hotline calls in each week of %(year)s, week 1 to week %(weeks)s.") % {
                "year": year, "weeks": len(by_week)},
        ),
    ]
    if len(by_mission) > 1:
        chart_list.append(charts.horizontal(
            id="chart-mission", title=_("Cases by mission (the ten with most)"), items=by_mission,
            label_header=_("Mission"), value_header=case_word,
            description=_("The missions with the most cases in %(year)s.") % {"year": year},
        ))
    figures = [
        (_("Cases"), str(cases["total"])),
        (_("Hotline calls"), str(calls["total"])),
        (_("Calls about a case"), str(calls["with_case"])),
        (_("Median time to first response"), duration(cases["median_minutes_to_first_response"])),
        (_("Median time to resolution"), duration(cases["median_minutes_to_resolution"])),
    ]
    return render(request, "console/dashboard.html", {
        "form": form, "year": year, "figures": figures, "charts": chart_list,
        "scope": user.mission if user.role == "mission_officer" else None,
    })
