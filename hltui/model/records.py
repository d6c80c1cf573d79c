"""Typed Humanloop v4 ``LogResponse`` models (dataclasses-json) with a lossless round trip.

Every class is a dataclass decorated with ``@dataclass_json(undefined=Undefined.INCLUDE)``
and has a ``CatchAll`` field named ``extra`` that keeps the keys the schema does not name.
On top of that, the ``_Record`` mixin guarantees::

    LogResponse.from_dict(x).to_dict() == x    # same keys, same order, same value types

dataclasses-json alone would not: it coerces values to the annotated type (``4`` becomes
``4.0`` in a ``float`` field, anything becomes ``str(...)`` in a ``str`` field), writes every
field (``null`` for keys that were absent), and puts unknown keys after the known ones.
So here:

* every field has a dataclasses-json *decoder*: ``_RAW`` fields keep the JSON value exactly
  as parsed; nested objects (``_one``/``_many``/configs/feedback) decode through their own
  class, so every level remembers its input;
* ``from_dict`` remembers the input's key order on each object (``_keys``);
* ``to_dict`` takes dataclasses-json's output and re-emits it in that order. Keys that were
  absent in the input stay absent while their value is ``None``; keys set later by code are
  appended. Objects made in code (``Feedback(type="rating", value="good")``) have no
  remembered keys, so they serialise their non-``None`` fields in field order.

Shapes that cannot be represented (a message that is not an object, ``config`` that is a
string, ...) raise ``RecordError`` with a plain-English reason. Everything else is lenient:
``null`` equals absent, unknown config types load as ``UnknownConfig``, and scalar fields
keep whatever JSON value they hold.

Notes: a decoded object shares raw sub-values (``inputs``, ``extra`` values, ...) with the
dict it came from, while ``to_dict`` returns fresh copies. Mutate records in place (or
``copy.deepcopy`` them): ``dataclasses.replace`` builds a new object through ``__init__``
and so forgets the input key order. A real key named ``extra`` is kept in ``extra``.
"""

import copy
import re
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from dataclasses_json import CatchAll, DataClassJsonMixin, Undefined, config, dataclass_json

_SLOT = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")  # `{{name}}` in a prompt template

__all__ = [
    "AgentConfig",
    "CallView",
    "ChatMessage",
    "Config",
    "Feedback",
    "GenericConfig",
    "LogResponse",
    "ModelConfig",
    "ProjectConfigResponse",
    "RecordError",
    "ToolCall",
    "ToolConfig",
    "UnknownConfig",
    "config_from_dict",
    "parse_log",
    "parse_timestamp",
]

_CATCH_ALL = "extra"  # the CatchAll field's name on every class
_CHECK = "hltui_check"  # field metadata key: shape check for nested values

R = TypeVar("R", bound="_Record")
Check = Callable[[Any, str], None]


class RecordError(ValueError):
    """A record does not fit the LogResponse shape; ``str(err)`` says why in plain English."""

    def __init__(self, reason: str, path: str = "") -> None:
        self.reason = reason
        self.path = path  # dotted field path, e.g. "messages[2].tool_call"; "" for the record
        super().__init__(f"field `{path}` {reason}" if path else reason)


