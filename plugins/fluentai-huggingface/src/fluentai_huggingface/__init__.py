"""Hugging Face Inference Providers: OpenAI-compatible chat.

The router picks a backend per model; pin one with a suffix (``deepseek-ai/DeepSeek-R1:together``)
or use a backend's own route as the base URL (``.../together/v1``).

Docs followed: https://huggingface.co/docs/inference-providers/index
"""

from __future__ import annotations

from fluentai import OpenAICompatible, hookimpl

__version__ = "0.1.0"


class HuggingFace(OpenAICompatible):
    name = "huggingface"
    label = "Hugging Face Inference Providers"
    docs_url = "https://huggingface.co/docs/inference-providers/index"
    aliases = ("hf",)
    base_url = "https://router.huggingface.co/v1"
    api_key_env = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [HuggingFace]
