"""What the clinician and the patient must read first, and the one pain rule, from the protocol.

The planner decides which notices apply (an irritable knee, arthritis or age, a young
runner, one training day a week, a training goal, a hand-over); the words are data.
"""

from __future__ import annotations

from rehabplan.models.plan import Notice, PainRule, PainTier
from rehabplan.planning.context import Context
from rehabplan.vocab import Condition


def notices(ctx: Context, *, handover: bool) -> list[Notice]:
    keys: list[str] = []
    if ctx.irritable:
        keys.append("irritable")
    if ctx.young:
        keys.append("guardian")
    if ctx.older:
        keys.append("falls")
    if ctx.arthritic:
        keys.append("oa_education")
    if ctx.profile.condition is Condition.MEDIAL_KNEE_OSTEOARTHRITIS and not ctx.irritable:
        keys.append("walking_goal")
    if len(ctx.training_weekdays) <= 1:
        keys.append("one_training_day")
    if ctx.training_goal and not ctx.irritable:
        keys.append("training_goal")
    if handover:
        keys.append("handover")
    texts = ctx.protocol.notices
    return [
        Notice(key=k, level=texts[k].level, title=texts[k].title, text=texts[k].text)
        for k in keys
        if k in texts
    ]


def pain_rule(ctx: Context) -> PainRule:
    pain = ctx.protocol.pain
    values = {
        "progress": pain.progress_max_during,
        "amber_from": pain.progress_max_during + 1,
        "hold": pain.hold_max_during,
    }
    tiers = [
        PainTier(
            colour=t.colour,
            label=t.label.format(**values),
            when=t.when.format(**values),
            action=t.action.format(**values),
        )
        for t in pain.tiers
    ]
    stricter = None
    if ctx.profile.condition in pain.strict_conditions and pain.strict_weeks and pain.stricter:
        stricter = pain.stricter.format(
            strict=pain.strict_progress_max_during, weeks=pain.strict_weeks
        )
    return PainRule(
        progress_max_during=pain.progress_max_during,
        hold_max_during=pain.hold_max_during,
        tiers=tiers,
        stricter=stricter,
    )