def _json_type(value: Any) -> str:
    """The JSON name of a parsed value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _expect_object(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        raise RecordError(f"should be an object, got {_json_type(value)}", path)


def _expect_array(value: Any, path: str) -> None:
    if not isinstance(value, list):
        raise RecordError(f"should be an array, got {_json_type(value)}", path)


# --- field kinds -------------------------------------------------------------------------
# Every field is ``field(default=None, metadata=KIND)``; KIND is dataclasses-json config
# (decoder, and encoder for nested records) plus, for nested shapes, a check used to raise
# RecordError with the field's path before dataclasses-json sees the value.


def _identity(value: Any) -> Any:
    return value


def _encode(value: Any) -> Any:
    """dataclasses-json encoder for nested fields: records via their own ordered ``to_dict``."""
    if isinstance(value, _Record):
        return value.to_dict()
    if isinstance(value, list):
        return [_encode(item) for item in value]
    return copy.deepcopy(value)


def _nested(check: Check, decode: Callable[[Any], Any]) -> dict[str, Any]:
    """Metadata of a field holding records: ``check`` the raw value, ``decode`` it."""
    meta = config(decoder=decode, encoder=_encode)
    meta[_CHECK] = check
    return meta


def _check_one(cls: "type[_Record]", value: Any, path: str) -> None:
    _expect_object(value, path)
    cls._check(value, path)


def _one(cls: "type[_Record]") -> dict[str, Any]:
    """Metadata of a field holding one nested object of ``cls``."""
    return _nested(lambda value, path: _check_one(cls, value, path), cls._decode)


def _many(cls: "type[_Record]") -> dict[str, Any]:
    """Metadata of a field holding an array of objects of ``cls``."""

    def check(value: Any, path: str) -> None:
        _expect_array(value, path)
        for i, item in enumerate(value):
            _check_one(cls, item, f"{path}[{i}]")

    return _nested(check, lambda value: [cls._decode(item) for item in value])


def _check_config(value: Any, path: str) -> None:
    _check_one(_config_class(value), value, path)


def _check_configs(value: Any, path: str) -> None:
    _expect_array(value, path)
    for i, item in enumerate(value):
        _check_config(item, f"{path}[{i}]")


def _check_feedback(value: Any, path: str) -> None:
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_one(Feedback, item, f"{path}[{i}]")
    elif isinstance(value, dict):
        Feedback._check(value, path)
    else:
        raise RecordError(f"should be an object or an array, got {_json_type(value)}", path)


def _decode_feedback(value: Any) -> "Feedback | list[Feedback]":
    if isinstance(value, list):
        return [Feedback._decode(item) for item in value]
    return Feedback._decode(value)


# A scalar or free-form value, stored exactly as parsed (no int->float or str() coercion).
_RAW = config(decoder=_identity)
# A JSON array kept as raw values (e.g. OpenAI ``tool_calls``).
_RAW_LIST = {**config(decoder=_identity), _CHECK: _expect_array}
# One config / an array of configs, each class chosen by its ``type``.
_ONE_CONFIG = _nested(_check_config, lambda value: _decode_config(value))
_MANY_CONFIGS = _nested(_check_configs, lambda value: [_decode_config(item) for item in value])
# ``feedback``: one object or an array of them; which one it was is kept.
_FEEDBACK = _nested(_check_feedback, _decode_feedback)


# --- the mixin ---------------------------------------------------------------------------


class _Record:
    """Key order and presence on top of dataclasses-json (see the module docstring).

    ``@dataclass_json`` assigns its own ``from_dict``/``to_dict`` onto each class, so every
    record class is also decorated with ``@_ordered``, which puts these back.

    The private class attributes are deliberately not annotated: dataclasses-json calls
    ``typing.get_type_hints`` on the class several times per decoded object, and every
    annotation in the MRO adds to that cost.
    """

    extra: dict[str, Any]
    # Input key order of a decoded object; () for objects made in code. An instance attribute,
    # not a dataclass field, so equality and repr ignore it.
    _keys = ()
    # Filled in by @_ordered from the field definitions: (name, check) of nested fields, and
    # the fields without a default (code must pass them; decoding tolerates their absence).
    _checks = ()
    _required = ()

    @classmethod
    def from_dict(cls: type[R], kvs: Any, *, infer_missing: bool = False) -> R:
        """Decode a parsed JSON object; raise ``RecordError`` if it does not fit.

        ``infer_missing`` is accepted for dataclasses-json compatibility and ignored.
        """
        if not isinstance(kvs, dict):
            raise RecordError(f"a {cls.__name__} should be an object, got {_json_type(kvs)}")
        cls._check(kvs, "")
        return cls._decode(kvs)

    @classmethod
    def _check(cls, kvs: dict[str, Any], path: str) -> None:
        """Validate the shapes of nested fields (``kvs`` is known to be a dict)."""
        for name, check in cls._checks:
            value = kvs.get(name)
            if value is not None:
                check(value, _join(path, name))

    @classmethod
    def _decode(cls: type[R], kvs: dict[str, Any]) -> R:
        """Decode an already checked dict with dataclasses-json, remembering its keys."""
        data = kvs
        clash = _CATCH_ALL in kvs  # a real key named "extra": dataclasses-json would unpack it
        missing = [name for name in cls._required if name not in kvs]
        if clash or missing:
            data = {k: v for k, v in kvs.items() if k != _CATCH_ALL}
            data.update(dict.fromkeys(missing))
        obj = DataClassJsonMixin.from_dict.__func__(cls, data)  # type: ignore[attr-defined]
        if clash:  # put it back, keeping the unknown keys in input order
            unknown = obj.extra
            obj.extra = {k: v for k, v in kvs.items() if k in unknown or k == _CATCH_ALL}
        obj._keys = tuple(kvs)
        return obj

    def to_dict(self, encode_json: bool = False) -> dict[str, Any]:
        """The JSON object: input key order, absent keys left out, new keys appended."""
        out = DataClassJsonMixin.to_dict(self, encode_json)  # type: ignore[arg-type]
        ordered = {key: out.pop(key) for key in self._keys if key in out}
        extra = self.extra or {}
        for key, value in out.items():
            if value is not None or key in extra:
                ordered[key] = value
        return ordered

    def unknown_keys(self) -> dict[str, Any]:
        """The keys this object carries that the schema does not name."""
        return dict(self.extra or {})


def _ordered(cls: type[R]) -> type[R]:
    """Restore ``_Record``'s methods over dataclasses-json's and index the field kinds.

    Also puts back the plain dataclass ``__init__``: ``Undefined.INCLUDE`` wraps it in a
    catch-all ``__init__`` that re-splits known from unknown keys (two more
    ``get_type_hints`` calls) on every decoded object, which doubled decode time, although
    ``from_dict`` has already filled ``extra``. Code passes unknown keys as ``extra={...}``.
    """
    for name in ("from_dict", "to_dict"):
        delattr(cls, name)  # set on the class by @dataclass_json; fall back to _Record's
    cls.__init__ = cls.__init__.__wrapped__  # type: ignore[attr-defined]
    cls._checks = tuple((f.name, f.metadata[_CHECK]) for f in fields(cls) if _CHECK in f.metadata)
    cls._required = tuple(
        f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING
    )
    return cls


# --- timestamps --------------------------------------------------------------------------


def parse_timestamp(value: Any) -> datetime | None:
    """Parse an RFC 3339 / ISO 8601 string to an aware datetime (naive means UTC).

    Accepts ``Z``/``z``, ``+05:30``/``+0530`` offsets, a space for ``T`` and any number of
    fractional digits (beyond 6 are truncated). ``None`` for anything else.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text[-1:] == "z":
        text = text[:-1] + "Z"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


