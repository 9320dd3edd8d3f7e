"""Loading and validating the exercise library (``exercises/*.yaml``).

Validation collects every problem in every file before failing, because a clinician editing
the library wants the whole list at once, not one error per run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.etree import ElementTree

from pydantic import ValidationError

from rehabplan.errors import InputError, Problem
from rehabplan.models.exercise import Exercise
from rehabplan.models.protocol import Restriction
from rehabplan.paths import exercises_dir
from rehabplan.validation import problems_from, read_mapping
from rehabplan.vocab import Condition, Equipment, Phase, Region

NOT_EXERCISES = {"protocol.yaml"}


@dataclass(frozen=True)
class Library:
    root: Path
    exercises: dict[str, Exercise]

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self.exercises.values())

    def __len__(self) -> int:
        return len(self.exercises)

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self.exercises

    def get(self, exercise_id: str) -> Exercise:
        return self.exercises[exercise_id]

    def illustration_path(self, exercise: Exercise) -> Path:
        return self.root / "illustrations" / exercise.illustration

    def filter(
        self,
        *,
        region: Region | None = None,
        phase: Phase | None = None,
        equipment: Iterable[Equipment] | None = None,
        safe_for: Condition | None = None,
    ) -> list[Exercise]:
        """Exercises matching every given criterion; ``equipment`` is what the patient has."""
        have = None if equipment is None else frozenset(equipment)
        out = []
        for ex in self:
            if region is not None and region not in ex.regions:
                continue
            if phase is not None and phase not in ex.phases:
                continue
            if have is not None and not set(ex.equipment) <= have:
                continue
            if safe_for is not None and ex.contraindicated_for(safe_for):
                continue
            out.append(ex)
        return out


def why_excluded(
    exercise: Exercise,
    *,
    condition: Condition,
    phase: Phase,
    have: frozenset[Equipment],
    restrictions: Iterable[Restriction] = (),
) -> str | None:
    """The reason ``exercise`` must not be given, or None when it is safe and possible.

    This is the one place that decides; the planner and the tests both ask it.
    """
    if phase not in exercise.phases:
        return f"not meant for the {phase.value} phase"
    contra = exercise.contraindicated_for(condition)
    if contra:
        return f"contraindicated for {condition.value}: {contra.reason}"
    for rule in restrictions:
        if phase in rule.phases and set(rule.tags) & set(exercise.tags):
            return f"restricted in the {phase.value} phase: {rule.reason}"
    missing = sorted(e.value for e in set(exercise.equipment) - have)
    if missing:
        return f"needs {', '.join(missing)}"
    return None


def load_library(root: Path | None = None) -> Library:
    """Read and validate every exercise file under ``root``.

    Raises InputError listing all problems, so an editor fixes a library in one pass.
    """
    root = Path(root) if root is not None else exercises_dir()
    if not root.is_dir():
        raise InputError([Problem(str(root), "", "is not a directory")])
    problems: list[Problem] = []
    exercises: dict[str, Exercise] = {}
    first_seen: dict[str, Path] = {}
    files = sorted(p for p in root.glob("*.y*ml") if p.name not in NOT_EXERCISES)
    if not files:
        raise InputError([Problem(str(root), "", "holds no exercise files (*.yaml)")])
    for path in files:
        source = str(path)
        try:
            data = read_mapping(path)
        except InputError as e:
            problems.extend(e.problems)
            continue
        try:
            ex = Exercise.model_validate(data)
        except ValidationError as e:
            problems.extend(problems_from(e, source))
            continue
        if ex.id != path.stem:
            problems.append(
                Problem(source, "id", f"must match the file name {path.stem!r}, got {ex.id!r}")
            )
        if ex.id in first_seen:
            problems.append(
                Problem(
                    source, "id", f"duplicate id {ex.id!r}, already used by {first_seen[ex.id]}"
                )
            )
            continue
        picture = root / "illustrations" / ex.illustration
        if not picture.is_file():
            problems.append(
                Problem(
                    source,
                    "illustration",
                    f"file illustrations/{ex.illustration} does not exist",
                )
            )
        elif why := illustration_problem(picture):
            problems.append(
                Problem(source, "illustration", f"illustrations/{ex.illustration} {why}")
            )
        first_seen[ex.id] = path
        exercises[ex.id] = ex
    problems.extend(_cross_reference_problems(exercises, first_seen))
    if problems:
        raise InputError(problems)
    return Library(root=root, exercises=exercises)


_XLINK = "{http://www.w3.org/1999/xlink}href"


def illustration_problem(path: Path) -> str | None:
    """What is wrong with an exercise's SVG, or None.

    Printed on every handout, so it must be a self-contained drawing: valid SVG, no
    scripts, and no references outside itself (renders fetch nothing anyway, so such a
    picture would print with holes).
    """
    try:
        root = ElementTree.fromstring(path.read_bytes())
    except ElementTree.ParseError as e:
        return f"is not valid SVG ({e})"
    except OSError as e:
        return f"cannot be read ({e.strerror})"
    if not root.tag.endswith("svg"):
        return "is not an SVG drawing (its first element is not <svg>)"
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "script":
            return "contains a <script>; illustrations must be plain drawings"
        for attribute in ("href", _XLINK):
            target = element.get(attribute, "")
            if target and not target.startswith(("#", "data:")):
                return f"refers to {target[:60]!r}; illustrations must not load other files"
    return None


def _cross_reference_problems(
    exercises: dict[str, Exercise], files: dict[str, Path]
) -> list[Problem]:
    problems = []
    for ex in exercises.values():
        for field in ("progression", "regression"):
            target = getattr(ex, field)
            if target is not None and target not in exercises:
                problems.append(
                    Problem(
                        str(files[ex.id]),
                        field,
                        f"refers to unknown exercise id {target!r}",
                    )
                )
    # A progression chain that loops would make "harder variant" run forever.
    for ex in exercises.values():
        seen = {ex.id}
        nxt = ex.progression
        while nxt is not None and nxt in exercises:
            if nxt in seen:
                problems.append(
                    Problem(str(files[ex.id]), "progression", f"chain loops back to {nxt!r}")
                )
                break
            seen.add(nxt)
            nxt = exercises[nxt].progression
    return problems


@cache
def default_library() -> Library:
    """The shipped library, loaded once per process (batch workers and the server reuse it)."""
    return load_library()
