"""Turning pydantic and YAML errors into sentences a physiotherapist can act on.

pydantic's defaults ("Input should be less than or equal to 10") are written for
programmers; clinical users need the field, the allowed range and what they typed.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Annotated, Any, get_args

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError
from pydantic_core.core_schema import ErrorType

from rehabplan.errors import InputError, Problem


class Strict(BaseModel):
    """Base for data-file models: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _check_between(lo: float, hi: float):
    def check(value: float) -> float:
        if not lo <= value <= hi:
            raise PydanticCustomError(
                "range",
                "must be between {lo} and {hi}, got {got}",
                {"lo": _num(lo), "hi": _num(hi), "got": _num(value)},
            )
        return value

    return check


def _num(x: float) -> str:
    try:
        if isinstance(x, float) and abs(x) >= 1e15:
            return f"{x:g}"
        return str(int(x)) if float(x).is_integer() else f"{x:g}"
    except OverflowError:  # an integer of hundreds of digits: say so, briefly
        text = str(x)
        return f"{text[:12]}… ({len(text)} digits)"


def between(lo: float, hi: float) -> AfterValidator:
    """An ``Annotated`` marker: value must lie in [lo, hi], with a message naming both ends."""
    return AfterValidator(_check_between(lo, hi))


# Characters that have no place in a name or note: control characters (NUL, ESC, …) are
# invalid in iCalendar and garble terminals; bidirectional overrides and isolates can make
# the rest of a printed line read backwards.
_NEVER_IN_TEXT = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")


def plain_text(multiline: bool) -> BeforeValidator:
    """An ``Annotated`` marker refusing control characters (and line breaks unless
    ``multiline``), with a message naming them."""
    allowed = "\n\t" if multiline else ""

    def check(value: object) -> object:
        if not isinstance(value, str):
            return value
        if multiline:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        bad = [c for c in value if _unwanted(c, allowed)]
        if bad:
            names = ", ".join(dict.fromkeys(f"U+{ord(c):04X}" for c in bad))
            kind = "control characters" if multiline else "line breaks or control characters"
            raise PydanticCustomError(
                "plain_text",
                "must be plain text without {kind} (found {names})",
                {"kind": kind, "names": names},
            )
        return value

    return BeforeValidator(check)


def _unwanted(c: str, allowed: str) -> bool:
    return c in _NEVER_IN_TEXT or (unicodedata.category(c) == "Cc" and c not in allowed)


def without_control_characters(value: object) -> object:
    """Drop what :func:`plain_text` refuses, for free text a runner types on a phone: a
    stray control character is not worth an error message there."""
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        return "".join(c for c in value if not _unwanted(c, "\n\t"))
    return value


def _not_a_bool(value: object) -> object:
    """JSON ``true`` is not the number 1 (pydantic would quietly take it as 1)."""
    if isinstance(value, bool):
        raise PydanticCustomError("number_type", "must be a number, got {got}",
                                  {"got": str(value).lower()})  # fmt: skip
    return value


NUMBER = BeforeValidator(_not_a_bool)
"""An ``Annotated`` marker for numeric fields: refuses true/false."""

NPRS = Annotated[int, NUMBER, between(0, 10)]
"""Numeric pain rating scale, 0 (no pain) to 10 (worst imaginable)."""


