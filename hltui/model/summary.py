"""The compact per-log summary and its fast partial decoder (the bulk path).

Only the fields the tree, filters, status bar and stats need are decoded, by a typed
msgspec decoder that skips everything else; the full record is decoded on demand.
"""

from __future__ import annotations

import math
import sys
from datetime import UTC, datetime
from typing import Any

import msgspec

from hltui.model.problems import TOO_DEEP

PREVIEW_CHARS = 80
ERROR_CHARS = 200


class _ConfigFields(msgspec.Struct, gc=False):
    type: str | None = None
    model: str | None = None
    name: str | None = None
    agent_class: str | None = None  # (checked only: an agent config requires one)


class _AnyObject(msgspec.Struct, gc=False):
    """Any JSON object (its keys are skipped): checks shape without decoding content."""


FeedbackPairs = tuple[tuple[str, str | int | float], ...]
NAN = math.nan


class LogSummary(msgspec.Struct, gc=False):
    """What the index holds for one log, and where its bytes live.

    msgspec decodes the JSON fields straight into this struct, skipping everything
    else. `config`, `created_at` and `messages` are decoded into the slots of what is
    made of them (`model`, `time`, `config_type`), which then replace them: 16 slots,
    not 19 (32 bytes less per log with the allocator's rounding: 16 MB at 500k logs).
    `feedback` is reduced to (type, value) pairs, and `messages` only has its shape
    checked. The fields after `model` are filled in afterwards (their JSON names cannot
    occur in a record). Previews of the text are read on demand (`LogIndex.preview`).
    """

    id: str
    project: str | None = None
    session_id: str | None = None
    session_reference_id: str | None = None
    parent_id: str | None = None
    parent_reference_id: str | None = None
    reference_id: str | None = None
    # a number or boolean is taken too (and reported): the log is shown with it as text
    error: str | int | float | bool | None = None
    duration: float | None = None
    feedback: Any = None
    # `config` while decoding (`str` only so a wrong one is told apart, see
    # `_slot_problem`), then the model's name or the config's
    model: _ConfigFields | str | None = msgspec.field(default=None, name="config")
    # `created_at` while decoding, then seconds since the epoch (NaN: unknown)
    time: str | float | None = msgspec.field(default=NAN, name="created_at")
    # `messages` (shape only) while decoding, then the config's type
    config_type: list[_AnyObject] | str | None = msgspec.field(default=None, name="messages")
    file: int = msgspec.field(default=0, name="__hltui_file__")
    offset: int = msgspec.field(default=0, name="__hltui_offset__")
    line: int = msgspec.field(default=0, name="__hltui_line__")

    @property
    def has_error(self) -> bool:
        return self.error is not None

    @property
    def feedback_count(self) -> int:
        return len(self.feedback) if self.feedback else 0

    @property
    def created(self) -> datetime | None:
        return None if math.isnan(self.time) else datetime.fromtimestamp(self.time, UTC)


_decoder = msgspec.json.Decoder(LogSummary)


class Preview(msgspec.Struct, gc=False):
    """Short one-line texts of a log for labels: its first user message and its output."""

    prompt: str | None = None
    output: str | None = None


class _MessageFields(msgspec.Struct, gc=False):
    role: Any = None
    content: Any = None


class _PreviewFields(msgspec.Struct, gc=False):
    output: Any = None
    messages: list[_MessageFields] | None = None
    output_message: Any = None  # the reply, when `output` is not given


_preview_decoder = msgspec.json.Decoder(_PreviewFields)


def decode_preview(data: bytes | memoryview) -> Preview:
    """The preview texts of a record's bytes (empty when they cannot be read)."""
    try:
        fields = _preview_decoder.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return Preview()
    prompt = None
    for message in fields.messages or ():
        if message.role == "user":
            prompt = short(_content_text(message.content))
            break
    output = fields.output if isinstance(fields.output, str) else None
    reply = fields.output_message
    if not output and isinstance(reply, dict):  # as the transcript shows it
        output = _content_text(reply.get("content"))
    return Preview(prompt=prompt, output=short(output))


def _content_text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = [p.get("text") for p in value if isinstance(p, dict)]
        return " ".join(t for t in texts if isinstance(t, str)) or None
    return None


class SummaryError(ValueError):
    """A record that cannot be indexed, with a plain reason."""


