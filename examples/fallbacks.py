"""The README's resilience example: retries, a circuit breaker and a fallback list.

When the first model fails with a retryable error (here: Anthropic unreachable) after its
retries, the next one answers and ``provider_metadata["fallback"]`` names what was skipped.
"""

from __future__ import annotations

from typing import Any, assert_type

import fluentai
from fluentai import ChatResponse

client = fluentai.Client(retry=fluentai.RetryPolicy(max_attempts=2, initial_backoff=0.1),
                         circuit_breaker={"threshold": 5, "recovery": 30})
r = client.chat(["anthropic/claude-sonnet-4-5", "openai/gpt-4.1"], "Hi")  # fallbacks
assert_type(r, ChatResponse)
assert_type(r.provider_metadata, dict[str, Any])
skipped = r.provider_metadata.get("fallback")   # which models were skipped
print(r.text)
print(f"{r.provider}/{r.model} answered; skipped: {skipped}")
