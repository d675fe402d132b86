"""A parameter's text field: validated as typed by the model's own parser, nudged by up and down.

Every field is a text ``Input`` checked by our own parsers (``float()`` and the command line's
rules), never by Textual's ``type="number"``: in Textual 8.2.8 that type filters each keystroke
through a regular expression (``_RESTRICT_TYPES["number"]`` in ``textual/widgets/_input.py``)
that backtracks exponentially, so 20 digits and then a letter froze the app for about 20 s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.geometry import Size
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widgets import Checkbox, Select

from tui.app.keys import key
from tui.app.widgets.ordered_input import OrderedInput
from tui.engine.losses import LossError
from tui.engine.spec import ParameterError
from tui.i18n import msg, t
from tui.model.parameters import PARAMETERS, Parameter, by_name

#: The table's records by field id.
FIELDS = by_name(PARAMETERS)

#: The catalogue key of a field's name in its messages, where the parser's name for it is not
#: what the field is called on screen (the tolerance; the keras schedules' T, ``steps``).
LABELS = {"tol": "field.tol", "steps": "field.steps"}


class ParsedBy(Validator):
    """A validator that accepts what ``parse`` accepts and shows the rule it broke.

    ``field`` is the field's id. ``label`` is the catalogue key of its name in messages, where
    the parser's name for it is not what the field is called on screen (the tolerance, not
    ``tol``). An empty ``number`` field says that it wants a number.
    """

    def __init__(
        self,
        parse: Callable[[str], object],
        field: str = "",
        label: str | None = None,
        number: bool = False,
    ) -> None:
        super().__init__()
        self.parse = parse
        self.field = field
        self.label = label
        self.number = number
        self.shown: str | None = None
        """The field's name in messages where it is not the parser's (``w0`` is ``w1`` for a
        loss of two parameters): set by the form, it comes before ``label``."""

    def validate(self, value: str) -> ValidationResult:
        """Succeed if ``parse(value)`` does; fail with its message (never raise)."""
        try:
            if self.number and not value.strip():
                raise ParameterError(self.field, msg("field.empty"))
            self.parse(value)
        except ParameterError as err:
            name = self.shown or (t(self.label) if self.label else err.name)
            return self.failure(t("spec.error", name=name, reason=err.reason))
        except LossError as err:
            return self.failure(str(err))
        except Exception as err:  # noqa: BLE001 - a validator that raises would crash the app
            return self.failure(t("field.not_understood", why=err))
        return self.success()


class LeaveFields(Message, namespace="params_form"):
    """The user pressed escape in a field: focus something that is not a field (the form's
    ``ParamsForm.LeaveFields``)."""


class ParamInput(OrderedInput):
    """A parameter field: up and down nudge it, escape leaves it; its keys act in the order
    typed (:class:`~tui.app.widgets.ordered_input.OrderedInput`)."""

    BINDINGS = [
        key("up", "nudge(1)", "nudge-up"),
        key("down", "nudge(-1)", "nudge-down"),
        key("escape", "leave", "leave"),
    ]

    @dataclass
    class Nudged(Message):
        """The user asked to nudge ``field`` up (+1) or down (-1)."""

        field: str
        direction: int

    def _watch_value(self, value: str) -> None:
        # Textual 8.2.8's ``Input._watch_value`` sets ``virtual_size`` (a reactive with
        # ``layout=True``) to the text's width + 1, so every key or nudge that changed the text's
        # length laid out the whole screen (~3 ms on each key's path). The field's own size is
        # fixed by its width and height (not ``auto``): only its scrolling range changes. So the
        # range is set without a layout, the scroll offset and scrollbars are brought in line as
        # a layout would (``ScrollView._size_updated`` -> ``_scroll_update``), and the field
        # repaints; Input's own watcher then finds the size already set and lays nothing out.
        if not self.styles.auto_dimensions:
            size = Size(self.content_width, 1)
            if size != self.virtual_size:
                self.set_reactive(ParamInput.virtual_size, size)
                if self.container_size:
                    self._scroll_update(size)
                self.refresh()
        super()._watch_value(value)

    def action_nudge(self, direction: int) -> None:
        """Ask the form to nudge this field."""
        record = FIELDS.get(self.id or "")
        if record is not None and record.nudge is not None:
            self.post_message(self.Nudged(record.name, direction))

    def action_leave(self) -> None:
        """Ask to leave the fields (the screen decides where the focus goes)."""
        self.post_message(LeaveFields())


def choice_widget(name: str, options: tuple[str, ...], value: str, tooltip: str) -> Select[str]:
    """A drop-down of ``options`` titled ``name`` (the title goes on in ``on_mount``), each
    shown in the current language (``choice.<option>``), its value the option's own name (the
    one ``--schedule`` and ``--optimizer`` take)."""
    select: Select[str] = Select(
        [(t(f"choice.{option}"), option) for option in options],
        value=value,
        allow_blank=False,
        id=name,
    )
    select.border_title = t(f"field.{name}")
    select.tooltip = tooltip
    return select


def field_widget(
    record: Parameter, value: str | bool, count: int, shown: bool
) -> Checkbox | ParamInput:
    """The text field or box of parameter ``record`` for a loss of ``count`` parameters,
    holding ``value``. One the run does not use is made hidden and disabled, as the form would
    leave it: disabling a mounted widget, or giving it a class, styles it again (Textual 8.2.8).
    """
    label = record.label_for(count)
    title = t(label) if label else record.title_for(count)
    widget: Checkbox | ParamInput
    if record.kind == "flag":
        ticked = bool(value)
        # (Textual 8.2.8's ToggleButton gives a ticked box its class as it is made: ours has it
        # from the start, as a field has its valid class.)
        widget = Checkbox(
            title, ticked, id=record.name, classes="-on" if ticked else None, disabled=not shown
        )
    else:
        number = record.kind in ("number", "whole")
        widget = ParamInput(
            str(value),
            id=record.name,
            # Textual 8.2.8's Input validates its first value as it is made, and gives it the
            # class of the result (a restyle each): a valid value's class from the start.
            classes="-valid",
            type="text",  # never "number": see the module's docstring
            validators=[ParsedBy(record.parse, record.name, LABELS.get(record.name), number)],
            validate_on=["changed"],
            select_on_focus=False,
            disabled=not shown,
        )
        widget.border_title = title
        widget.tooltip = t("field.tip", title=t(record.label) if record.label else title)
    widget.display = shown
    return widget
