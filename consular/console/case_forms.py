"""Forms of the console's case pages: the queue filters and the actions on one case.

Forms check what a browser can get wrong (a missing field, a choice that is not offered); the services check
the rules (which transition is allowed, who may be assigned) and their errors are shown on the same forms."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from consular.accounts.models import User
from consular.cases import workflow
from consular.cases.codes import Category, State, Urgency
from consular.core.models import Mission

REASON_MAX = 2000


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class QueueFilterForm(forms.Form):
    """Filters of the case queue. Every field is optional; an empty form shows the open cases."""

    q = forms.CharField(
        label=_("Search"), required=False, max_length=100,
        help_text=_("Reference, name (characters or pinyin), phone or passport number."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    mission = forms.ChoiceField(label=_("Mission"), required=False)
    assignee = forms.CharField(label=_("Assigned to (username)"), required=False, max_length=150)
    overdue = forms.ChoiceField(label=_("Deadline"), required=False)

    ALL_STATES = "all"

    def __init__(self, *args: Any, missions: Iterable[Mission] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_choices("state", [("", _("Open cases")), (self.ALL_STATES, _("All states")), *State.choices])
        self._set_choices("urgency", [("", _("Any urgency")), *Urgency.choices])
        self._set_choices("category", [("", _("Any category")), *Category.choices])
        self._set_choices("overdue", [("", _("Overdue or not")), ("yes", _("Overdue only")),
                                      ("no", _("Not overdue"))])
        if missions is None:  # a mission officer sees only the mission's cases: nothing to choose
            del self.fields["mission"]
        else:
            self._set_choices("mission", [("", _("All missions")), *((m.code, f"{m.code} · {m.name}")
                                                                     for m in missions)])

    def _set_choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def filters(self) -> dict[str, Any]:
        """The cleaned filters as `case_queue` takes them."""
        data = self.cleaned_data
        result: dict[str, Any] = {}
        if data.get("state") == self.ALL_STATES:
            result["state"] = list(State.values)
        elif data.get("state"):
            result["state"] = [data["state"]]
        for name in ("urgency", "category", "mission"):
            if data.get(name):
                result[name] = [data[name]]
        if data.get("assignee"):
            result["assignee"] = data["assignee"].strip()
        if data.get("overdue"):
            result["overdue"] = data["overdue"] == "yes"
        if data.get("q", "").strip():
            result["q"] = data["q"].strip()
        return result

    def as_strings(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in (None, "")}


class TransitionForm(forms.Form):
    prefix = "transition"
    to = forms.ChoiceField(label=_("Move the case to"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=REASON_MAX, widget=_textarea(2),
        help_text=_("Needed to cancel, to wait for information, to resolve and to reopen. Shown in the timeline."),
    )

    def __init__(self, *args: Any, state: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = transition_choices(state)


def transition_choices(state: str) -> list[tuple[str, Any]]:
    """The states a plain transition may reach from `state`, in workflow order (assigning and merging have
    their own forms)."""
    allowed = workflow.TRANSITIONS.get(state, frozenset()) - set(workflow.ACTION_ONLY)
    return [(value, label) for value, label in State.choices if value in allowed]


class AssignForm(forms.Form):
    prefix = "assign"
    officer = forms.ChoiceField(label=_("Officer"))
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=REASON_MAX, widget=_textarea(2))

    def __init__(self, *args: Any, officers: Iterable[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["officer"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose an officer")),
                         *((u.username, officer_label(u)) for u in officers)]


def officer_label(user: User) -> str:
    full = user.get_full_name()
    return f"{full} ({user.username})" if full else user.username


class TransferForm(forms.Form):
    prefix = "transfer"
    mission = forms.ChoiceField(label=_("To the mission"))
    reason = forms.CharField(label=_("Handover note"), max_length=REASON_MAX, widget=_textarea(3),
                             help_text=_("What the receiving mission needs to know."))

    def __init__(self, *args: Any, missions: Iterable[Mission], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["mission"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose a mission")), *((m.code, f"{m.code} · {m.name}") for m in missions)]


class NoteForm(forms.Form):
    prefix = "note"
    body = forms.CharField(label=_("Note"), max_length=10000, widget=_textarea(3))
    public = forms.BooleanField(
        label=_("Visible to the citizen"), required=False,
        help_text=_("The citizen sees this note when following the request with the reference and code."),
    )


class MergeForm(forms.Form):
    prefix = "merge"
    into = forms.CharField(label=_("Reference of the case to keep"), max_length=40,
                           help_text=_("For example C20-ABCD-EFGH. This case is closed as its duplicate."),
                           widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=REASON_MAX,
                             widget=_textarea(2))