# --- models ------------------------------------------------------------------------------


@_ordered
@dataclass_json(undefined=Undefined.INCLUDE)
@dataclass
class ToolCall(_Record):
    """A function call made by the assistant (legacy ``tool_call``)."""

    name: str | None = field(metadata=_RAW)
    # Usually a JSON string; may be any JSON value.
    arguments: Any = field(default=None, metadata=_RAW)
    extra: CatchAll = field(default_factory=dict)


@dataclass(frozen=True)
class CallView:
    """One tool call of a message, from ``tool_call`` or OpenAI-style ``tool_calls``."""

    id: str | None
    name: str
    arguments: Any

    def parsed_arguments(self) -> Any:
        """``arguments`` decoded if it is a JSON string, else as it is."""
        if isinstance(self.arguments, str):
            try:
                return orjson.loads(self.arguments)
            except orjson.JSONDecodeError:
                return self.arguments
        return self.arguments

    def arguments_problem(self) -> str | None:
        """Why the arguments, a string that starts as JSON, do not decode (a reply cut off
        at `max_tokens` leaves them so); None when they do, or are not meant as JSON."""
        arguments = self.arguments
        if not isinstance(arguments, str) or arguments.lstrip()[:1] not in ("{", "["):
            return None
        try:
            orjson.loads(arguments)
        except orjson.JSONDecodeError as error:
            cut_off = "unexpected end of data" in str(error)  # (max_tokens, most often)
            return f"the arguments are not valid JSON ({error}){': cut off?' if cut_off else ''}"
        return None


