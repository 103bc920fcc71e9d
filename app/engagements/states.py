"""The engagement state machine (pure): which action moves which state where."""

from __future__ import annotations

from app.common.problems import Conflict

HIRED, CHECKED_IN, CHECKED_OUT = "hired", "checked_in", "checked_out"
COMPLETED, PAID = "completed", "paid"
CANCELLED_BY_WORKER, CANCELLED_BY_EMPLOYER, NO_SHOW = (
    "cancelled_by_worker", "cancelled_by_employer", "no_show",
)
STATUSES = (
    HIRED, CHECKED_IN, CHECKED_OUT, COMPLETED, PAID, CANCELLED_BY_WORKER, CANCELLED_BY_EMPLOYER,
    NO_SHOW,
)

# action -> (states it may start from, state it ends in; None = stays where it is)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "check_in": ((HIRED,), CHECKED_IN),
    "check_out": ((CHECKED_IN,), CHECKED_OUT),
    "confirm_hours": ((CHECKED_OUT,), COMPLETED),
    "dispute_hours": ((CHECKED_OUT,), None),
    "resolve_dispute": ((CHECKED_OUT,), COMPLETED),
    "settle": ((COMPLETED,), PAID),
    "record_payment": ((CHECKED_OUT, COMPLETED), None),
    "cancel_by_worker": ((HIRED,), CANCELLED_BY_WORKER),
    "cancel_by_employer": ((HIRED,), CANCELLED_BY_EMPLOYER),
    "mark_no_show": ((HIRED,), NO_SHOW),
    "rate": ((COMPLETED, PAID), None),
}


class IllegalTransition(Conflict):
    slug, title = "illegal-transition", "Illegal transition"


def target(action: str, current: str) -> str:
    """The state `action` leads to from `current`, or a 409 naming the current state."""
    allowed, to = TRANSITIONS[action]
    if current not in allowed:
        raise IllegalTransition(
            f"cannot {action.replace('_', ' ')} an engagement that is {current}"
            f" (allowed from: {', '.join(allowed)})",
            current_status=current, action=action, allowed_from=list(allowed),
        )
    return to or current
