"""Life stories of dwelling units, 2008 to today, written only through the rule operations.

Rates are tuned so that the ``flanders`` scale lands near the real register's volumes (about
120k valid CAs and 35k units on VIVOO among 400k units). Because every change goes through
``publisher.rules.operations``, the demo store holds only histories the law allows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from publisher.errors import RuleViolation
from publisher.rules import operations as ops
from publisher.rules.facts import ODK_IN_FORCE, validity_years_for
from publisher.store.records import Policy, Unit
from publisher.store.vocabulary import DecisionKind, Issuer, RemovalReason

START = date(2008, 1, 1)

P_CA_TRACK = 0.33
P_RENEW = 0.6
P_PROBLEM_AFTER_CA = 0.06
P_VIVOO_TRACK = 0.19
P_OVERCROWDED = 0.006
P_NGW = 0.15
P_ODK_ROOM = 0.05
P_DRAFT = 0.01
P_WITHDRAW = 0.004
P_WORKS = 0.004


def random_day(rng: random.Random, low: date, high: date) -> date:
    """A uniformly drawn day in ``[low, high]`` (``low`` when the range is empty)."""
    span = (high - low).days
    return low if span <= 0 else low + timedelta(days=rng.randint(0, span))


@dataclass
class Story:
    """What happened to a unit, plus the procedure rows the operations referenced."""

    unit: Unit
    procedures: list[tuple[int, str, date]] = field(default_factory=list)


class UnitStories:
    """Draws histories for units; one instance per generation run (shares the id source)."""

    def __init__(self, rng: random.Random, ids: ops.IdSource, until: date) -> None:
        self.rng, self.ids, self.until = rng, ids, until

    def tell(self, unit: Unit, policies: list[Policy]) -> Story:
        """A plausible, lawful history for ``unit`` given its municipality's policies."""
        story = Story(unit)
        rng = self.rng
        r = rng.random()
        try:
            if r < P_CA_TRACK:
                self._ca_track(story, policies)
            elif r < P_CA_TRACK + P_VIVOO_TRACK:
                self._vivoo_track(story, policies, random_day(rng, START, self.until))
            elif r < P_CA_TRACK + P_VIVOO_TRACK + P_OVERCROWDED:
                self._decide(story, random_day(rng, START, self.until), DecisionKind.OVERBEWOOND)
            if unit.unit_type.is_room and rng.random() < P_ODK_ROOM:
                odk_day = random_day(rng, ODK_IN_FORCE, self.until)
                if _last_event(story.unit) <= odk_day:
                    story.unit = ops.establish_odk(story.unit, odk_day, today=self.until)
        except RuleViolation:
            pass  # a drawn event the law forbids simply did not happen
        return story

    # -- tracks -----------------------------------------------------------------------------

    def _ca_track(self, story: Story, policies: list[Policy]) -> None:
        rng = self.rng
        day = random_day(rng, START, self.until)
        while day <= self.until:
            self._issue(story, day, policies)
            ca = story.unit.certificates[-1]
            if rng.random() < P_PROBLEM_AFTER_CA:
                problem = random_day(rng, day + timedelta(days=30), ca.expires_on)
                if problem <= self.until:
                    self._vivoo_track(story, policies, problem)
                    return
            if rng.random() < P_WITHDRAW + P_WORKS:
                end = random_day(rng, day + timedelta(days=60), ca.expires_on)
                if end <= self.until:
                    story.unit = (ops.withdraw_ca(story.unit, ca.id, end)
                                  if rng.random() < 0.5
                                  else ops.major_works(story.unit, end, ids=self.ids))
                    return
            if rng.random() >= P_RENEW:
                break
            day = ca.expires_on - timedelta(days=rng.randint(0, 120))
        if rng.random() < P_DRAFT:
            draft_day = random_day(rng, self.until - timedelta(days=40), self.until)
            if draft_day >= _last_event(story.unit):
                story.unit = ops.draft_ca(story.unit, draft_day, issuer=Issuer.BURGEMEESTER,
                                          validity_years=validity_years_for(policies, draft_day),
                                          ids=self.ids)

    def _vivoo_track(self, story: Story, policies: list[Policy], entry: date) -> None:
        rng = self.rng
        kind = (DecisionKind.ONBEWOONBAAR_NGW if rng.random() < P_NGW
                else rng.choice((DecisionKind.ONGESCHIKT, DecisionKind.ONGESCHIKT,
                                 DecisionKind.ONBEWOONBAAR)))
        self._decide(story, entry, kind)
        outcome = rng.random()
        if entry < date(2012, 1, 1) and outcome < 0.3:
            leave = random_day(rng, max(entry, date(2010, 1, 1)), date(2013, 12, 31))
            story.unit = ops.remove_from_inventory(story.unit, leave,
                                                   RemovalReason.OVERNAME_OUDE_GEGEVENS,
                                                   ids=self.ids)
        elif outcome < 0.62:
            leave = entry + timedelta(days=rng.randint(120, 900))
            if leave > self.until:
                return
            self._issue(story, leave, policies)
        elif outcome < 0.68:
            leave = entry + timedelta(days=rng.randint(180, 1500))
            if leave > self.until:
                return
            story.unit = ops.demolish(story.unit, leave, ids=self.ids)
            return
        elif outcome < 0.72:
            leave = entry + timedelta(days=rng.randint(60, 400))
            if leave > self.until:
                return
            story.unit = ops.annul_decision(story.unit, story.unit.decisions[-1].id, leave)
        else:
            return
        if rng.random() < 0.15:
            again = random_day(rng, _last_event(story.unit) + timedelta(days=200), self.until)
            if again <= self.until:
                self._decide(story, again, DecisionKind.ONGESCHIKT)

    # -- single events ----------------------------------------------------------------------

    def _issue(self, story: Story, day: date, policies: list[Policy]) -> None:
        proc = self.ids("procedure")
        story.procedures.append((proc, "CA", day))
        issuer = Issuer.WONEN_VLAANDEREN if self.rng.random() < 0.35 else Issuer.BURGEMEESTER
        sent = min(day + timedelta(days=self.rng.randint(0, 20)), self.until)
        story.unit = ops.issue_ca(story.unit, day, issuer=issuer,
                                  validity_years=validity_years_for(policies, day),
                                  ids=self.ids, sent_date=sent, procedure_id=proc)

    def _decide(self, story: Story, day: date, kind: DecisionKind) -> None:
        proc = self.ids("procedure")
        story.procedures.append((proc, "NGW" if kind is DecisionKind.ONBEWOONBAAR_NGW else "OO",
                                 day))
        issuer = Issuer.GEWESTELIJK_AMBTENAAR if self.rng.random() < 0.2 else \
            Issuer.BURGEMEESTER
        story.unit = ops.take_decision(story.unit, day, kind, issuer=issuer, ids=self.ids,
                                       procedure_id=proc)


def _last_event(unit: Unit) -> date:
    days = [START]
    days += [c.ca_date for c in unit.certificates]
    days += [c.lapse_date for c in unit.certificates if c.lapse_date]
    days += [d.decision_date for d in unit.decisions]
    days += [e.removal_date for e in unit.entries if e.removal_date]
    days += [ev.event_date for ev in unit.events]
    return max(days)