def _short_url(url: str) -> str:
    """A ``data:`` URL shortened to its header and size; other URLs unchanged."""
    if url.startswith("data:") and len(url) > 80:
        head = url.split(",", 1)[0]
        return f"{head},... ({len(url)} chars)"
    return url


def _part_text(part: Any) -> str:
    """One content part as text: text parts as they are, others as ``[type: url]``."""
    if isinstance(part, str):
        return part
    if not isinstance(part, dict):
        return orjson.dumps(part).decode()
    kind = part.get("type")
    text = part.get("text")
    if isinstance(text, str) and kind in (None, "text"):
        return text
    label = kind if isinstance(kind, str) and kind else "part"
    payload = part.get(label)
    if isinstance(payload, dict):
        payload = payload.get("url")
    if isinstance(payload, str) and payload:
        return f"[{label}: {_short_url(payload)}]"
    return f"[{label}]"


@_ordered
@dataclass_json(undefined=Undefined.INCLUDE)
@dataclass
class ChatMessage(_Record):
    """A chat message; legacy (``tool_call``) and OpenAI (``tool_calls``, parts) shapes."""

    role: str | None = field(metadata=_RAW)
    # A string, a list of parts ({type: text, text}, {type: image_url, image_url}), or None.
    content: str | list[Any] | None = field(default=None, metadata=_RAW)
    name: str | None = field(default=None, metadata=_RAW)
    tool_call: ToolCall | None = field(default=None, metadata=_one(ToolCall))
    # Raw OpenAI items: {id, type: "function", function: {name, arguments}}.
    tool_calls: list[Any] | None = field(default=None, metadata=_RAW_LIST)
    tool_call_id: str | None = field(default=None, metadata=_RAW)
    extra: CatchAll = field(default_factory=dict)

    def text(self) -> str:
        """The content as text; parts joined by newlines, non-text parts as ``[type: url]``."""
        content = self.content
        if content is None:
            return ""
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            return "\n".join(_part_text(part) for part in content)
        return orjson.dumps(content).decode()

    def calls(self) -> list[CallView]:
        """All tool calls of the message: ``tool_call`` first, then ``tool_calls``."""
        views: list[CallView] = []
        if self.tool_call is not None:
            name = self.tool_call.name
            name = name if isinstance(name, str) else ""
            views.append(CallView(None, name, self.tool_call.arguments))
        for item in self.tool_calls or ():
            if not isinstance(item, dict):
                continue
            function = item.get("function")
            if not isinstance(function, dict):
                function = {}
            call_id, name = item.get("id"), function.get("name")
            views.append(
                CallView(
                    call_id if isinstance(call_id, str) else None,
                    name if isinstance(name, str) else "",
                    function.get("arguments"),
                )
            )
        return views


@_ordered
@dataclass_json(undefined=Undefined.INCLUDE)
@dataclass
class Feedback(_Record):
    """Feedback on a log: a rating, action, issue, correction, comment or custom type."""

    type: str | None = field(metadata=_RAW)
    value: str | int | float | None = field(metadata=_RAW)
    data_id: str | None = field(default=None, metadata=_RAW)
    user: str | None = field(default=None, metadata=_RAW)
    created_at: str | None = field(default=None, metadata=_RAW)
    id: str | None = field(default=None, metadata=_RAW)  # "ann_..." once stored
    extra: CatchAll = field(default_factory=dict)

    @property
    def created_at_dt(self) -> datetime | None:
        """``created_at`` parsed (aware; naive means UTC); ``None`` if absent or unparseable."""
        return parse_timestamp(self.created_at)


