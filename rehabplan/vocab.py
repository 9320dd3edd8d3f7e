"""The closed vocabularies shared by data files, profiles and plans.

They are ``StrEnum`` so that YAML/JSON carry plain strings while code gets typo-proof names,
and so that pydantic's messages list the known values when a file uses an unknown one.
"""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    ACUTE = "acute"
    STRENGTHENING = "strengthening"
    RETURN_TO_RUN = "return_to_run"


PHASE_ORDER: tuple[Phase, ...] = (Phase.ACUTE, Phase.STRENGTHENING, Phase.RETURN_TO_RUN)


class Condition(StrEnum):
    PES_ANSERINE_BURSITIS = "pes_anserine_bursitis"
    MCL_SPRAIN_GRADE_1 = "mcl_sprain_grade_1"
    MCL_SPRAIN_GRADE_2 = "mcl_sprain_grade_2"
    MEDIAL_MENISCUS_IRRITATION = "medial_meniscus_irritation"
    MEDIAL_KNEE_OSTEOARTHRITIS = "medial_knee_osteoarthritis"
    PATELLOFEMORAL_PAIN = "patellofemoral_pain"
    NONSPECIFIC_MEDIAL_KNEE_PAIN = "nonspecific_medial_knee_pain"


class Factor(StrEnum):
    OVERUSE = "overuse"
    MUSCLE_IMBALANCE = "muscle_imbalance"
    OVERPRONATION = "overpronation"
    FOOTWEAR = "footwear"
    PREVIOUS_INJURY = "previous_injury"
    ARTHRITIS = "arthritis"
    ANATOMICAL = "anatomical"


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"


class Units(StrEnum):
    KM = "km"
    MI = "mi"


KM_PER_MILE = 1.609344


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def index(self) -> int:
        """Monday = 0, as ``date.weekday()`` counts."""
        return list(Weekday).index(self)


class LoadKit(StrEnum):
    """What can make a strength exercise heavier, in the order the planner prefers it."""

    GYM = "gym"
    DUMBBELLS = "dumbbells"
    KETTLEBELL = "kettlebell"
    BAND = "band"
    BACKPACK = "backpack"


class Equipment(StrEnum):
    """Everything an exercise may need. Profiles list only what is not assumed."""

    BAND = "band"
    DUMBBELLS = "dumbbells"
    KETTLEBELL = "kettlebell"
    GYM = "gym"
    FOAM_ROLLER = "foam_roller"
    BALANCE_PAD = "balance_pad"
    # cross-training access, taken from the profile's ``cross_training``
    BIKE = "bike"
    POOL = "pool"
    ELLIPTICAL = "elliptical"
    # household items every patient is assumed to have
    CHAIR = "chair"
    WALL = "wall"
    STAIR = "stair"
    TOWEL = "towel"
    MAT = "mat"
    ICE_PACK = "ice_pack"
    PILLOW = "pillow"
    BACKPACK = "backpack"
    """A backpack that can be loaded with books or water bottles: the household weight."""


PROFILE_EQUIPMENT: frozenset[Equipment] = frozenset(
    {
        Equipment.BAND,
        Equipment.DUMBBELLS,
        Equipment.KETTLEBELL,
        Equipment.GYM,
        Equipment.FOAM_ROLLER,
        Equipment.BALANCE_PAD,
    }
)
HOUSEHOLD: frozenset[Equipment] = frozenset(
    {
        Equipment.CHAIR,
        Equipment.WALL,
        Equipment.STAIR,
        Equipment.TOWEL,
        Equipment.MAT,
        Equipment.ICE_PACK,
        Equipment.PILLOW,
        Equipment.BACKPACK,
    }
)


class CrossTraining(StrEnum):
    BIKE = "bike"
    POOL = "pool"
    ELLIPTICAL = "elliptical"


class Region(StrEnum):
    QUADRICEPS = "quadriceps"
    HAMSTRINGS = "hamstrings"
    HIP_ABDUCTORS = "hip_abductors"
    HIP_EXTERNAL_ROTATORS = "hip_external_rotators"
    HIP_FLEXORS = "hip_flexors"
    GLUTES = "glutes"
    ADDUCTORS = "adductors"
    CALVES = "calves"
    SOLEUS = "soleus"
    FOOT = "foot"
    CORE = "core"
    BALANCE = "balance"
    KNEE = "knee"
    FULL_BODY = "full_body"


class ExerciseType(StrEnum):
    ISOMETRIC = "isometric"
    ISOTONIC = "isotonic"
    ECCENTRIC = "eccentric"
    PLYOMETRIC = "plyometric"
    STRETCH = "stretch"
    MOBILITY = "mobility"
    BALANCE = "balance"
    CARDIO = "cardio"
    RECOVERY = "recovery"


class Laterality(StrEnum):
    UNILATERAL = "unilateral"
    BILATERAL = "bilateral"


class Tag(StrEnum):
    """Movement features that per-condition restrictions in the protocol refer to."""

    DEEP_FLEXION = "deep_flexion"
    VALGUS_STRESS = "valgus_stress"
    PIVOTING = "pivoting"
    IMPACT = "impact"
    LATERAL_MOVEMENT = "lateral_movement"
    HAMSTRING_STRETCH = "hamstring_stretch"
    KNEELING = "kneeling"
    LOADED_FLEXION = "loaded_flexion"
    SINGLE_LEG_LANDING = "single_leg_landing"
    """Landing on one leg (hops, bounds): the hop test's own movement."""


class SessionKind(StrEnum):
    STRENGTH = "strength"
    MOBILITY = "mobility"
    CROSS_TRAINING = "cross_training"
    RUN_WALK = "run_walk"
    RECOVERY = "recovery"
    REVIEW = "review"


class RedFlag(StrEnum):
    """The source article's "when to see a doctor" list, three classic orthopaedic flags and
    the further signs physiotherapists screen for (Ottawa knee rule, deep-vein thrombosis,
    serious pathology, nerve involvement, a hip problem presenting as knee pain)."""

    PERSISTENT_PAIN_DESPITE_REST = "persistent_pain_despite_rest"
    SWELLING_WARMTH_REDNESS = "swelling_warmth_redness"
    LIMITED_RANGE_OF_MOTION = "limited_range_of_motion"
    INSTABILITY = "instability"
    PAIN_IN_DAILY_ACTIVITIES = "pain_in_daily_activities"
    LOCKING = "locking"
    FEVER = "fever"
    TRAUMA_WITH_IMMEDIATE_SWELLING = "trauma_with_immediate_swelling"
    # Screened by physiotherapists as well (CLINICAL-REFERENCE §7).
    UNABLE_TO_BEAR_WEIGHT = "unable_to_bear_weight"
    CALF_PAIN_OR_SWELLING = "calf_pain_or_swelling"
    NIGHT_PAIN_OR_UNWELL = "night_pain_or_unwell"
    NUMBNESS_TINGLING_WEAKNESS = "numbness_tingling_weakness"
    HIP_OR_GROIN_PAIN = "hip_or_groin_pain"
