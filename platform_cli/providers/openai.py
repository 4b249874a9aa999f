"""OpenAI and OpenAI-compatible servers: `POST {base_url}/v1/chat/completions` with plain requests.

Usage: `prompt_tokens` counts every input token and `prompt_tokens_details.cached_tokens` is the part of
it served from the prompt cache (inside, not on top); `completion_tokens_details.reasoning_tokens` is
part of `completion_tokens`. A refusal is `message.refusal` (structured outputs) or finish_reason
`content_filter`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from platform_cli.providers.base import (
    FINISH_CONTENT_FILTER,
    FINISH_REFUSAL,
    Completion,
    Usage,
)
from platform_cli.providers.http import HTTPProvider, as_int, as_object, malformed

DEFAULT_BASE_URL = "https://api.openai.com"
# Prompt parameters passed through as they are; everything else a prompt declares is not sent.
PASSED_PARAMETERS = ("temperature", "top_p", "seed", "stop", "presence_penalty", "frequency_penalty")


class OpenAIProvider(HTTPProvider):
    """kind `openai` (api.openai.com) and `openai-compatible` (vLLM, llama.cpp, proxies; needs base_url)."""

    kind = "openai"
    default_base_url: str | None = DEFAULT_BASE_URL
    path = "/v1/chat/completions"

    @staticmethod
    def auth_headers(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def request_body(
        self, messages: Sequence[Mapping[str, str]], params: Mapping[str, Any]
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
        }
        body.update({key: params[key] for key in PASSED_PARAMETERS if key in params})
        if "max_tokens" in params:
            # OpenAI's current name; compatible servers still expect the older one.
            body["max_completion_tokens" if self.kind == "openai" else "max_tokens"] = params["max_tokens"]
        return body

    def complete(self, messages: Sequence[Mapping[str, str]], params: Mapping[str, Any]) -> Completion:
        data, latency = self.post(self.request_body(messages, params))
        return self.parse(data, latency)

    def parse(self, data: Mapping[str, Any], latency: float) -> Completion:
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise malformed(self.name, "no choices[0]")
        choice = choices[0]
        message = choice.get("message")
        if not isinstance(message, dict):
            raise malformed(self.name, "choices[0].message missing")
        refusal_text = message.get("refusal")
        finish = str(choice.get("finish_reason") or "stop")
        refusal = bool(refusal_text) or finish in (FINISH_REFUSAL, FINISH_CONTENT_FILTER)
        content = message.get("content")
        text = (
            content if isinstance(content, str) else (refusal_text if isinstance(refusal_text, str) else "")
        )
        if refusal and finish == "stop":
            finish = FINISH_REFUSAL
        usage = as_object(data.get("usage"))
        prompt_details = as_object(usage.get("prompt_tokens_details"))
        completion_details = as_object(usage.get("completion_tokens_details"))
        fingerprint = data.get("system_fingerprint")
        served = data.get("model")
        response_id = data.get("id")
        return Completion(
            text=text,
            finish_reason=finish,
            usage=Usage(
                input_tokens=as_int(usage.get("prompt_tokens")),
                output_tokens=as_int(usage.get("completion_tokens")),
                cache_read_tokens=as_int(prompt_details.get("cached_tokens")),
                reasoning_tokens=as_int(completion_details.get("reasoning_tokens")),
            ),
            latency_s=latency,
            model=self.model,
            refusal=refusal,
            system_fingerprint=fingerprint if isinstance(fingerprint, str) else None,
            served_model=served if isinstance(served, str) else None,
            response_id=response_id if isinstance(response_id, str) else None,
        )


class OpenAICompatibleProvider(OpenAIProvider):
    kind = "openai-compatible"
    default_base_url = None  # vLLM, llama.cpp, a proxy: the manifest's base_url says where
