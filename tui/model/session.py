"""Sessions: everything needed to reproduce the screen, as a small JSON file or one line of text.

A session holds the parameters (run, schedule, optimizer, loss, tolerance), the pins and the
baseline, and the view (chart view, log scale, demo mode, the step playback is paused at).
Reading one is strict: the text goes through :mod:`tui.strict_json` (bounded size and nesting,
no huge integers, no NaN or Infinity), then an unknown key, a value of the wrong type or out of
the range the command line and the fields allow, or a foreign file is refused with a message
naming what is wrong, and nothing on screen changes.
The one-line form, like TensorFlow Playground's address bar, is ``lrx1:`` and the compact
JSON, zlib-compressed and base64url-encoded; it can be copied off the screen and pasted back.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import os
import zlib
from dataclasses import dataclass
from typing import Any

from tui.engine.losses import LossError, parse_loss
from tui.engine.spec import ParameterError, RunSpec, Schedule, check_finite
from tui.files import write_atomic
from tui.i18n import t
from tui.model.parameters import PARAMETERS, Parameter
from tui.model.params import ROSENBROCK, Params, check_tolerance
from tui.model.pins import MAX_PINS
from tui.model.views import VIEWS
from tui.strict_json import StrictJSONError, read_text
from tui.strict_json import loads as strict_loads

#: What a session file says it is, and the version of its layout.
FORMAT = "lr-explorer-session"
VERSION = 1

#: The start of a one-line session.
LINE_PREFIX = "lrx1:"

#: Session files are small; anything bigger is not one of ours (a line unpacks to at most this).
MAX_BYTES = 1 << 20

#: The longest one-line session read (base64 of at most :data:`MAX_BYTES` compressed bytes).
MAX_LINE = MAX_BYTES * 4 // 3 + 4


#: The optimizer race (the explorer's key 9): on Rosenbrock's valley from (-1.2, 1), 3,000 steps,
#: plain descent at lr 0.002 on screen and pinned (the baseline), with momentum (lr 0.001,
#: beta 0.9) and Adam (lr 0.05) pinned beside it. Momentum reaches the tolerance first (step
#: 1,386), Adam next (1,691); plain descent never does in these steps.
RACE_START = RunSpec(w0=-1.2, start2=1.0, lr=0.002, epochs=3000)
RACE_PINS = (
    RACE_START,
    dataclasses.replace(RACE_START, lr=0.001, optimizer="momentum", beta=0.9),
    dataclasses.replace(RACE_START, lr=0.05, optimizer="adam"),
)


class SessionError(ValueError):
    """A session that cannot be read: the message says what is wrong, in one line."""


@dataclass(frozen=True)
class Session:
    """What the screen shows: parameters, pins (by spec), baseline (index into pins), view, and
    ``step``, the step playback is paused at (``None``: the whole run)."""

    params: Params
    pins: tuple[RunSpec, ...] = ()
    baseline: int | None = None
    view: str = "loss+w"
    log_loss: bool = False
    demo: bool = False
    step: int | None = None


#: The race as a session: what the explorer's race key shows (its pins replace any there).
RACE = Session(Params(RACE_START, ROSENBROCK), pins=RACE_PINS, baseline=0, view="landscape")


def to_dict(session: Session) -> dict[str, Any]:
    """``session`` as plain JSON data."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "run": _spec_dict(session.params.spec),
        "loss": session.params.loss,
        "tol": session.params.tol,
        "pins": [_spec_dict(spec) for spec in session.pins],
        "baseline": session.baseline,
        "view": {
            "chart": session.view,
            "log_loss": session.log_loss,
            "demo": session.demo,
            "step": session.step,
        },
    }