def field_path(loc: tuple[Any, ...]) -> str:
    """``('pain', 'running')`` → ``pain.running``; list indexes as ``days[2]``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith("function-") or str(part) in {"function-after", "json-or-python"}:
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


_BUILTIN_ERRORS = frozenset(get_args(ErrorType))
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _describe(err: dict[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    if kind not in _BUILTIN_ERRORS:
        # Our own PydanticCustomError messages are already written for the reader.
        return str(err.get("msg", "is invalid"))
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        return "is not a known field (check the spelling)"
    if kind in {"enum", "literal_error"}:
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"must be one of {expected}; got {got!r}"
    if kind == "int_parsing_size":
        return "is far too large a number"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return f"must be a whole number, got {got!r}"
    if kind in {"float_parsing", "float_type"}:
        return f"must be a number, got {got!r}"
    if kind in {"bool_parsing", "bool_type"}:
        return f"must be true or false, got {got!r}"
    if kind.startswith("date") or kind.startswith("datetime"):
        if isinstance(got, str) and _ISO_DATE.match(got.strip()):
            return f"is not a real calendar date (no such day or month), got {got!r}"
        return f"must be a date written YYYY-MM-DD, got {got!r}"
    if kind.startswith("time_"):
        return f"must be a time written HH:MM (24-hour), got {got!r}"
    if kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        op = {
            "greater_than_equal": "at least",
            "greater_than": "more than",
            "less_than_equal": "at most",
            "less_than": "less than",
        }[kind]
        bound = next(iter(ctx.values()), "?")
        return f"must be {op} {bound}, got {got!r}"
    if kind in {"list_type", "dict_type", "model_type", "model_attributes_type"}:
        what = "a list" if kind == "list_type" else "a mapping of fields"
        return f"must be {what}, got {type(got).__name__} {got!r}"
    if kind == "string_type":
        return f"must be text, got {type(got).__name__} {got!r} (put it in quotes)"
    if kind == "string_unicode":
        return "holds characters that are not valid Unicode text"
    if kind == "finite_number":
        return f"must be a real number, got {got!r}"
    if kind == "string_pattern_mismatch":
        return f"has an invalid format ({got!r}); expected pattern {ctx.get('pattern')}"
    if kind in {"string_too_long", "too_long"}:
        return f"is too long (at most {ctx.get('max_length')})"
    if kind in {"string_too_short", "too_short"}:
        return f"is too short (at least {ctx.get('min_length')})"
    msg = err.get("msg", "is invalid")
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def problems_from(exc: ValidationError, source: str, prefix: str = "") -> list[Problem]:
    """Every error in ``exc`` as a :class:`Problem`; ``prefix`` roots nested models."""
    out = []
    for err in exc.errors(include_url=False):
        path = field_path(err["loc"])
        if prefix:
            path = f"{prefix}.{path}" if path else prefix
        out.append(Problem(source, path, _describe(err)))
    return out


# libyaml's parser where PyYAML was built with it (the wheels are): the exercise library is
# 66 YAML files read by every CLI run, batch worker and server process, ~8x faster in C
# (measured: 257 → 30 ms). Resolvers and constructors stay the Python ones below, and the
# C parser gives the same line and column in errors and refuses nesting deeper than 1,000.
_SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[misc,valid-type]
    """YAML as people type it, read the YAML 1.2 way.

    PyYAML follows YAML 1.1, where an unquoted ``07:30`` is the base-60 integer 450,
    ``no`` is false (``language: no`` for Norwegian!), ``08`` is an invalid octal number
    and ``2026-02-30`` raises while parsing instead of being reported. Here only
    ``true``/``false`` are booleans, numbers are decimal, and dates and times stay text
    for the models to check with a proper message. A key given twice is an error rather
    than "the last one wins".
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if not tag.endswith((":bool", ":int", ":float",
                                                                    ":timestamp"))]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}  # fmt: skip
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"
        r"|^[-+]?[0-9]+[eE][-+]?[0-9]+$|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$"
    ),
    list("-+.0123456789"),
)


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    return int(loader.construct_scalar(node), 10)  # decimal: 08 is eight, not an error


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain name", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} appears twice in the same mapping",
                key_node.start_mark,
            )  # fmt: skip
        seen[key] = loader.construct_object(value_node, deep=True)
    return seen


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def load_yaml(text: str) -> Any:
    """Parse YAML text with :class:`_Loader` (raises ``yaml.YAMLError``)."""
    return yaml.load(text, Loader=_Loader)  # a SafeLoader: no arbitrary objects


def read_mapping(path: Path) -> dict[str, Any]:
    """Read a YAML or JSON file that must hold one mapping, with parse errors located."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a BOM from Windows editors is fine
    except FileNotFoundError:
        raise InputError([Problem(source, "", "file not found")]) from None
    except IsADirectoryError:
        raise InputError([Problem(source, "", "is a folder, not a file")]) from None
    except UnicodeDecodeError as e:
        raise InputError([Problem(source, "", f"is not UTF-8 text ({e.reason})")]) from None
    except OSError as e:
        raise InputError([Problem(source, "", f"cannot be read ({e.strerror})")]) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else load_yaml(text)
    except json.JSONDecodeError as e:
        raise InputError(
            [Problem(source, "", f"is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})")]
        ) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        reason = getattr(e, "problem", None) or str(e)
        raise InputError([Problem(source, "", f"is not valid YAML{where}: {reason}")]) from None
    except (RecursionError, MemoryError):
        raise InputError([Problem(source, "", "is nested too deeply to be a profile")]) from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise InputError([Problem(source, "", f"must hold a mapping of fields, but it is {kind}")])
    return data
