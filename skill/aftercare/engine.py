"""Is an activity allowed at an instant, for a treatment at another instant?

Windows are exact elapsed time: every instant is converted to UTC before a
wait is added, because adding ``timedelta(hours=48)`` to a zoned datetime in
Python moves the wall clock, which is an hour off across a daylight-saving
change. "At least 48 hours" means allowed at exactly P + 48 h.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .sheet import PatientSheet, Rule, RuleKind


class TreatmentInFuture(ValueError):
    """The recorded treatment is later than "now"; the listener can be asked again."""


@dataclass(frozen=True)
class Verdict:
    rule: Rule
    allowed: bool
    allowed_from: datetime  # UTC; the treatment instant for rules with no wait


@dataclass(frozen=True)
class SessionWindow:
    opens: datetime  # UTC
    closes: datetime  # UTC


@dataclass(frozen=True)
class Milestone:
    """An instant at which one or more rules' waits end together."""

    at: datetime  # UTC
    rules: tuple[Rule, ...]  # in the sheet's order
    reached: bool  # at or before now


def sessions_too_close(sheet: PatientSheet, earlier: datetime, later: datetime) -> bool:
    """Whether a session at ``later`` comes sooner after ``earlier`` than the sheet spaces them."""
    return as_utc(later) - as_utc(earlier) < sheet.sessions.min_gap


def as_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("a naive datetime is ambiguous; pass a timezone-aware one")
    return instant.astimezone(UTC)


@dataclass(frozen=True)
class Aftercare:
    """The aftercare of one treatment, as it stands at the instant ``now``."""

    sheet: PatientSheet
    treated_at: datetime
    now: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "treated_at", as_utc(self.treated_at))
        object.__setattr__(self, "now", as_utc(self.now))
        if self.treated_at > self.now:
            raise TreatmentInFuture("the treatment is later than now")

    @property
    def elapsed(self) -> timedelta:
        return self.now - self.treated_at

    @property
    def is_over(self) -> bool:
        """Every window has lifted and the next-session window has closed too."""
        return self.now >= self.next_session.closes

    def check(self, rule: Rule, at: datetime | None = None) -> Verdict:
        """The verdict for ``rule`` at ``at`` (default: now); ``at`` may be in the future."""
        moment = self.now if at is None else as_utc(at)
        allowed_from = self.treated_at + rule.wait
        return Verdict(rule=rule, allowed=moment >= allowed_from, allowed_from=allowed_from)

    def still_to_avoid(self) -> list[Verdict]:
        """The restrictions in force now, the soonest to lift first."""
        verdicts = (
            self.check(rule) for rule in self.sheet.rules.values() if rule.kind is RuleKind.AVOID
        )
        return sorted((v for v in verdicts if not v.allowed), key=lambda v: v.allowed_from)

    def milestones(self) -> tuple[Milestone, ...]:
        """Every rule with a wait, grouped by the instant it ends, earliest first.

        This is the one timeline that the card, the clinic portal, screens and
        reminders all render, so they can never disagree.
        """
        by_instant: dict[datetime, list[Rule]] = {}
        for rule in self.sheet.rules.values():
            if rule.wait:
                by_instant.setdefault(self.treated_at + rule.wait, []).append(rule)
        return tuple(
            Milestone(at=instant, rules=tuple(rules), reached=self.now >= instant)
            for instant, rules in sorted(by_instant.items())
        )

    @property
    def next_session(self) -> SessionWindow:
        plan = self.sheet.sessions
        return SessionWindow(
            opens=self.treated_at + plan.min_gap, closes=self.treated_at + plan.max_gap
        )