def from_dict(data: Any, table: tuple[Parameter, ...] = PARAMETERS) -> Session:
    """The session ``data`` describes, checked field by field (:class:`SessionError`); each
    run's keys are read as their parameters in ``table`` say."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SessionError(t("session.foreign"))
    if data.get("version") != VERSION:
        raise SessionError(t("session.version", found=repr(data.get("version")), reads=VERSION))
    _keys(data, "session", {"format", "version", "run", "loss", "tol", "pins", "baseline", "view"})
    try:
        count = _count(data)
        spec = _spec(data.get("run"), "run", table, count)
        expr = parse_loss(_typed(data, "loss", str, "session"))
        loss = expr.source
        spec.check_starts(expr.params)
        tol = check_tolerance(_number(data, "tol", "session"))
        pins_data = data.get("pins", [])
        if not isinstance(pins_data, list):
            raise SessionError(t("session.pins_list"))
        if len(pins_data) > MAX_PINS:
            raise SessionError(t("session.pins_most", most=MAX_PINS, found=len(pins_data)))
        pins = tuple(_spec(pin, f"pins[{i}]", table, count) for i, pin in enumerate(pins_data))
        for i, pin in enumerate(pins):
            try:
                pin.check_starts(expr.params)  # a pin runs the session's loss
            except ParameterError as err:
                raise SessionError(f"pins[{i}]: {err}") from None
    except (ParameterError, LossError) as err:
        raise SessionError(str(err)) from None
    baseline = data.get("baseline")
    if baseline is not None and (
        isinstance(baseline, bool) or not isinstance(baseline, int) or not 0 <= baseline < len(pins)
    ):
        raise SessionError(t("session.baseline", last=len(pins) - 1))
    view = data.get("view", {})
    if not isinstance(view, dict):
        raise SessionError(t("session.object", where="view"))
    _keys(view, "view", {"chart", "log_loss", "demo", "step"})
    step = view.get("step")
    if step is not None and (
        isinstance(step, bool) or not isinstance(step, int) or not 1 <= step <= spec.epochs
    ):
        raise SessionError(t("session.step", epochs=spec.epochs))
    chart = view.get("chart", "loss+w")
    if chart not in VIEWS:
        raise SessionError(t("session.chart", views=", ".join(VIEWS), found=repr(chart)))
    return Session(
        Params(spec, loss, tol),
        pins,
        baseline,
        chart,
        _flag(view, "log_loss", "view"),
        _flag(view, "demo", "view"),
        step,
    )


def dumps(session: Session) -> str:
    """The session as a small, readable JSON file."""
    return json.dumps(to_dict(session), indent=2) + "\n"


def loads(text: str) -> Session:
    """The session in JSON ``text`` (:class:`SessionError` if it is not one)."""
    try:
        data = strict_loads(text, max_chars=MAX_BYTES)
    except StrictJSONError as err:
        raise SessionError(str(err)) from None
    return from_dict(data)


def to_line(session: Session) -> str:
    """The session as one line of text: ``lrx1:`` and base64url of compressed compact JSON."""
    compact = json.dumps(to_dict(session), separators=(",", ":")).encode()
    return LINE_PREFIX + base64.urlsafe_b64encode(zlib.compress(compact, 9)).decode().rstrip("=")


def from_line(line: str) -> Session:
    """The session in a one-line string made by :func:`to_line`."""
    text = line.strip()
    if not text.startswith(LINE_PREFIX):
        raise SessionError(t("session.prefix", prefix=repr(LINE_PREFIX)))
    body = text[len(LINE_PREFIX) :]
    if len(body) > MAX_LINE:
        raise SessionError(t("json.too_long", size=len(body), most=MAX_LINE))
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        unpack = zlib.decompressobj()
        # At most one byte past the limit is unpacked: a small line that unpacks to gigabytes
        # (a zip bomb) costs no more than a full-sized session.
        raw = unpack.decompress(packed, MAX_BYTES + 1)
        if len(raw) > MAX_BYTES or unpack.unconsumed_tail:
            raise SessionError(t("session.line_too_big", most=MAX_BYTES))
        if not unpack.eof:
            raise SessionError(t("session.damaged"))
        text = raw.decode("utf-8")
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError) as err:
        if isinstance(err, SessionError):
            raise
        raise SessionError(t("session.damaged")) from None
    return loads(text)


def is_line(text: str) -> bool:
    """Whether ``text`` (a command line's ``--session`` value) is a one-line session rather
    than a file's name: it starts with :data:`LINE_PREFIX`, spaces around it aside.

    The text alone decides, never what is on the disk: the same command means the same on
    every machine, a line shared by a colleague never opens a local file that happens to bear
    its name, and a line damaged in the copy is said to be one. A file whose name starts with
    the prefix is opened as ``./lrx1:...``.
    """
    return text.strip().startswith(LINE_PREFIX)


def save(path: str | os.PathLike[str], session: Session, *, overwrite: bool = False) -> None:
    """Write the session file atomically; an existing file only with ``overwrite``."""
    write_atomic(path, dumps(session).encode(), overwrite=overwrite)


def load(path: str | os.PathLike[str]) -> Session:
    """Read a session file (:class:`SessionError` for anything that is not a good session).

    Only a regular file is read (a FIFO or a device is refused at once, never waited on), and
    at most :data:`MAX_BYTES` of it.
    """
    try:
        text = read_text(path, max_bytes=MAX_BYTES)
    except OSError as err:
        raise SessionError(
            t("session.unreadable", path=os.fspath(path), why=err.strerror)
        ) from None
    except StrictJSONError as err:
        raise SessionError(f"{os.fspath(path)}: {err}") from None
    try:
        return loads(text)
    except SessionError as err:
        raise SessionError(f"{os.fspath(path)}: {err}") from None


def _spec_dict(spec: RunSpec) -> dict[str, Any]:
    data = dataclasses.asdict(spec)  # start2 is None (null) for a run of one parameter
    if spec.schedule is not None:
        data["schedule"] = dataclasses.asdict(spec.schedule)
        data["schedule"]["boundaries"] = list(spec.schedule.boundaries)
        data["schedule"]["factors"] = list(spec.schedule.factors)
    return data


def _count(data: dict[str, Any]) -> int:
    """The number of parameters of the session's loss, for reading its runs' starts (1 where
    the loss is not readable: its own error is told after the run's)."""
    try:
        return len(parse_loss(_typed(data, "loss", str, "session")).params)
    except (SessionError, LossError):
        return 1


def _spec(
    data: Any, where: str, table: tuple[Parameter, ...] = PARAMETERS, count: int = 1
) -> RunSpec:
    """A :class:`RunSpec` of a loss of ``count`` parameters from its dict, each key read as its
    parameter in ``table`` says; a key left out is that parameter's default (decay left out:
    no decay). w2's start left out (or ``null``) is the table's default for a loss of w1 and
    w2, as in the explorer's field and on the command line, and ``None`` for a loss of w."""
    if not isinstance(data, dict):
        raise SessionError(t("session.object", where=where))
    records = {p.attribute: p for p in table if p.home == "run"}
    _keys(data, where, {*records, "schedule"})
    values: dict[str, Any] = {}
    for name, record in records.items():
        if record.losses is not None and data.get(name) is None:
            values[name] = record.default if record.for_loss(count) else None
        elif name not in data:
            values[name] = None if record.nullable else record.default
        elif record.nullable and data[name] is None:
            values[name] = None
        else:
            values[name] = _read(data, record, where)
    schedule = data.get("schedule")
    values["schedule"] = (
        None if schedule is None else _schedule(schedule, f"{where}.schedule", table)
    )
    return RunSpec(**values).validate()


def _schedule(data: Any, where: str, table: tuple[Parameter, ...] = PARAMETERS) -> Schedule:
    """A :class:`Schedule` from its dict, each key read as its parameter in ``table`` says."""
    if not isinstance(data, dict):
        raise SessionError(t("session.object_or_null", where=where))
    records = {p.attribute: p for p in table if p.home == "schedule" and p.kind != "choice"}
    records |= {p.attribute: p for p in table if p.also_schedule}
    _keys(data, where, {*records, "kind"})
    values: dict[str, Any] = {"kind": _typed(data, "kind", str, where)}
    for name, record in records.items():
        values[name] = _read(data, record, where) if name in data else record.default
    return Schedule(**values)


def _read(data: dict[str, Any], record: Parameter, where: str) -> Any:
    """The value of ``record``'s key in ``data``, of the type its kind says."""
    name = record.attribute
    if record.kind == "number":
        return _number(data, name, where)
    if record.kind == "whole":
        return _typed(data, name, int, where)
    if record.kind == "flag":
        return _flag(data, name, where)
    if record.kind == "list":
        items = data[name]
        if not isinstance(items, list):
            raise SessionError(t("session.list", where=f"{where}.{name}"))
        kind = type(record.default[0])  # whole steps (boundaries) or numbers (factors)
        return tuple(_item(items, i, kind, f"{where}.{name}") for i in range(len(items)))
    return _typed(data, name, str, where)


def _item(items: list[Any], index: int, kind: type, where: str) -> Any:
    value = items[index]
    if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else int):
        what = "session.number" if kind is float else "session.whole"
        raise SessionError(t(what, where=f"{where}[{index}]"))
    return float(value) if kind is float else value


def _keys(data: dict[str, Any], where: str, allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise SessionError(t("session.unknown_key", where=where, key=repr(unknown[0])))


def _typed(data: dict[str, Any], name: str, kind: type, where: str) -> Any:
    if name not in data:
        raise SessionError(t("session.missing", where=f"{where}.{name}"))
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "session.text" if kind is str else "session.whole"
        raise SessionError(t(what, where=f"{where}.{name}"))
    return value


def _number(data: dict[str, Any], name: str, where: str) -> float:
    """A finite number (the command line's and the fields' rule; NaN and inf never pass)."""
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SessionError(t("session.number", where=f"{where}.{name}"))
    try:
        return check_finite(name, float(value))
    except OverflowError:
        raise SessionError(t("session.number", where=f"{where}.{name}")) from None


def _flag(data: dict[str, Any], name: str, where: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise SessionError(t("session.flag", where=f"{where}.{name}"))
    return value
