"""What the clinician and the patient must read first, and the one pain rule, from the protocol.

The planner decides which notices apply (an irritable knee, arthritis or age, a young
runner, one training day a week, a training goal, a hand-over); the words are data.
"""

from __future__ import annotations

from rehabplan.models.plan import Notice, PainRule, PainTier
from rehabplan.planning.context import Context
from rehabplan.vocab import Condition


def pain_limits(ctx: Context) -> tuple[int, int]:
    """Highest pain during for green and for amber: the protocol's, or for an irritable knee
    one and two points above its usual resting pain (it hurts before it moves)."""
    pain = ctx.protocol.pain
    progress, hold = pain.progress_max_during, pain.hold_max_during
    if ctx.irritable:
        usual = ctx.profile.pain.rest
        progress, hold = max(progress, usual + 1), max(hold, usual + 2)
    return progress, hold


def notices(
    ctx: Context, *, handover: str | None = None, figures: dict | None = None
) -> list[Notice]:
    """The notices that apply; ``handover`` is ``volume`` or ``stages`` when the plan ends
    before its target, ``figures`` fills in the numbers it states (peak, target, units)."""
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
    if handover == "stages" and "handover_stages" in ctx.protocol.notices:
        keys.append("handover_stages")
    elif handover:
        keys.append("handover")
    texts = ctx.protocol.notices
    values = figures or {}
    return [
        *_from_clinician(ctx),
        *(
            Notice(
                key=k,
                level=texts[k].level,
                title=texts[k].title,
                text=" ".join(texts[k].text.format(**values).split())
                if values
                else " ".join(texts[k].text.split()),
            )
            for k in keys
            if k in texts
        ),
    ]


def _from_clinician(ctx: Context) -> list[Notice]:
    """The clinician's note for the plan and every rule they overrode, said plainly."""
    adj = ctx.profile.adjustments
    if adj is None:
        return []
    lines = [adj.note] if adj.note else []
    if adj.first_run and adj.first_run_override:
        lines.append(f"First run/walk on {adj.first_run:%a} {adj.first_run.day} "
                     f"{adj.first_run:%b}: {adj.first_run_override}")  # fmt: skip
    for change in adj.exercises:
        if change.override:
            target = change.to or change.exercise
            name = ctx.library.get(target).name if target in ctx.library else target
            lines.append(f"{name}: {change.override}")
    if not lines:
        return []
    level = (
        "caution" if any(c.override for c in adj.exercises) or adj.first_run_override else "info"
    )
    return [Notice(key="clinician_note", level=level, title="From your clinician",
                   text=" ".join(lines))]  # fmt: skip


def pain_rule(ctx: Context) -> PainRule:
    pain = ctx.protocol.pain
    progress, hold = pain_limits(ctx)
    values = {
        "progress": progress,
        "amber_from": progress + 1,
        "hold": hold,
        "usual": ctx.profile.pain.rest,
    }
    texts = pain.tiers
    if ctx.irritable and ctx.protocol.populations.irritable_tiers:
        texts = ctx.protocol.populations.irritable_tiers
    tiers = [
        PainTier(
            colour=t.colour,
            label=t.label.format(**values),
            when=t.when.format(**values),
            action=t.action.format(**values),
        )
        for t in texts
    ]
    stricter = None
    if ctx.profile.condition in pain.strict_conditions and pain.strict_weeks and pain.stricter:
        stricter = pain.stricter.format(
            strict=pain.strict_progress_max_during, weeks=pain.strict_weeks
        )
    return PainRule(
        progress_max_during=progress,
        hold_max_during=hold,
        tiers=tiers,
        stricter=stricter,
    )
