"""Show a service's ApplicationError on the form that caused it, in the reader's language.

Services raise English messages with stable field keys ("location.country", "persons.0.name_zh"). The console
puts each message on the matching form field (or above the form), translated when the message is a known one;
an unknown message is shown as the service wrote it, so nothing is ever hidden."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from consular.cases.codes import State
from consular.core.errors import ApplicationError


def _state(code: str) -> str:
    try:
        return str(State(code).label)
    except ValueError:
        return code


def _known() -> dict[str, str]:
    return {
        "required": str(forms.Field.default_error_messages["required"]),
        "Your role may not change cases.": _("Your role may not change cases."),
        "Your role may not log calls.": _("Your role may not log calls."),
        "Case not found.": _("Case not found."),
        "The case has invalid fields.": _("Some details of the case are not valid."),
        "a reason is required for this change": _("A reason is required for this change."),
        "assign the case to an officer first": _("Assign the case to an officer first."),
        "a handover note is required": _("A handover note is required."),
        "the case is already at this mission": _("The case is already at this mission."),
        "a case cannot be merged into itself": _("A case cannot be merged into its own reference."),
        "a name in characters or in passport spelling is required":
            _("Give the citizen's name in characters or as in the passport."),
        "in the future": _("This date is in the future."),
        "unknown country": _("Unknown country."),
        "Link a case or open one, not both.": _("Link a case or open one, not both."),
        "give either case or open_case": _("Link a case or open one, not both."),
        "before started_at": _("The call cannot end before it started."),
        "only for the crime_victim category": _("A type of crime is only for victims of crime."),
        "no such case": _("No case with this reference."),
    }


_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^not allowed from '(\w+)'$"),
     lambda m: _("Not allowed from the state “%(state)s”.") % {"state": _state(m[1])}),
    (re.compile(r"^A case cannot go from '(\w+)' to '(\w+)'\.$"),
     lambda m: _("A case cannot go from “%(from)s” to “%(to)s”.") % {"from": _state(m[1]), "to": _state(m[2])}),
    (re.compile(r"^the case is (\w+)$"),
     lambda m: _("The case is “%(state)s”.") % {"state": _state(m[1])}),
    (re.compile(r"^A (\w+) case cannot be (?:assigned|transferred|merged)\.$"),
     lambda m: _("A case in the state “%(state)s” cannot be changed this way.") % {"state": _state(m[1])}),
    (re.compile(r"^'(.*)' is not an officer of (\S+)$"),
     lambda m: _("%(user)s is not an officer of %(mission)s.") % {"user": m[1], "mission": m[2]}),
    (re.compile(r"^unknown mission '(.*)'$"), lambda m: _("Unknown mission %(code)s.") % {"code": m[1]}),
    (re.compile(r"^outside your mission's jurisdiction \(responsible: (\S+)\)$"),
     lambda m: _("This place is outside your mission's consular district; %(mission)s is responsible. "
                 "Ask HQ to open the case there.") % {"mission": m[1]}),
    (re.compile(r"^not a subdivision of (\w+)$"),
     lambda m: _("Not a province or state of %(country)s.") % {"country": m[1]}),
    (re.compile(r"^the target case is (\w+)$"),
     lambda m: _("The case to keep is “%(state)s”.") % {"state": _state(m[1])}),
    (re.compile(r"^unknown state '(.*)'$"), lambda m: _("Unknown state.")),
]


def localize(message: str) -> str:
    known = _known().get(message)
    if known is not None:
        return known
    for pattern, render in _PATTERNS:
        match = pattern.match(message)
        if match:
            return render(match)
    return message


def apply_error(form: forms.Form, error: ApplicationError, field_map: Mapping[str, str] | None = None) -> None:
    """Put `error` on `form`: each message of `error.fields` on its field (through `field_map`, or a field of
    the same name), the rest, or the main message when no field matched, above the form."""
    field_map = field_map or {}
    placed = False
    for key, messages in error.fields.items():
        target: Any = field_map.get(key, key if key in form.fields else None)
        for message in messages:
            form.add_error(target, localize(message))
        placed = placed or target is not None
    if not placed and not error.fields:
        form.add_error(None, localize(error.message))
