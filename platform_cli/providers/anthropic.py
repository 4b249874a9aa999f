"""Anthropic: `POST {base_url}/v1/messages` with `x-api-key` and `anthropic-version`, plain requests.

Usage: `input_tokens` counts only the input tokens that were NEITHER read from nor written to the prompt
cache; `cache_read_input_tokens` and `cache_creation_input_tokens` come on top of it. The normalized
Usage.input_tokens is their sum, with the two cache buckets kept explicit. A refusal is stop_reason
`refusal`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from platform_cli.providers.base import (
    FINISH_LENGTH,
    FINISH_REFUSAL,
    FINISH_STOP,
    FINISH_TOOL_CALLS,
    Completion,
    Usage,
)
from platform_cli.providers.http import HTTPProvider, as_int, as_object, malformed

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 1024  # the Messages API requires max_tokens; used when the prompt sets none
_FINISH = {
    "end_turn": FINISH_STOP,
    "stop_sequence": FINISH_STOP,
    "max_tokens": FINISH_LENGTH,
    "tool_use": FINISH_TOOL_CALLS,
    "refusal": FINISH_REFUSAL,
}


class AnthropicProvider(HTTPProvider):
    kind = "anthropic"
    default_base_url: str | None = DEFAULT_BASE_URL
    path = "/v1/messages"

    @staticmethod
    def auth_headers(key: str) -> dict[str, str]:
        return {"x-api-key": key, "anthropic-version": API_VERSION}

    def request_body(
        self, messages: Sequence[Mapping[str, str]], params: Mapping[str, Any]
    ) -> dict[str, Any]:
        system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
        turns: list[dict[str, str]] = []
        for message in messages:
            if message["role"] == "system":
                continue
            role = "assistant" if message["role"] == "assistant" else "user"
            if turns and turns[-1]["role"] == role:  # the API wants user/assistant alternating
                turns[-1]["content"] += "\n\n" + message["content"]
            else:
                turns.append({"role": role, "content": message["content"]})
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": int(params.get("max_tokens", DEFAULT_MAX_TOKENS)),
            "messages": turns,
        }
        if system:
            body["system"] = system
        for key in ("temperature", "top_p"):
            if key in params:
                body[key] = params[key]
        if "stop" in params:
            stop = params["stop"]
            body["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
        return body

    def complete(self, messages: Sequence[Mapping[str, str]], params: Mapping[str, Any]) -> Completion:
        data, latency = self.post(self.request_body(messages, params))
        return self.parse(data, latency)

    def parse(self, data: Mapping[str, Any], latency: float) -> Completion:
        content = data.get("content")
        if not isinstance(content, list):
            raise malformed(self.name, "no content list")
        text = "".join(
            str(block.get("text", ""))
            for block in content
            if isinstance(block, dict) and block.get("type") == "text"
        )
        stop_reason = data.get("stop_reason")
        if not isinstance(stop_reason, str):
            raise malformed(self.name, "no stop_reason")
        usage = as_object(data.get("usage"))
        uncached = as_int(usage.get("input_tokens"))
        read = as_int(usage.get("cache_read_input_tokens"))
        written = as_int(usage.get("cache_creation_input_tokens"))
        served = data.get("model")
        response_id = data.get("id")
        return Completion(
            text=text,
            finish_reason=_FINISH.get(stop_reason, stop_reason),
            usage=Usage(
                input_tokens=uncached + read + written,
                output_tokens=as_int(usage.get("output_tokens")),
                cache_read_tokens=read,
                cache_write_tokens=written,
            ),
            latency_s=latency,
            model=self.model,
            refusal=stop_reason == "refusal",
            served_model=served if isinstance(served, str) else None,
            response_id=response_id if isinstance(response_id, str) else None,
        )