def parse_time(text: str | None) -> float:
    """Seconds since the epoch of an RFC 3339 time (naive means UTC); NaN when unknown."""
    if not text:
        return math.nan
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:  # RFC 3339 allows a lowercase `t` and `z`, which fromisoformat refuses
            moment = datetime.fromisoformat(text.upper())
        except ValueError:
            return math.nan
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def short(text: str | None, limit: int = PREVIEW_CHARS) -> str | None:
    """`text` on one line in at most `limit` characters, ending in `…` where it was cut;
    None when it holds nothing but white space."""
    if not text:
        return None
    head = text[: limit * 2 + 1] if len(text) > limit * 2 + 1 else text
    line = " ".join(head.split())
    if not line:
        return None
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _feedback_pairs(value: object, gaps: list[str] | None = None) -> FeedbackPairs | None:
    """(type, value) of each feedback item; raises SummaryError for items that are not
    objects, and notes in `gaps` an item without its `type` or `value` (left out)."""
    items = value if isinstance(value, list) else [value]
    pairs = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise SummaryError("field `feedback` should hold objects")
        kind = item.get("type")
        val = item.get("value")
        if isinstance(kind, str) and isinstance(val, str | int | float):
            pairs.append((sys.intern(kind), val))
        elif gaps is not None:
            lacking = "`type`" if not isinstance(kind, str) else "`value` (a number or text)"
            gaps.append(f"feedback item {number} has no {lacking} (left out)")
    return tuple(pairs) or None


def schema_gaps(
    config: _ConfigFields | None, created_at: str | float | None, time: float
) -> list[str]:
    """What a decoded record lacks that the schema requires, where it can still be shown
    (checked on the fields the summary decodes, so it costs nothing more to read); every
    one of them (the first alone was reported)."""
    gaps = []
    kind = config.type if config is not None else None
    if config is None:
        gaps.append("no `config` (the schema requires one; shown without it)")
    elif kind == "model" and not config.model:
        gaps.append("its model config has no `model`")
    elif kind in ("tool", "generic") and not config.name:
        gaps.append(f"its {kind} config has no `name`")
    elif kind == "agent" and not (config.name and config.agent_class):
        lacking = " or ".join(
            f"`{field}`" for field in ("name", "agent_class") if not getattr(config, field)
        )
        gaps.append(f"its agent config has no {lacking}")
    elif kind is None and not (config.model or config.name):
        gaps.append("its config has no `type`, `model` or `name`")
    if isinstance(created_at, str) and math.isnan(time):
        gaps.append(f"`created_at` is not a date-time: {created_at[:40]!r} (shown as unknown)")
    elif isinstance(created_at, int | float):  # a number (an epoch time?): not the schema's
        gaps.append("field `created_at` should be a string, got number (shown as unknown)")
    return gaps


# The JSON type each of these fields must have (their slots take other types too: the
# shared slots, and `error`, which takes a number or boolean as text)
_SLOT_TYPES = {
    "config": "an object",
    "created_at": "a string",
    "messages": "an array",
    "error": "a string",
}


def _slot_problem(summary: LogSummary) -> str | None:
    """A `config` or `messages` of the wrong JSON type, which the shared slots let
    through (a string config, text for messages). A number for `created_at`, which its
    slot lets through too, is a gap (`schema_gaps`): the log is shown, its time unknown."""
    if isinstance(summary.model, str):
        return "field `config` should be an object, got string"
    if isinstance(summary.config_type, str):
        return "field `messages` should be an array, got string"
    return None


_interned: dict[str, str] = {}


def _intern(value: str | None) -> str | None:
    """Share one string object for values repeated across logs (projects, models, sessions)."""
    if value is None:
        return None
    return _interned.setdefault(value, value)


