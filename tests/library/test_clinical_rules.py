"""The library's cards follow the norms a sports physiotherapist signs (CLINICAL-REFERENCE §4,
§5 and §7), read from the shipped data: one pain rule, doses, load, balance, hops, coverage."""

from __future__ import annotations

from collections.abc import Iterator

from rehabplan.models.exercise import PAIN_NUMBER, Exercise


def patient_texts(ex: Exercise) -> Iterator[tuple[str, str]]:
    """Every sentence of a card a patient reads, with the field it comes from."""
    yield "summary", ex.summary
    yield "pain_rule", ex.pain_rule
    for field in ("instructions", "cues", "mistakes"):
        for i, text in enumerate(getattr(ex, field)):
            yield f"{field}[{i}]", text
    for phase, dose in ex.dose.items():
        if dose.load:
            yield f"dose.{phase.value}.load", dose.load
    for kit, text in ex.loading.items():
        yield f"loading.{kit.value}", text
    for c in ex.contraindications:
        yield f"contraindications.{c.condition.value}", c.reason


def test_no_card_states_its_own_pain_numbers(library):
    """The protocol's traffic-light rule gives the thresholds once; a card that says "3 out of
    10" beside it (or "effort 5/10", read as the same scale) contradicts it or confuses it."""
    found = [
        f"{ex.id}.{field}: {text!r}"
        for ex in library
        for field, text in patient_texts(ex)
        if PAIN_NUMBER.search(text)
    ]
    assert not found, "\n".join(found)


def test_every_pain_rule_is_written_for_its_exercise(library):
    """No boilerplate: each card says what to watch for in that movement, so the texts differ."""
    by_text: dict[str, list[str]] = {}
    for ex in library:
        by_text.setdefault(ex.pain_rule, []).append(ex.id)
    shared = {text: ids for text, ids in by_text.items() if len(ids) > 1}
    assert not shared, shared
