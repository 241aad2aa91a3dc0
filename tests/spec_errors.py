"""The check every spec parser's refusal passes (durations, latencies, faults): the error
says why and names the text it refused, quoted."""

from __future__ import annotations

from collections.abc import Callable

import pytest


def refusal(error: type[Exception], reason: str, text: str, parse: Callable[[], object]) -> str:
    """The message of the `error` that `parse()` raises, checked to say `reason` (a regular
    expression) and to name `text` as `repr` shows it."""
    with pytest.raises(error, match=reason) as caught:
        parse()
    message = str(caught.value)
    assert repr(text) in message
    return message
