"""Red-flag screening: decide whether a runner may start a self-guided plan at all.

The profile's ``red_flags`` refer a patient, and so does severe pain (≥ 7/10) at rest or in
daily activities, which is those signs in numbers (``Profile.red_flags_present``). Moderate
pain scores only make the plan more careful (see the planner); the signs below stop it,
because each can mean a structural injury or an infection that exercise would not fix. A
clinician who has examined the knee may clear the patient (``cleared_by_clinician`` +
``clinician_note``); the plan then goes ahead and the handout shows who cleared it and for
which signs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rehabplan.models.plan import Referral
from rehabplan.models.profile import Profile
from rehabplan.vocab import RedFlag

Urgency = Literal["emergency", "within_24_hours", "within_a_week"]
_URGENCY_RANK: dict[str, int] = {"within_a_week": 0, "within_24_hours": 1, "emergency": 2}


@dataclass(frozen=True)
class Screening:
    refer: bool
    flags: list[RedFlag]
    overridden: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Sign:
    finding: str
    why: str
    urgency: Urgency
    specialist: bool = False
    """True when an orthopaedic or sports-medicine assessment is the likely next step."""


SIGNS: dict[RedFlag, _Sign] = {
    RedFlag.PERSISTENT_PAIN_DESPITE_REST: _Sign(
        "The knee has kept hurting for more than a few days even with rest and home care.",
        "Pain that does not settle with rest can come from an injury that needs an examination "
        "and sometimes a scan, such as a tear or a bone stress injury.",
        "within_a_week",
    ),
    RedFlag.SWELLING_WARMTH_REDNESS: _Sign(
        "The knee is swollen and feels warm or looks red.",
        "Swelling with warmth or redness can mean strong inflammation or an infection of the "
        "joint or the bursa, which a doctor should rule out quickly.",
        "within_24_hours",
    ),
    RedFlag.LIMITED_RANGE_OF_MOTION: _Sign(
        "The knee cannot fully bend or fully straighten.",
        "A knee that is blocked from moving fully may have a torn cartilage or a lot of fluid "
        "in the joint; loading it before it is examined can make things worse.",
        "within_a_week",
        specialist=True,
    ),
    RedFlag.INSTABILITY: _Sign(
        "The knee gives way or feels wobbly and unreliable.",
        "Giving way suggests a ligament injury, which needs prompt attention and an "
        "assessment before the knee is trusted with exercise or running.",
        "within_24_hours",
        specialist=True,
    ),
    RedFlag.PAIN_IN_DAILY_ACTIVITIES: _Sign(
        "The knee hurts during everyday activities such as walking, climbing stairs or sitting.",
        "A knee that hurts with ordinary daily tasks is too irritable for a self-guided "
        "programme and needs a diagnosis first.",
        "within_a_week",
    ),
    RedFlag.LOCKING: _Sign(
        "The knee locks or catches and gets stuck in one position.",
        "Locking can mean a torn piece of meniscus or a loose fragment caught inside the joint.",
        "within_24_hours",
        specialist=True,
    ),
    RedFlag.FEVER: _Sign(
        "You have a fever together with the knee problem.",
        "Fever with a painful knee can be a sign of infection in or around the joint, which "
        "needs treatment without delay.",
        "within_24_hours",
    ),
    RedFlag.TRAUMA_WITH_IMMEDIATE_SWELLING: _Sign(
        "The knee swelled up straight after an injury such as a twist, fall or blow.",
        "Swelling within hours of an injury often means bleeding inside the joint, for example "
        "from a torn ligament or a fracture.",
        "emergency",
        specialist=True,
    ),
    RedFlag.UNABLE_TO_BEAR_WEIGHT: _Sign(
        "You cannot put weight on the leg or take four steps on it.",
        "Being unable to take weight on the leg is one of the Ottawa knee rules: the knee "
        "needs an examination and usually an X-ray the same day to rule out a fracture.",
        "emergency",
        specialist=True,
    ),
    RedFlag.CALF_PAIN_OR_SWELLING: _Sign(
        "The calf is painful, tender or swollen.",
        "Calf pain or swelling, especially after a brace or a spell of less activity, can be "
        "a blood clot in a deep vein (deep-vein thrombosis), which needs checking the same day.",
        "emergency",
    ),
    RedFlag.NIGHT_PAIN_OR_UNWELL: _Sign(
        "The knee pain wakes you at night, or you feel generally unwell (fever, weight loss).",
        "Pain at night or feeling unwell points away from a simple running injury and needs a "
        "doctor's examination and sometimes blood tests or a scan.",
        "within_24_hours",
    ),
    RedFlag.NUMBNESS_TINGLING_WEAKNESS: _Sign(
        "You have numbness, tingling or weakness in the leg.",
        "Numbness, tingling or weakness can come from a nerve or the lower back rather than "
        "the knee, and needs a medical examination before exercise.",
        "within_24_hours",
    ),
    RedFlag.HIP_OR_GROIN_PAIN: _Sign(
        "You also have pain in the hip or groin.",
        "Hip problems can be felt in the knee. In a young runner a slipped growth plate at the "
        "top of the thigh bone (slipped upper femoral epiphysis) must be ruled out; in adults "
        "the hip or the back may be the real source.",
        "within_a_week",
        specialist=True,
    ),
}

YOUNG_UNTIL = 18
"""Below this age, hip or groin pain with knee pain is checked within a day (SUFE)."""

_URGENCY_TEXT: dict[str, str] = {
    "emergency": "Today: go now, do not wait for a routine appointment.",
    "within_24_hours": "Within 24 hours.",
    "within_a_week": "Within the next week, and before you start any exercise programme.",
}

_ADVICE_MEANWHILE = (
    "Do not run, jump or play sport until a doctor has examined the knee.",
    "Walk only as much as daily life needs; a stick or crutch on the other side can take "
    "weight off a painful knee.",
    "Cool the sore area for 15 to 20 minutes a few times a day with ice wrapped in a cloth, "
    "never straight on the skin.",
    "When the knee is swollen, rest with the leg raised on pillows so the knee is higher than "
    "your heart; a snug sleeve or elastic bandage can help if it causes no tingling or numbness.",
    "Before taking anti-inflammatory tablets such as ibuprofen or naproxen, ask a pharmacist or "
    "doctor whether they are safe for you.",
    "Seek help at once if the knee becomes hot, red and very painful, you feel feverish and "
    "unwell, you cannot put weight on the leg, or the knee is stuck and will not straighten.",
)


def screen(profile: Profile) -> Screening:
    """Which red flags are present, and whether they stop the plan (no clinician override)."""
    flags = profile.red_flags_present()
    notes: list[str] = []
    if profile.cleared_by_clinician and profile.clinician_note:
        notes.append(profile.clinician_note)
    if not flags:
        return Screening(refer=False, flags=[], overridden=False, notes=notes)
    if profile.cleared_by_clinician:
        notes.append("Cleared by a clinician despite: " + "; ".join(plain_flag(f) for f in flags))
        return Screening(refer=False, flags=flags, overridden=True, notes=notes)
    return Screening(refer=True, flags=flags, overridden=False, notes=notes)


def plain_flag(flag: RedFlag) -> str:
    """A red flag as a short phrase for summaries (``locking`` → ``knee locking``)."""
    return {
        RedFlag.PERSISTENT_PAIN_DESPITE_REST: "pain lasting despite rest",
        RedFlag.SWELLING_WARMTH_REDNESS: "swelling with warmth or redness",
        RedFlag.LIMITED_RANGE_OF_MOTION: "knee cannot fully bend or straighten",
        RedFlag.INSTABILITY: "knee giving way",
        RedFlag.PAIN_IN_DAILY_ACTIVITIES: "pain in daily activities",
        RedFlag.LOCKING: "knee locking",
        RedFlag.FEVER: "fever",
        RedFlag.TRAUMA_WITH_IMMEDIATE_SWELLING: "swelling straight after an injury",
        RedFlag.UNABLE_TO_BEAR_WEIGHT: "cannot bear weight on the leg",
        RedFlag.CALF_PAIN_OR_SWELLING: "calf pain or swelling",
        RedFlag.NIGHT_PAIN_OR_UNWELL: "night pain or feeling unwell",
        RedFlag.NUMBNESS_TINGLING_WEAKNESS: "numbness, tingling or weakness in the leg",
        RedFlag.HIP_OR_GROIN_PAIN: "hip or groin pain",
    }[flag]


def sign_urgency(flag: RedFlag, age: int | None = None) -> Urgency:
    """How soon one sign needs a doctor; hip or groin pain in a young runner within a day."""
    if flag is RedFlag.HIP_OR_GROIN_PAIN and age is not None and age < YOUNG_UNTIL:
        return "within_24_hours"
    return SIGNS[flag].urgency


def urgency_for(flags: list[RedFlag], age: int | None = None) -> Urgency:
    """The most urgent level among ``flags``; fever with a hot, swollen knee is an emergency."""
    levels = [sign_urgency(f, age) for f in flags]
    if RedFlag.FEVER in flags and RedFlag.SWELLING_WARMTH_REDNESS in flags:
        levels.append("emergency")
    return max(levels, key=_URGENCY_RANK.__getitem__)


def _whom(flags: list[RedFlag], urgency: Urgency) -> str:
    if urgency == "emergency":
        return (
            "An urgent care centre or a hospital emergency department. Take this letter with you."
        )
    specialist = any(SIGNS[f].specialist for f in flags)
    if urgency == "within_24_hours":
        base = "Your GP (family doctor) or an urgent care clinic"
        if specialist:
            base += ", who can send you on to an orthopaedic or sports-medicine specialist"
        if RedFlag.HIP_OR_GROIN_PAIN in flags:
            return (
                f"{base}. Say that you have hip or groin pain as well as knee pain; until a "
                "doctor has seen you, avoid running and jumping and use crutches if walking hurts."
            )
        if RedFlag.LOCKING in flags:
            return (
                f"{base}. If the knee is stuck right now and will not straighten, go to an "
                "emergency department instead."
            )
        return f"{base}."
    if specialist:
        return (
            "A sports-medicine doctor or an orthopaedic specialist (your GP can refer you if "
            "that is how your health system works)."
        )
    return "Your GP (family doctor) or a sports-medicine doctor."


def referral_for(profile: Profile, screening: Screening) -> Referral:
    """The document written instead of a plan: what was found, whom to see, how soon."""
    flags = screening.flags
    if not flags:
        raise ValueError("referral_for needs at least one red flag")
    urgency = urgency_for(flags, profile.age)
    findings = [{"flag": f.value, "finding": SIGNS[f].finding, "why": SIGNS[f].why} for f in flags]
    return Referral(
        patient_id=profile.patient_id,
        patient_name=profile.name,
        date=profile.start_date,
        findings=findings,
        see=_whom(flags, urgency),
        urgency=_URGENCY_TEXT[urgency],
        urgency_level=urgency,
        advice_meanwhile=list(_ADVICE_MEANWHILE),
    )