def decode_summary(
    data: bytes | memoryview,
    *,
    file: int = 0,
    offset: int = 0,
    line: int = 0,
    gaps: list[str] | None = None,
) -> LogSummary:
    """The summary of one raw record; raises SummaryError with a plain reason if unfit.
    What the schema requires and the record lacks, though it can be shown (no `config`,
    a date that is not one), is added to `gaps`."""
    try:
        summary = _decoder.decode(data)
    except msgspec.ValidationError as error:
        # checked as it is read: `[oops` is "an array" before its syntax is seen
        syntax = _syntax_error(data)
        reason = syntax if syntax is not None else plain_validation_error(str(error))
        raise SummaryError(reason) from None
    except msgspec.DecodeError as error:
        raise SummaryError(_syntax_reason(error, data)) from None
    except UnicodeDecodeError:
        raise SummaryError("not valid UTF-8 text") from None
    except RecursionError:  # msgspec's own limit on nesting, checked as it decodes
        raise SummaryError(TOO_DEEP) from None
    if not summary.id.strip():  # no way to tell it from another: two such would be one
        raise SummaryError("field `id` is empty")
    wrong = _slot_problem(summary)
    if wrong is not None:
        raise SummaryError(wrong)
    summary.file = file
    summary.offset = offset
    summary.line = line
    config: _ConfigFields | None = summary.model  # type: ignore[assignment]
    created_at = summary.time  # absent: NaN, which JSON cannot hold
    time = parse_time(created_at) if isinstance(created_at, str) else NAN
    summary.time = time
    if gaps is not None:
        given = created_at if created_at == created_at else None  # (NaN: absent)
        gaps.extend(schema_gaps(config, given, time))
        if summary.duration is not None and summary.duration < 0:
            gaps.append(f"field `duration` is negative: {summary.duration!r} seconds")
    if config is not None:
        kind = config.type
        model = config.model if kind in (None, "model") and config.model else config.name
        summary.model = _intern(model)
        summary.config_type = _intern(kind)
    else:
        summary.model = summary.config_type = None
    if summary.feedback is not None:
        summary.feedback = _feedback_pairs(summary.feedback, gaps)
    if summary.project is not None:
        summary.project = _intern(summary.project)
    if summary.session_id is not None:
        summary.session_id = _intern(summary.session_id)
    if summary.session_reference_id is not None:
        summary.session_reference_id = _intern(summary.session_reference_id)
    error = summary.error
    if error is not None:
        if not isinstance(error, str):  # a number or boolean: shown as its JSON text
            error = json_scalar(error)
            if gaps is not None:
                gaps.append(f"field `error` should be a string, got {error} (shown as text)")
        summary.error = short(error, ERROR_CHARS)
    return summary


_any_json = msgspec.json.Decoder()


def _syntax_error(data: bytes | memoryview) -> str | None:
    """Why `data` is not JSON at all, if it is not (on the error path only)."""
    try:
        _any_json.decode(data)
    except msgspec.DecodeError as error:
        return _syntax_reason(error, data)
    except (RecursionError, UnicodeDecodeError):
        return None
    return None


def _syntax_reason(error: msgspec.DecodeError, data: bytes | memoryview) -> str:
    """A plain reason for a line that is not valid JSON."""
    text = str(error)
    if "truncated" in text:
        return "truncated JSON (the line ends early)"
    if b"\x00" in bytes(data):  # (the error path only: a copy costs nothing here)
        return "not valid JSON: NUL bytes in it (a crash can leave them)"
    return f"not valid JSON ({text.removeprefix('JSON is malformed: ')})"


def json_scalar(value: int | float | bool) -> str:
    """A number or boolean as JSON writes it (`true`, `3`, `1.5`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def plain_validation_error(text: str) -> str:
    """Turn msgspec's validation message into a plain reason naming the field."""
    message, _, where = text.partition(" - at `")
    where = where.rstrip("`")
    if message.startswith("Object missing required field `id`") and not where:
        return "record has no `id`"
    if message.startswith("Expected `object`, got") and not where:
        got = _json_name(message.rsplit("`", 2)[-2])
        return f"record is a JSON {got}, not a log object"
    field = where.removeprefix("$.") if where else "record"
    expected = message.removeprefix("Expected ")
    if "got" in expected:
        wanted, _, got = expected.partition(", got ")
        got = _json_name(got.strip("`"))
        if field in _SLOT_TYPES:  # its slot takes more types than the record may have
            return f"field `{field}` should be {_SLOT_TYPES[field]}, got {got}"
        wanted = _json_name(wanted.replace("`", "").removesuffix(" | null"))
        article = "an" if wanted[:1] in "aeiou" else "a"
        return f"field `{field}` should be {article} {wanted}, got {got}"
    return f"field `{field}`: {message}"


_JSON_NAMES = {"str": "string", "int": "number", "float": "number", "bool": "boolean"}


def _json_name(name: str) -> str:
    """msgspec's type name as JSON calls it (`str` -> `string`, `float` -> `number`)."""
    return _JSON_NAMES.get(name, name)
