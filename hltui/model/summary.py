"""The compact per-log summary and its fast partial decoder (the bulk path).

Only the fields the tree, filters, status bar and stats need are decoded, by a typed
msgspec decoder that skips everything else; the full record is decoded on demand.
"""

from __future__ import annotations

import math
import sys
from datetime import UTC, datetime

import msgspec
import orjson

PREVIEW_CHARS = 80


class _ConfigFields(msgspec.Struct):
    type: str | None = None
    model: str | None = None
    name: str | None = None


class _MessageFields(msgspec.Struct):
    role: str | None = None
    content: msgspec.Raw = msgspec.Raw(b"null")


class _IndexFields(msgspec.Struct):
    """The fields of a LogResponse that the index keeps; the rest is skipped unread."""

    id: str
    config: _ConfigFields | None = None
    project: str | None = None
    session_id: str | None = None
    session_reference_id: str | None = None
    parent_id: str | None = None
    parent_reference_id: str | None = None
    reference_id: str | None = None
    created_at: str | None = None
    error: str | None = None
    duration: float | None = None
    output: str | None = None
    messages: list[_MessageFields] | None = None
    feedback: msgspec.Raw = msgspec.Raw(b"null")


_decoder = msgspec.json.Decoder(_IndexFields)

FeedbackPairs = tuple[tuple[str, str | int | float], ...]


class LogSummary(msgspec.Struct, gc=False):
    """What the index holds for one log (a few hundred bytes), plus where its bytes live."""

    id: str
    file: int
    offset: int
    length: int
    line: int
    seq: int
    time: float
    session_id: str | None
    session_reference_id: str | None
    parent_id: str | None
    parent_reference_id: str | None
    reference_id: str | None
    project: str | None
    config_type: str | None
    model: str | None
    error: str | None
    duration: float | None
    feedback: FeedbackPairs | None
    prompt: str | None
    preview: str | None

    @property
    def has_error(self) -> bool:
        return self.error is not None

    @property
    def feedback_count(self) -> int:
        return len(self.feedback) if self.feedback else 0

    @property
    def created(self) -> datetime | None:
        return None if math.isnan(self.time) else datetime.fromtimestamp(self.time, UTC)


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
    """The first `limit` characters of `text` on one line."""
    if not text:
        return None
    head = text[: limit * 2] if len(text) > limit * 2 else text
    return " ".join(head.split())[:limit]


def _message_text(raw: msgspec.Raw) -> str | None:
    value = orjson.loads(memoryview(raw))
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = [p.get("text") for p in value if isinstance(p, dict)]
        return " ".join(t for t in texts if isinstance(t, str)) or None
    return None


def _first_user_text(messages: list[_MessageFields] | None) -> str | None:
    for message in messages or ():
        if message.role == "user":
            try:
                return _message_text(message.content)
            except orjson.JSONDecodeError:
                return None
    return None


def _feedback_pairs(raw: msgspec.Raw) -> FeedbackPairs | None:
    data = memoryview(raw)
    if data == b"null":
        return None
    value = orjson.loads(data)
    items = value if isinstance(value, list) else [value]
    pairs = []
    for item in items:
        if not isinstance(item, dict):
            raise SummaryError("field `feedback` should hold objects")
        kind = item.get("type")
        val = item.get("value")
        if isinstance(kind, str) and isinstance(val, str | int | float):
            pairs.append((sys.intern(kind), val))
    return tuple(pairs) or None


_interned: dict[str, str] = {}


def _intern(value: str | None) -> str | None:
    """Share one string object for values repeated across logs (projects, models, sessions)."""
    if value is None:
        return None
    return _interned.setdefault(value, value)


def decode_summary(
    data: bytes | memoryview, *, file: int, offset: int, length: int, line: int, seq: int
) -> LogSummary:
    """The summary of one raw record; raises SummaryError with a plain reason if unfit."""
    try:
        fields = _decoder.decode(data)
    except msgspec.ValidationError as error:
        raise SummaryError(plain_validation_error(str(error))) from None
    except msgspec.DecodeError as error:
        text = str(error)
        if "truncated" in text:
            raise SummaryError("truncated JSON (the line ends early)") from None
        raise SummaryError(f"not valid JSON ({text.removeprefix('JSON is malformed: ')})") from None
    except UnicodeDecodeError:
        raise SummaryError("not valid UTF-8 text") from None
    config = fields.config
    model = None
    if config is not None:
        model = config.model if config.type in (None, "model") and config.model else config.name
    try:
        prompt = short(_first_user_text(fields.messages))
        feedback = _feedback_pairs(fields.feedback)
    except orjson.JSONDecodeError:
        raise SummaryError("not valid UTF-8 text") from None
    return LogSummary(
        id=fields.id,
        file=file,
        offset=offset,
        length=length,
        line=line,
        seq=seq,
        time=parse_time(fields.created_at),
        session_id=_intern(fields.session_id),
        session_reference_id=_intern(fields.session_reference_id),
        parent_id=fields.parent_id,
        parent_reference_id=fields.parent_reference_id,
        reference_id=fields.reference_id,
        project=_intern(fields.project),
        config_type=_intern(config.type) if config else None,
        model=_intern(model),
        error=short(fields.error) if fields.error is not None else None,
        duration=fields.duration,
        feedback=feedback,
        prompt=prompt,
        preview=short(fields.output),
    )


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
        wanted = _json_name(wanted.replace("`", "").removesuffix(" | null"))
        article = "an" if wanted[:1] in "aeiou" else "a"
        return f"field `{field}` should be {article} {wanted}, got {_json_name(got.strip('`'))}"
    return f"field `{field}`: {message}"


_JSON_NAMES = {"str": "string", "int": "number", "float": "number", "bool": "boolean"}


def _json_name(name: str) -> str:
    """msgspec's type name as JSON calls it (`str` -> `string`, `float` -> `number`)."""
    return _JSON_NAMES.get(name, name)