def _display(*candidates: Any) -> str:
    """The first non-empty string among ``candidates``, else ``"config"``."""
    for candidate in candidates:
        if isinstance(candidate, str) and candidate:
            return candidate
    return "config"


@_ordered
@dataclass_json(undefined=Undefined.INCLUDE)
@dataclass
class ModelConfig(_Record):
    """``type: "model"``: a model, its parameters and its prompt or chat template."""

    id: str | None = field(default=None, metadata=_RAW)
    type: str | None = field(default=None, metadata=_RAW)
    model: str | None = field(default=None, metadata=_RAW)
    name: str | None = field(default=None, metadata=_RAW)
    description: str | None = field(default=None, metadata=_RAW)
    provider: str | None = field(default=None, metadata=_RAW)
    endpoint: str | None = field(default=None, metadata=_RAW)
    max_tokens: int | None = field(default=None, metadata=_RAW)
    temperature: float | None = field(default=None, metadata=_RAW)
    top_p: float | None = field(default=None, metadata=_RAW)
    stop: str | list[str] | None = field(default=None, metadata=_RAW)
    presence_penalty: float | None = field(default=None, metadata=_RAW)
    frequency_penalty: float | None = field(default=None, metadata=_RAW)
    other: dict[str, Any] | None = field(default=None, metadata=_RAW)
    prompt_template: str | None = field(default=None, metadata=_RAW)
    chat_template: list[ChatMessage] | None = field(default=None, metadata=_many(ChatMessage))
    tool_configs: "list[Config] | None" = field(default=None, metadata=_MANY_CONFIGS)
    extra: CatchAll = field(default_factory=dict)

    def display_name(self) -> str:
        """The model name, else the config name, else the type."""
        return _display(self.model, self.name, self.type)


@_ordered
@dataclass_json(undefined=Undefined.INCLUDE)
@dataclass
class ToolConfig(_Record):
    """``type: "tool"``: a tool the model may call."""

    id: str | None = field(default=None, metadata=_RAW)
    type: str | None = field(default=None, metadata=_RAW)
    name: str | None = field(default=None, metadata=_RAW)
    description: str | None = field(default=None, metadata=_RAW)
    parameters: dict[str, Any] | None = field(default=None, metadata=_RAW)  # JSON Schema
    other: dict[str, Any] | None = field(default=None, metadata=_RAW)
    source: str | None = field(default=None, metadata=_RAW)
    setup_schema: dict[str, Any] | None = field(default=None, metadata=_RAW)
    signature: str | None = field(default=None, metadata=_RAW)
    is_preset: bool | None = field(default=None, metadata=_RAW)
    preset_name: str | None = field(default=None, metadata=_RAW)
    extra: CatchAll = field(default_factory=dict)

    def display_name(self) -> str:
        """The name, else the type."""
        return _display(self.name, self.type)


@_ordered
@dataclass_json(undefined=Undefined.INCLUDE)
@dataclass
class GenericConfig(_Record):
    """``type: "generic"``: a named config with free-form ``other``."""

    id: str | None = field(default=None, metadata=_RAW)
    type: str | None = field(default=None, metadata=_RAW)
    name: str | None = field(default=None, metadata=_RAW)
    description: str | None = field(default=None, metadata=_RAW)
    other: dict[str, Any] | None = field(default=None, metadata=_RAW)
    extra: CatchAll = field(default_factory=dict)

    def display_name(self) -> str:
        """The name, else the type."""
        return _display(self.name, self.type)


