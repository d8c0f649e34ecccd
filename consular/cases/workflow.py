"""The case workflow: which state may follow which.

new → triaged → assigned → in progress ⇄ waiting for information → resolved → closed, with reopen (resolved or
closed → in progress), cancel (any open state) and merge-as-duplicate (any open state). Entering `assigned`
needs an officer (the assign action); entering `merged` needs a target case (the merge action).
"""

from __future__ import annotations

from consular.cases.codes import State

TRANSITIONS: dict[str, frozenset[str]] = {
    State.NEW: frozenset({State.TRIAGED, State.ASSIGNED, State.CANCELLED, State.MERGED}),
    State.TRIAGED: frozenset({State.ASSIGNED, State.CANCELLED, State.MERGED}),
    State.ASSIGNED: frozenset({State.IN_PROGRESS, State.TRIAGED, State.CANCELLED, State.MERGED}),
    State.IN_PROGRESS: frozenset({State.WAITING, State.RESOLVED, State.CANCELLED, State.MERGED}),
    State.WAITING: frozenset({State.IN_PROGRESS, State.RESOLVED, State.CANCELLED, State.MERGED}),
    State.RESOLVED: frozenset({State.CLOSED, State.IN_PROGRESS}),
    State.CLOSED: frozenset({State.IN_PROGRESS}),
    State.CANCELLED: frozenset(),
    State.MERGED: frozenset(),
}

# Transitions that need a reason in the timeline.
REASON_REQUIRED = {
    (State.RESOLVED, State.IN_PROGRESS),
    (State.CLOSED, State.IN_PROGRESS),
}
REASON_REQUIRED_TO = frozenset({State.CANCELLED, State.WAITING, State.RESOLVED})
# States reached only through their own action, never through a plain transition.
ACTION_ONLY: dict[str, str] = {State.ASSIGNED: "assign", State.MERGED: "merge"}


def allowed(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, frozenset())


def needs_reason(from_state: str, to_state: str) -> bool:
    return (from_state, to_state) in REASON_REQUIRED or to_state in REASON_REQUIRED_TO


def is_reopen(from_state: str, to_state: str) -> bool:
    return from_state in {State.RESOLVED, State.CLOSED} and to_state == State.IN_PROGRESS
