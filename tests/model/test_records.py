"""Tests for hltui.model.records: typed LogResponse models with a lossless round trip."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest

from hltui.model.records import (
    AgentConfig,
    CallView,
    ChatMessage,
    Feedback,
    GenericConfig,
    LogResponse,
    ModelConfig,
    ProjectConfigResponse,
    RecordError,
    ToolCall,
    ToolConfig,
    UnknownConfig,
    config_from_dict,
    parse_log,
    parse_timestamp,
)

SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"

# Hand-written records, as JSON text so that ints vs floats and key order are exactly as in a
# file. Raw strings: JSON escapes such as \u001b must reach the JSON parser unchanged.
RECORDS: dict[str, str] = {
    # Classic v4: model config with chat template and tool configs, legacy tool_call,
    # single feedback object, a full model_config, int duration, six fractional digits.
    "legacy_chat": r"""{
      "id": "data_7Gx2kQ",
      "config": {
        "id": "config_Ab12",
        "type": "model",
        "model": "gpt-4",
        "name": "support-bot",
        "description": null,
        "provider": "openai",
        "endpoint": "chat",
        "max_tokens": -1,
        "temperature": 0.7,
        "top_p": 1,
        "stop": ["\n\nUser:", "</s>"],
        "presence_penalty": 0.0,
        "frequency_penalty": 0,
        "other": {"logit_bias": {"50256": -100}},
        "chat_template": [
          {"role": "system", "content": "You help {{customer_name}}.", "x_template_note": 1},
          {"role": "user", "content": "{{question}}"}
        ],
        "tool_configs": [
          {
            "id": "tool_9f",
            "type": "tool",
            "name": "get_order",
            "description": "Look up an order",
            "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}},
            "source_code": "def get_order(order_id): ...",
            "is_preset": false
          }
        ]
      },
      "project": "support",
      "project_id": "pr_Qw3",
      "session_id": "sesh_11",
      "session_reference_id": "conv-42",
      "parent_id": null,
      "reference_id": "turn-1",
      "inputs": {"customer_name": "Ada", "question": "Where is order 17?"},
      "source": "api",
      "metadata": {"env": "prod", "retries": 0, "ratio": 1.0},
      "messages": [
        {"role": "system", "content": "You help Ada."},
        {"role": "user", "content": "Where is order 17?", "name": null},
        {
          "role": "assistant",
          "content": null,
          "tool_call": {"name": "get_order", "arguments": "{\"order_id\": \"17\"}", "id": "x1"}
        },
        {"role": "tool", "content": "{\"status\": \"shipped\"}", "name": "get_order"}
      ],
      "output": "Order 17 has shipped.",
      "feedback": {
        "type": "rating",
        "value": "good",
        "data_id": "data_7Gx2kQ",
        "user": "rev@example.com",
        "created_at": "2024-03-01T12:05:00Z",
        "source": "hltui"
      },
      "created_at": "2024-03-01T12:00:07.123456+00:00",
      "error": null,
      "duration": 4,
      "model_config": {
        "project_id": "pr_Qw3",
        "project_name": "support",
        "created_at": "2024-01-02T00:00:00Z",
        "updated_at": "2024-02-02T00:00:00Z",
        "last_used": "2024-03-01T12:00:07Z",
        "config": {
          "id": "config_Ab12",
          "type": "model",
          "model": "gpt-4",
          "chat_template": [{"role": "user", "content": "{{question}}", "weight": 2.5}],
          "tool_configs": []
        },
        "feedback_stats": [
          {"feedback_type_id": "ft_1", "feedback_type": "rating", "feedback_value": "good",
           "feedback_count": 12}
        ],
        "num_datapoints": 340,
        "experiment_id": null,
        "evaluation_aggregates": null,
        "status": "deployed"
      },
      "user": "dev@example.com",
      "provider_response": {
        "id": "chatcmpl-1",
        "usage": {"prompt_tokens": 57, "completion_tokens": 9, "total_tokens": 66}
      },
      "provider_latency": 1.25,
      "raw_output": "Order 17 has shipped.",
      "finish_reason": "stop"
    }""",
    # Late v4 server: feedback list with ids, content parts, tool_calls + tool_call_id,
    # evaluation_results holding a whole nested log, provider_response as a string.
    "late_v4_openai_shapes": r"""{
      "id": "data_late1",
      "config": {
        "id": "config_L1",
        "type": "model",
        "model": "gpt-4o",
        "provider": "openai",
        "endpoint": "chat",
        "temperature": 1,
        "seed": 1234,
        "tools": [{"type": "function", "function": {"name": "lookup"}}]
      },
      "project": "vision",
      "messages": [
        {
          "role": "user",
          "content": [
            {"type": "text", "text": "What is in this picture?"},
            {"type": "image_url",
             "image_url": {"url": "https://img.example.com/a.png", "detail": "low"}}
          ]
        },
        {
          "role": "assistant",
          "content": null,
          "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "lookup", "arguments": "{\"q\": \"cat\"}"}},
            {"id": "call_2", "type": "function",
             "function": {"name": "lookup", "arguments": "{\"q\": \"dog\"}"}}
          ]
        },
        {"role": "tool", "content": "a cat", "tool_call_id": "call_1"},
        {"role": "tool", "content": "no dog", "tool_call_id": "call_2", "name": "lookup"}
      ],
      "output": "A cat on a sofa.",
      "output_message": {"role": "assistant", "content": "A cat on a sofa."},
      "feedback": [
        {"type": "rating", "value": "good", "data_id": "data_late1", "id": "ann_1",
         "created_at": "2024-05-01T10:00:00Z", "sentiment": "positive"},
        {"type": "correction", "value": "A tabby cat on a sofa.", "id": "ann_2"},
        {"type": "score", "value": 4.0, "id": "ann_3"},
        {"type": "score", "value": 4, "id": "ann_4"}
      ],
      "created_at": "2024-05-01T09:59:58Z",
      "duration": 4.0,
      "provider_response": "{\"id\": \"chatcmpl-9\", \"object\": \"chat.completion\"}",
      "provider_latency": 2,
      "finish_reason": "tool_calls",
      "observability_status": "completed",
      "prompt_tokens": 812,
      "output_tokens": 7,
      "prompt_cost": 0.00406,
      "output_cost": 0.000105,
      "tool_choice": "auto",
      "batch_ids": ["batch_1", "batch_2"],
      "evaluation_results": [
        {
          "id": "evrun_1",
          "evaluator_id": "ev_1",
          "result": true,
          "log": {
            "id": "data_evallog",
            "config": {"id": "config_ev", "type": "evaluator", "name": "exact",
                       "arguments_type": "x"},
            "output": "true",
            "created_at": "2024-05-01T10:00:01.5Z"
          }
        }
      ]
    }""",
    # A tool config log with a naive timestamp and many explicit nulls.
    "tool_config": r"""{
      "id": "data_tool1",
      "config": {
        "id": "config_T1",
        "type": "tool",
        "name": "calculator",
        "description": "Adds numbers",
        "parameters": {"type": "object", "properties": {"a": {"type": "number"}}},
        "other": null,
        "source": "def add(a, b):\n\treturn a + b\n",
        "setup_schema": null,
        "signature": "add(a: float, b: float) -> float",
        "is_preset": false,
        "preset_name": null
      },
      "inputs": {"a": 1, "b": 2.5},
      "output": "3.5",
      "feedback": null,
      "created_at": "2024-03-01T12:00:07",
      "error": null,
      "duration": 0.002,
      "model_config": null,
      "provider_response": null
    }""",
    # Generic config, +05:30 offset with three fractional digits.
    "generic_config": r"""{
      "id": "data_gen1",
      "config": {
        "id": "config_G1",
        "type": "generic",
        "name": "retriever",
        "description": "BM25 over the docs",
        "other": {"k": 8, "index": "docs-v3"},
        "owner": "search-team"
      },
      "inputs": {},
      "source": "langchain",
      "output": "3 documents",
      "created_at": "2024-03-01T17:30:07.250+05:30"
    }""",
    # Agent with a nested model_config (no id) and tools, nine fractional digits.
    "agent_config": r"""{
      "id": "data_agent1",
      "config": {
        "id": "config_Ag1",
        "type": "agent",
        "name": "planner",
        "agent_class": "ReActAgent",
        "model_config": {
          "type": "model",
          "model": "claude-2",
          "provider": "anthropic",
          "max_tokens": 1024,
          "temperature": 0,
          "stop": "\n\nHuman:",
          "prompt_template": "\n\nHuman: {{task}}\n\nAssistant:",
          "chat_template": null,
          "thinking": {"budget": 0}
        },
        "description": null,
        "other": {"max_steps": 6},
        "tools": [
          {"id": "tool_s", "type": "tool", "name": "search", "parameters": {}, "extra_flag": true},
          {"type": "code_interpreter", "version": 2}
        ]
      },
      "session_id": "sesh_agent",
      "parent_id": "data_agent0",
      "parent_reference_id": "step-0",
      "reference_id": "step-1",
      "trial_id": "trial_3",
      "output": "Plan: search, then answer.",
      "created_at": "2024-03-01T12:00:07.123456789Z",
      "provider_latency": 0.5
    }""",
    # Unknown config type (evaluator); an error log with no output and no created_at.
    "unknown_config_error": r"""{
      "config": {
        "id": "config_E1",
        "type": "evaluator",
        "name": "toxicity",
        "arguments_type": "target_free",
        "evaluator_code": {"language": "python", "code": "def f(x): return 0"},
        "return_type": "number"
      },
      "id": "data_err1",
      "project": "moderation",
      "inputs": {"text": "hello"},
      "output": null,
      "error": "RateLimitError: 429 Too Many Requests",
      "duration": 30,
      "finish_reason": null
    }""",
    # Text that breaks naive renderers, keys in an unusual order, and real keys named
    # "extra" (the CatchAll field's name) at the top level and inside a message.
    "weird_text": r"""{
      "created_at": "2024-03-01T12:00:07.1z",
      "extra": {"note": "a real key named extra"},
      "messages": [
        {"content": "<s>[INST] <<SYS>>be brief<</SYS>> hi [/INST]", "role": "user",
         "extra": "also a real key"},
        {"role": "assistant",
         "content": "\u001b[31mred\u001b[0m [bold]not markup[/bold] [link=http://x]y[/link]"},
        {"role": "user", "content": "emoji 👩‍👩‍👧 مرحبا zero\u200bwidth\r\nCRLF\ttab"}
      ],
      "output": "[/INST] \u001b[1mbold\u001b[0m 🎉",
      "config": {"type": "model", "model": "llama-2-70b", "id": "config_W",
                 "provider": "replicate"},
      "id": "data_weird",
      "metadata": {"🔑": "✓", "nested": {"deep": [1, 2.0, null, true, {"x": []}]}}
    }""",
    # Every optional field null.
    "all_nulls": r"""{
      "id": "data_nulls",
      "config": {
        "id": "config_N",
        "type": "model",
        "model": null,
        "name": null,
        "description": null,
        "provider": null,
        "endpoint": null,
        "max_tokens": null,
        "temperature": null,
        "top_p": null,
        "stop": null,
        "presence_penalty": null,
        "frequency_penalty": null,
        "other": null,
        "prompt_template": null,
        "chat_template": null,
        "tool_configs": null
      },
      "project": null,
      "project_id": null,
      "session_id": null,
      "session_reference_id": null,
      "parent_id": null,
      "parent_reference_id": null,
      "reference_id": null,
      "inputs": null,
      "source": null,
      "metadata": null,
      "trial_id": null,
      "messages": null,
      "output": null,
      "feedback": null,
      "created_at": null,
      "error": null,
      "duration": null,
      "model_config": null,
      "user": null,
      "provider_response": null,
      "provider_latency": null,
      "raw_output": null,
      "finish_reason": null
    }""",
    # The least a record can be.
    "minimal": r"""{"id": "data_min",
      "config": {"id": "config_M", "type": "model", "model": "gpt-4"}}""",
    # Nulls inside nested objects, empty lists, and messages whose keys are mostly absent.
    "nested_nulls": r"""{
      "id": "data_nn",
      "config": {"id": "config_NN", "type": "model", "model": "gpt-3.5-turbo",
                 "chat_template": [], "tool_configs": [{"id": "t", "type": "tool", "name": "x",
                 "parameters": null}]},
      "messages": [
        {"role": "assistant", "tool_call": {"name": "x", "arguments": {"already": "parsed"}}},
        {"role": "assistant", "tool_call": null, "tool_calls": null, "tool_call_id": null},
        {"role": "tool", "tool_call_id": "call_0"},
        {"role": "user", "content": []}
      ],
      "feedback": [],
      "model_config": {"config": {"type": "generic", "name": "g"}, "feedback_stats": null}
    }""",
}


def _assert_round_trip(raw: dict[str, Any]) -> LogResponse:
    """Decode and re-encode ``raw``: same dict and the same JSON bytes (order, int/float)."""
    log = LogResponse.from_dict(raw)
    out = log.to_dict()
    assert out == raw
    assert orjson.dumps(out) == orjson.dumps(raw)
    return log


def _load(name: str) -> dict[str, Any]:
    return orjson.loads(RECORDS[name])


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_round_trip_is_lossless(name: str) -> None:
    raw = _load(name)
    log = _assert_round_trip(raw)
    # A second trip from the output is just as exact, and decodes to an equal object.
    again = LogResponse.from_dict(log.to_dict())
    assert again == log
    assert orjson.dumps(again.to_dict()) == orjson.dumps(raw)


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_parse_log_accepts_bytes_str_and_a_bom(name: str) -> None:
    text = RECORDS[name]
    expected = orjson.dumps(orjson.loads(text))
    for raw in (text, text.encode(), "\ufeff" + text, b"\xef\xbb\xbf" + text.encode()):
        assert orjson.dumps(parse_log(raw).to_dict()) == expected


def test_to_dict_output_does_not_share_state_with_the_log() -> None:
    log = LogResponse.from_dict(_load("legacy_chat"))
    out = log.to_dict()
    out["inputs"]["customer_name"] = "Mallory"
    out["messages"].clear()
    out["config"]["other"]["logit_bias"].clear()
    assert log.to_dict() == _load("legacy_chat")


def test_legacy_record_decodes_to_typed_objects() -> None:
    log = LogResponse.from_dict(_load("legacy_chat"))
    assert isinstance(log.config, ModelConfig)
    assert log.config.max_tokens == -1
    assert log.config.stop == ["\n\nUser:", "</s>"]
    # No coercion by dataclasses-json: ints stay ints in float-typed fields and vice versa.
    assert type(log.duration) is int
    assert type(log.config.top_p) is int
    assert type(log.config.presence_penalty) is float
    assert [type(m) for m in log.messages or []] == [ChatMessage] * 4
    assert log.config.chat_template is not None
    assert log.config.chat_template[0].extra == {"x_template_note": 1}
    assert log.config.tool_configs is not None
    tool = log.config.tool_configs[0]
    assert isinstance(tool, ToolConfig)
    assert tool.is_preset is False
    assert tool.unknown_keys() == {"source_code": "def get_order(order_id): ..."}
    assert log.messages is not None
    call = log.messages[2].tool_call
    assert isinstance(call, ToolCall)
    assert call.extra == {"id": "x1"}
    assert isinstance(log.feedback, Feedback)
    assert log.feedback.extra == {"source": "hltui"}
    assert isinstance(log.model_config, ProjectConfigResponse)
    assert isinstance(log.model_config.config, ModelConfig)
    assert log.model_config.config.tool_configs == []
    assert log.model_config.unknown_keys() == {"status": "deployed"}
    assert log.provider_response == {
        "id": "chatcmpl-1",
        "usage": {"prompt_tokens": 57, "completion_tokens": 9, "total_tokens": 66},
    }
    assert log.unknown_keys() == {}


def test_late_v4_record_keeps_extra_top_level_keys_in_order() -> None:
    log = LogResponse.from_dict(_load("late_v4_openai_shapes"))
    assert list(log.unknown_keys()) == [
        "output_message",
        "observability_status",
        "prompt_tokens",
        "output_tokens",
        "prompt_cost",
        "output_cost",
        "tool_choice",
        "batch_ids",
        "evaluation_results",
    ]
    nested = log.unknown_keys()["evaluation_results"][0]["log"]
    assert LogResponse.from_dict(nested).to_dict() == nested
    assert isinstance(log.config, ModelConfig)
    assert log.config.unknown_keys() == {
        "seed": 1234,
        "tools": [{"type": "function", "function": {"name": "lookup"}}],
    }
    assert log.provider_response == '{"id": "chatcmpl-9", "object": "chat.completion"}'
    assert isinstance(log.feedback, list)
    assert [type(f.value) for f in log.feedback] == [str, str, float, int]
    assert log.feedback[0].unknown_keys() == {"sentiment": "positive"}


def test_every_config_kind_is_told_apart_by_type() -> None:
    kinds = {
        "legacy_chat": ModelConfig,
        "tool_config": ToolConfig,
        "generic_config": GenericConfig,
        "agent_config": AgentConfig,
        "unknown_config_error": UnknownConfig,
    }
    for name, cls in kinds.items():
        log = LogResponse.from_dict(_load(name))
        assert type(log.config) is cls, name
        assert config_from_dict(_load(name)["config"]) == log.config


def test_agent_config_nests_a_model_config_and_tools() -> None:
    config = LogResponse.from_dict(_load("agent_config")).config
    assert isinstance(config, AgentConfig)
    assert config.agent_class == "ReActAgent"
    assert isinstance(config.model_config, ModelConfig)
    assert config.model_config.id is None
    assert config.model_config.stop == "\n\nHuman:"
    assert config.model_config.extra == {"thinking": {"budget": 0}}
    assert config.model_config.display_name() == "claude-2"
    assert config.tools is not None
    search, interpreter = config.tools
    assert isinstance(search, ToolConfig)
    assert search.extra == {"extra_flag": True}
    assert isinstance(interpreter, UnknownConfig)
    assert interpreter.extra == {"version": 2}
    assert interpreter.display_name() == "code_interpreter"


def test_unknown_config_keeps_everything_in_extra() -> None:
    config = LogResponse.from_dict(_load("unknown_config_error")).config
    assert isinstance(config, UnknownConfig)
    assert (config.id, config.type) == ("config_E1", "evaluator")
    assert list(config.extra) == ["name", "arguments_type", "evaluator_code", "return_type"]
    assert config.display_name() == "toxicity"


@pytest.mark.parametrize(
    ("raw", "cls", "display"),
    [
        ({"type": "model", "model": "gpt-4", "name": "bot"}, ModelConfig, "gpt-4"),
        ({"type": "model", "name": "bot"}, ModelConfig, "bot"),
        ({"type": "model"}, ModelConfig, "model"),
        ({"type": "tool", "name": "calc"}, ToolConfig, "calc"),
        ({"type": "generic", "name": None}, GenericConfig, "generic"),
        ({"type": "agent", "name": "planner", "agent_class": "X"}, AgentConfig, "planner"),
        ({"type": "evaluator", "name": "judge"}, UnknownConfig, "judge"),
        ({"name": "no type at all"}, UnknownConfig, "no type at all"),
        ({"type": 3}, UnknownConfig, "config"),
        ({"type": ["model"]}, UnknownConfig, "config"),
    ],
)
def test_config_from_dict_dispatch_and_display_name(
    raw: dict[str, Any], cls: type, display: str
) -> None:
    config = config_from_dict(raw)
    assert type(config) is cls
    assert config.display_name() == display
    assert config.to_dict() == raw
    assert orjson.dumps(config.to_dict()) == orjson.dumps(raw)


def test_null_and_absent_are_both_kept() -> None:
    nulls = _assert_round_trip(_load("all_nulls"))
    minimal = _assert_round_trip(_load("minimal"))
    # The same Python values, yet each serialises back to its own shape.
    assert nulls.output is None and minimal.output is None
    assert nulls.messages is None and minimal.messages is None
    assert "output" in nulls.to_dict()
    assert "output" not in minimal.to_dict()
    assert list(minimal.to_dict()) == ["id", "config"]


def test_nested_nulls_and_odd_but_valid_shapes() -> None:
    log = _assert_round_trip(_load("nested_nulls"))
    assert log.feedback == []
    assert log.feedback_items() == []
    assert log.messages is not None
    assert log.messages[0].calls() == [CallView(None, "x", {"already": "parsed"})]
    assert log.messages[1].calls() == []
    assert log.messages[3].text() == ""
    assert isinstance(log.model_config, ProjectConfigResponse)
    assert isinstance(log.model_config.config, GenericConfig)


def test_weird_text_and_keys_named_extra_survive() -> None:
    raw = _load("weird_text")
    log = _assert_round_trip(raw)
    assert log.unknown_keys() == {"extra": {"note": "a real key named extra"}}
    message = ChatMessage.from_dict({"role": "user", "a": 1, "extra": 2, "b": 3})
    assert list(message.unknown_keys()) == ["a", "extra", "b"]
    assert log.messages is not None
    first = log.messages[0]
    assert first.unknown_keys() == {"extra": "also a real key"}
    assert first.text() == "<s>[INST] <<SYS>>be brief<</SYS>> hi [/INST]"
    assert "\x1b[31mred\x1b[0m" in log.messages[1].text()
    assert log.messages[2].text() == "emoji 👩‍👩‍👧 مرحبا zero\u200bwidth\r\nCRLF\ttab"
    assert log.output == "[/INST] \x1b[1mbold\x1b[0m 🎉"
    assert list(log.to_dict()) == list(raw)  # created_at, extra, messages, ... id, metadata


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01T12:00:07.123456+00:00", datetime(2024, 3, 1, 12, 0, 7, 123456, UTC)),
        ("2024-03-01T12:00:07Z", datetime(2024, 3, 1, 12, 0, 7, tzinfo=UTC)),
        ("2024-03-01T12:00:07.1z", datetime(2024, 3, 1, 12, 0, 7, 100000, UTC)),
        ("2024-03-01T17:30:07.250+05:30", datetime(2024, 3, 1, 12, 0, 7, 250000, UTC)),
        ("2024-03-01T12:00:07", datetime(2024, 3, 1, 12, 0, 7, tzinfo=UTC)),
        ("2024-03-01T12:00:07.123456789Z", datetime(2024, 3, 1, 12, 0, 7, 123456, UTC)),
        ("2024-03-01 12:00:07-0800", datetime(2024, 3, 1, 20, 0, 7, tzinfo=UTC)),
        ("2024-03-01", datetime(2024, 3, 1, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        ("2024-13-01T00:00:00Z", None),
        (1709294407, None),
        (None, None),
    ],
)
def test_parse_timestamp(text: Any, expected: datetime | None) -> None:
    parsed = parse_timestamp(text)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is not None


@pytest.mark.parametrize(
    ("name", "created_at", "expected"),
    [
        (
            "legacy_chat",
            "2024-03-01T12:00:07.123456+00:00",
            datetime(2024, 3, 1, 12, 0, 7, 123456, UTC),
        ),
        ("late_v4_openai_shapes", "2024-05-01T09:59:58Z", datetime(2024, 5, 1, 9, 59, 58, 0, UTC)),
        ("tool_config", "2024-03-01T12:00:07", datetime(2024, 3, 1, 12, 0, 7, 0, UTC)),
        (
            "generic_config",
            "2024-03-01T17:30:07.250+05:30",
            datetime(2024, 3, 1, 12, 0, 7, 250000, UTC),
        ),
        (
            "agent_config",
            "2024-03-01T12:00:07.123456789Z",
            datetime(2024, 3, 1, 12, 0, 7, 123456, UTC),
        ),
        ("unknown_config_error", None, None),
        ("all_nulls", None, None),
    ],
)
def test_created_at_is_kept_as_written_and_parsed(
    name: str, created_at: str | None, expected: datetime | None
) -> None:
    log = LogResponse.from_dict(_load(name))
    assert log.created_at == created_at
    assert log.to_dict().get("created_at") == created_at
    assert log.created_at_dt == expected


def test_created_at_dt_keeps_the_offset_and_sorts_by_instant() -> None:
    stamps = [
        "2024-03-01T12:00:07.9",  # naive: UTC, the latest
        "2024-03-01T17:30:07.250+05:30",  # 12:00:07.25 UTC
        "2024-03-01T12:00:07Z",  # the earliest
    ]
    logs = [LogResponse(id=f"data_{i}", created_at=s) for i, s in enumerate(stamps)]
    offset = logs[1].created_at_dt
    assert offset is not None
    assert offset.utcoffset() == timedelta(hours=5, minutes=30)
    assert offset.tzinfo == timezone(timedelta(hours=5, minutes=30))
    in_time = sorted(logs, key=lambda log: log.created_at_dt or datetime.min.replace(tzinfo=UTC))
    assert [log.id for log in in_time] == ["data_2", "data_1", "data_0"]
    # Sorting the strings would get it wrong.
    assert sorted(stamps) != [log.created_at for log in in_time]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "a LogResponse should be an object, got array"),
        ("data_1", "a LogResponse should be an object, got string"),
        (None, "a LogResponse should be an object, got null"),
        ({}, "field `id` is missing"),
        ({"id": None, "config": {}}, "field `id` is missing"),
        ({"id": 17}, "field `id` should be a string, got number"),
        ({"id": ["data_1"]}, "field `id` should be a string, got array"),
        ({"id": "d", "config": "gpt-4"}, "field `config` should be an object, got string"),
        ({"id": "d", "config": []}, "field `config` should be an object, got array"),
        (
            {"id": "d", "messages": {"role": "user"}},
            "field `messages` should be an array, got object",
        ),
        ({"id": "d", "messages": ["hi"]}, "field `messages[0]` should be an object, got string"),
        (
            {"id": "d", "messages": [{"role": "user"}, {"role": "assistant", "tool_call": "f()"}]},
            "field `messages[1].tool_call` should be an object, got string",
        ),
        (
            {"id": "d", "messages": [{"role": "assistant", "tool_calls": {"id": "c"}}]},
            "field `messages[0].tool_calls` should be an array, got object",
        ),
        (
            {"id": "d", "feedback": "good"},
            "field `feedback` should be an object or an array, got string",
        ),
        (
            {"id": "d", "feedback": [{"type": "rating", "value": "good"}, 5]},
            "field `feedback[1]` should be an object, got number",
        ),
        (
            {"id": "d", "model_config": True},
            "field `model_config` should be an object, got boolean",
        ),
        (
            {"id": "d", "model_config": {"config": {"type": "model", "chat_template": [None]}}},
            "field `model_config.config.chat_template[0]` should be an object, got null",
        ),
        (
            {"id": "d", "config": {"type": "model", "tool_configs": "calc"}},
            "field `config.tool_configs` should be an array, got string",
        ),
        (
            {"id": "d", "config": {"type": "model", "tool_configs": [1.5]}},
            "field `config.tool_configs[0]` should be an object, got number",
        ),
        (
            {"id": "d", "config": {"type": "agent", "model_config": 3}},
            "field `config.model_config` should be an object, got number",
        ),
        (
            {"id": "d", "config": {"type": "agent", "tools": [{"type": "tool"}, "search"]}},
            "field `config.tools[1]` should be an object, got string",
        ),
    ],
)
def test_record_error_says_what_is_wrong(raw: Any, message: str) -> None:
    with pytest.raises(RecordError) as caught:
        LogResponse.from_dict(raw)
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


def test_record_error_from_parse_log_and_config_from_dict() -> None:
    with pytest.raises(RecordError, match=r"^not valid JSON: "):
        parse_log(b'{"id": "data_1", "config": {')
    with pytest.raises(RecordError, match=r"^a LogResponse should be an object, got array$"):
        parse_log("[1, 2]")
    with pytest.raises(RecordError, match=r"^a config should be an object, got string$"):
        config_from_dict("gpt-4")
    with pytest.raises(RecordError, match=r"^field `chat_template` should be an array"):
        config_from_dict({"type": "model", "chat_template": "hi"})
    error = RecordError("should be an object, got string", "messages[2]")
    assert (error.path, error.reason) == ("messages[2]", "should be an object, got string")


def test_lenient_on_scalars_missing_config_and_missing_required_keys() -> None:
    raw = {
        "id": "data_odd",
        "duration": "fast",
        "output": 5,
        "inputs": "not an object",
        "provider_latency": True,
        "messages": [{"content": "no role"}, {"role": "assistant", "tool_call": {"arguments": 1}}],
        "feedback": {"value": 3},
        "created_at": 1709294407,
    }
    log = _assert_round_trip(raw)
    assert log.config is None
    assert log.duration == "fast"
    assert log.created_at_dt is None
    assert log.messages is not None
    assert log.messages[0].role is None
    assert log.messages[1].calls() == [CallView(None, "", 1)]
    assert log.feedback_items()[0].type is None


def test_calls_cover_tool_call_and_tool_calls() -> None:
    log = LogResponse.from_dict(_load("late_v4_openai_shapes"))
    assert log.messages is not None
    calls = log.messages[1].calls()
    assert calls == [
        CallView("call_1", "lookup", '{"q": "cat"}'),
        CallView("call_2", "lookup", '{"q": "dog"}'),
    ]
    assert [c.parsed_arguments() for c in calls] == [{"q": "cat"}, {"q": "dog"}]
    assert log.messages[2].tool_call_id == "call_1"
    assert log.messages[0].calls() == []

    legacy = LogResponse.from_dict(_load("legacy_chat"))
    assert legacy.messages is not None
    (call,) = legacy.messages[2].calls()
    assert call == CallView(None, "get_order", '{"order_id": "17"}')
    assert call.parsed_arguments() == {"order_id": "17"}

    both = ChatMessage.from_dict(
        {
            "role": "assistant",
            "tool_call": {"name": "old", "arguments": "not json {"},
            "tool_calls": [
                "junk",
                {"id": "c9", "function": "not an object"},
                {"id": 7, "type": "function", "function": {"name": "new", "arguments": "[1]"}},
            ],
        }
    )
    assert both.calls() == [
        CallView(None, "old", "not json {"),
        CallView("c9", "", None),
        CallView(None, "new", "[1]"),
    ]
    assert both.calls()[0].parsed_arguments() == "not json {"
    assert both.calls()[2].parsed_arguments() == [1]


def test_text_of_strings_parts_and_null() -> None:
    log = LogResponse.from_dict(_load("late_v4_openai_shapes"))
    assert log.messages is not None
    assert log.messages[0].text() == (
        "What is in this picture?\n[image_url: https://img.example.com/a.png]"
    )
    assert log.messages[1].text() == ""
    assert log.messages[2].text() == "a cat"

    data_url = "data:image/png;base64," + "A" * 5000
    message = ChatMessage.from_dict(
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "one"},
                {"type": "image_url", "image_url": "https://x.example/b.jpg"},
                {"type": "image_url", "image_url": {"url": data_url}},
                {"type": "input_audio", "input_audio": {"data": "UklGR", "format": "wav"}},
                {"text": "untyped text part"},
                "a bare string",
                42,
                {"type": "text", "text": "[INST] two [/INST]"},
            ],
        }
    )
    assert message.text().split("\n") == [
        "one",
        "[image_url: https://x.example/b.jpg]",
        f"[image_url: data:image/png;base64,... ({len(data_url)} chars)]",
        "[input_audio]",
        "untyped text part",
        "a bare string",
        "42",
        "[INST] two [/INST]",
    ]
    assert ChatMessage(role="assistant", content=None).text() == ""
    assert ChatMessage(role="user", content="plain").text() == "plain"


def test_feedback_items_is_always_a_list() -> None:
    single = LogResponse.from_dict(_load("legacy_chat"))
    assert isinstance(single.feedback, Feedback)
    assert single.feedback_items() == [single.feedback]
    assert single.feedback_items()[0].value == "good"

    listed = LogResponse.from_dict(_load("late_v4_openai_shapes"))
    items = listed.feedback_items()
    assert items is listed.feedback
    assert [f.id for f in items] == ["ann_1", "ann_2", "ann_3", "ann_4"]

    assert LogResponse.from_dict(_load("tool_config")).feedback_items() == []
    assert LogResponse.from_dict(_load("minimal")).feedback_items() == []


def test_appending_to_feedback_items_is_serialised_in_place() -> None:
    raw = _load("late_v4_openai_shapes")
    log = LogResponse.from_dict(raw)
    log.feedback_items().append(Feedback(type="comment", value="nice", data_id="data_late1"))
    out = log.to_dict()
    assert list(out) == list(raw)  # feedback stays where it was
    assert out["feedback"][:4] == raw["feedback"]
    assert out["feedback"][4] == {"type": "comment", "value": "nice", "data_id": "data_late1"}


def test_setting_feedback_is_serialised() -> None:
    raw = _load("legacy_chat")
    log = LogResponse.from_dict(raw)
    log.feedback = [log.feedback_items()[0], Feedback(type="rating", value=5)]
    out = log.to_dict()
    assert list(out) == list(raw)
    assert out["feedback"] == [raw["feedback"], {"type": "rating", "value": 5}]

    # A key that was absent is appended once it holds something.
    minimal = LogResponse.from_dict(_load("minimal"))
    minimal.add_feedback(Feedback(type="action", value="copied"))
    assert minimal.to_dict() == {
        **_load("minimal"),
        "feedback": [{"type": "action", "value": "copied"}],
    }
    # add_feedback turns a single object into a list, keeping the first.
    single = LogResponse.from_dict(_load("legacy_chat"))
    single.add_feedback(Feedback(type="rating", value="bad"))
    assert single.to_dict()["feedback"] == [raw["feedback"], {"type": "rating", "value": "bad"}]


def test_other_mutations_are_serialised() -> None:
    raw = _load("all_nulls")
    log = LogResponse.from_dict(raw)
    log.output = "filled in later"  # was null: written in place
    log.extra["judge_score"] = 0.5  # new unknown key: appended
    assert log.messages is None
    log.messages = [ChatMessage(role="user", content="hi")]
    out = log.to_dict()
    assert list(out) == [*raw, "judge_score"]
    assert out["output"] == "filled in later"
    assert out["messages"] == [{"role": "user", "content": "hi"}]

    late = LogResponse.from_dict(_load("late_v4_openai_shapes"))
    del late.extra["batch_ids"]
    late.duration = None  # was 4.0: stays present, now null
    out = late.to_dict()
    assert "batch_ids" not in out
    assert out["duration"] is None


def test_feedback_made_in_code_serialises_only_what_was_set() -> None:
    feedback = Feedback(type="rating", value="good", data_id="data_7Gx2kQ", user="me@x.io")
    assert feedback.to_dict() == {
        "type": "rating",
        "value": "good",
        "data_id": "data_7Gx2kQ",
        "user": "me@x.io",
    }
    assert orjson.dumps(feedback.to_dict()) == (
        b'{"type":"rating","value":"good","data_id":"data_7Gx2kQ","user":"me@x.io"}'
    )
    # Unknown keys are passed as extra; they follow the fields.
    tagged = Feedback(type="comment", value="too long", extra={"source": "hltui"})
    assert tagged.extra == {"source": "hltui"}
    assert tagged.to_dict() == {"type": "comment", "value": "too long", "source": "hltui"}
    # It reads back to an equal object, and through the JSON text of dataclasses-json too.
    assert Feedback.from_dict(tagged.to_dict()) == tagged
    assert Feedback.from_json(tagged.to_json()) == tagged
    assert orjson.loads(tagged.to_json()) == tagged.to_dict()
    with pytest.raises(TypeError):
        Feedback(type="rating")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Feedback(type="rating", value=1, source="hltui")  # type: ignore[call-arg]


def test_unknown_keys_is_a_copy() -> None:
    log = LogResponse.from_dict(_load("late_v4_openai_shapes"))
    keys = log.unknown_keys()
    keys.clear()
    assert log.unknown_keys()


# --- every record of sample_data -----------------------------------------------------------


def _records_of(path: Path) -> Iterator[tuple[str, Any]]:
    """(place, parsed value) for each record of a .jsonl / .json / .gz file; bad JSON skipped."""
    data = path.read_bytes()
    name = path.name
    if name.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            return
        name = name[: -len(".gz")]
    data = data.removeprefix(b"\xef\xbb\xbf")
    if name.endswith(".jsonl"):
        for number, line in enumerate(data.splitlines(), 1):
            if not line.strip():
                continue
            try:
                yield f"{path}:{number}", orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
        return
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return
    if isinstance(value, dict) and isinstance(value.get("records"), list):
        value = value["records"]
    items = value if isinstance(value, list) else [value]
    for index, item in enumerate(items):
        yield f"{path}[{index}]", item


def _sample_files() -> list[Path]:
    if not SAMPLE_DATA.is_dir():
        return []
    suffixes = (".jsonl", ".json", ".jsonl.gz", ".json.gz")
    return sorted(
        path
        for path in SAMPLE_DATA.rglob("*")
        if path.is_file()
        and path.name.endswith(suffixes)
        # Hidden directories (e.g. the .hltui feedback journal) hold no logs.
        and not any(part.startswith(".") for part in path.relative_to(SAMPLE_DATA).parts)
    )


def test_every_sample_data_record_round_trips() -> None:
    files = _sample_files()
    if not files:
        pytest.skip(f"no .jsonl/.json/.gz files under {SAMPLE_DATA}")
    checked = 0
    rejected: list[str] = []
    failures: list[str] = []
    for path in files:
        for place, raw in _records_of(path):
            if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
                continue  # deliberately bad lines
            try:
                out = LogResponse.from_dict(raw).to_dict()
            except RecordError as err:
                # Deliberately bad too (e.g. `config` as a string); the sample set keeps a
                # few, and they must stay few.
                rejected.append(f"{place}: {err}")
                continue
            checked += 1
            if out != raw or orjson.dumps(out) != orjson.dumps(raw):
                failures.append(f"{place}: round trip differs")
    assert not failures, "\n".join(failures[:20])
    assert checked > 0
    assert len(rejected) * 10 <= checked, "\n".join(rejected[:20])