@_ordered
@dataclass_json(undefined=Undefined.INCLUDE)
@dataclass
class AgentConfig(_Record):
    """``type: "agent"``: an agent class with a model config and tools."""

    id: str | None = field(default=None, metadata=_RAW)
    type: str | None = field(default=None, metadata=_RAW)
    name: str | None = field(default=None, metadata=_RAW)
    agent_class: str | None = field(default=None, metadata=_RAW)
    # A model config without id.
    model_config: ModelConfig | None = field(default=None, metadata=_one(ModelConfig))
    description: str | None = field(default=None, metadata=_RAW)
    other: dict[str, Any] | None = field(default=None, metadata=_RAW)
    tools: "list[Config] | None" = field(default=None, metadata=_MANY_CONFIGS)
    extra: CatchAll = field(default_factory=dict)

    def display_name(self) -> str:
        """The name, else the type."""
        return _display(self.name, self.type)


@_ordered
@dataclass_json(undefined=Undefined.INCLUDE)
@dataclass
class UnknownConfig(_Record):
    """A config of a ``type`` this version does not know; everything else is in ``extra``."""

    id: str | None = field(default=None, metadata=_RAW)
    type: Any = field(default=None, metadata=_RAW)
    extra: CatchAll = field(default_factory=dict)

    def display_name(self) -> str:
        """``extra["name"]``, else the type."""
        return _display((self.extra or {}).get("name"), self.type)


Config = ModelConfig | ToolConfig | GenericConfig | AgentConfig | UnknownConfig

_CONFIG_CLASSES: dict[str, type[Any]] = {
    "model": ModelConfig,
    "tool": ToolConfig,
    "generic": GenericConfig,
    "agent": AgentConfig,
}


def _config_class(value: Any) -> type[Any]:
    kind = value.get("type") if isinstance(value, dict) else None
    return _CONFIG_CLASSES.get(kind, UnknownConfig) if isinstance(kind, str) else UnknownConfig


def _decode_config(value: dict[str, Any]) -> Config:
    return _config_class(value)._decode(value)


def config_from_dict(d: Any) -> Config:
    """Decode a config, its class chosen by ``type``; raise ``RecordError`` if it does not fit."""
    if not isinstance(d, dict):
        raise RecordError(f"a config should be an object, got {_json_type(d)}")
    return _config_class(d).from_dict(d)


@_ordered
@dataclass_json(undefined=Undefined.INCLUDE)
@dataclass
class ProjectConfigResponse(_Record):
    """``model_config``: the project-level record of a config and its usage."""

    project_id: str | None = field(default=None, metadata=_RAW)
    project_name: str | None = field(default=None, metadata=_RAW)
    created_at: str | None = field(default=None, metadata=_RAW)
    updated_at: str | None = field(default=None, metadata=_RAW)
    last_used: str | None = field(default=None, metadata=_RAW)
    config: Config | None = field(default=None, metadata=_ONE_CONFIG)
    feedback_stats: list[Any] | None = field(default=None, metadata=_RAW)
    num_datapoints: int | None = field(default=None, metadata=_RAW)
    experiment_id: str | None = field(default=None, metadata=_RAW)
    evaluation_aggregates: Any = field(default=None, metadata=_RAW)
    extra: CatchAll = field(default_factory=dict)


@_ordered
@dataclass_json(undefined=Undefined.INCLUDE)
@dataclass
class LogResponse(_Record):
    """One Humanloop v4 log. ``from_dict(x).to_dict() == x``, key order included."""

    id: str = field(metadata=_RAW)
    config: Config | None = field(default=None, metadata=_ONE_CONFIG)
    project: str | None = field(default=None, metadata=_RAW)
    project_id: str | None = field(default=None, metadata=_RAW)
    session_id: str | None = field(default=None, metadata=_RAW)
    session_reference_id: str | None = field(default=None, metadata=_RAW)
    parent_id: str | None = field(default=None, metadata=_RAW)
    parent_reference_id: str | None = field(default=None, metadata=_RAW)
    reference_id: str | None = field(default=None, metadata=_RAW)
    inputs: dict[str, Any] | None = field(default=None, metadata=_RAW)
    source: str | None = field(default=None, metadata=_RAW)
    metadata: dict[str, Any] | None = field(default=None, metadata=_RAW)
    trial_id: str | None = field(default=None, metadata=_RAW)
    messages: list[ChatMessage] | None = field(default=None, metadata=_many(ChatMessage))
    output: str | None = field(default=None, metadata=_RAW)
    feedback: Feedback | list[Feedback] | None = field(default=None, metadata=_FEEDBACK)
    # The original string, never rewritten; see created_at_dt.
    created_at: str | None = field(default=None, metadata=_RAW)
    error: str | None = field(default=None, metadata=_RAW)
    duration: float | None = field(default=None, metadata=_RAW)
    model_config: ProjectConfigResponse | None = field(
        default=None, metadata=_one(ProjectConfigResponse)
    )
    user: str | None = field(default=None, metadata=_RAW)
    provider_response: dict[str, Any] | str | None = field(default=None, metadata=_RAW)
    provider_latency: float | None = field(default=None, metadata=_RAW)
    raw_output: str | None = field(default=None, metadata=_RAW)
    finish_reason: str | None = field(default=None, metadata=_RAW)
    extra: CatchAll = field(default_factory=dict)

    @classmethod
    def _check(cls, kvs: dict[str, Any], path: str) -> None:
        ident = kvs.get("id")
        if ident is None:
            raise RecordError("is missing", _join(path, "id"))
        if not isinstance(ident, str):
            raise RecordError(f"should be a string, got {_json_type(ident)}", _join(path, "id"))
        super()._check(kvs, path)

    def filled_prompt(self) -> str | None:
        """The model config's `prompt_template` with its `{{name}}` slots filled from
        `inputs` (a slot with no input is left as it is); None without a template."""
        config = self.config
        template = config.prompt_template if isinstance(config, ModelConfig) else None
        if not isinstance(template, str):
            return None
        inputs = self.inputs if isinstance(self.inputs, dict) else {}

        def fill(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name not in inputs:
                return match.group(0)
            value = inputs[name]
            return value if isinstance(value, str) else orjson.dumps(value).decode()

        return _SLOT.sub(fill, template)

    def output_message(self) -> ChatMessage | None:
        """The reply as a chat message, from `output_message` (written by newer code;
        often the only output of a step that calls a tool), when it is one."""
        value = self.extra.get("output_message")
        if not isinstance(value, dict):
            return None
        try:
            return ChatMessage.from_dict(value)
        except (RecordError, ValueError, TypeError):
            return None

    def feedback_items(self) -> list[Feedback]:
        """The feedback as a list. A list ``feedback`` is returned itself, so appends stick."""
        if self.feedback is None:
            return []
        if isinstance(self.feedback, list):
            return self.feedback
        return [self.feedback]

    def add_feedback(self, item: Feedback) -> None:
        """Append ``item`` to ``feedback``, turning a single object or absence into a list."""
        if isinstance(self.feedback, list):
            self.feedback.append(item)
        else:
            self.feedback = [*self.feedback_items(), item]

    @property
    def created_at_dt(self) -> datetime | None:
        """``created_at`` parsed (aware; naive means UTC); ``None`` if absent or unparseable."""
        return parse_timestamp(self.created_at)


_BOM = "\ufeff"


def parse_log(raw: bytes | str) -> LogResponse:
    """Parse one JSON log (orjson) and decode it; ``RecordError`` if it is not a log."""
    if isinstance(raw, bytes | bytearray | memoryview):
        raw = bytes(raw).removeprefix(_BOM.encode())
    else:
        raw = raw.removeprefix(_BOM)
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        raise RecordError(f"not valid JSON: {err}") from err
    return LogResponse.from_dict(data)
