"""Event data as the compact JSON the store writes, with the C encoder made once.

`json.JSONEncoder(separators=(",", ":")).encode` builds a new C encoder on every call,
which for an event's few fields costs more than the encoding itself. The encoder here
is built once with the same settings (ASCII escapes, NaN allowed, keys in their order),
so the text is the same byte for byte. It keeps no circular-reference marks: event data
is a tree (dicts, lists and scalars from a model's dump), never a cycle, and marks left
behind by an encoding that failed could refuse a later, sound one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as _encoder
from typing import Any

_SETTINGS = json.JSONEncoder(separators=(",", ":"), check_circular=False)


def _made_once() -> Callable[[Any], str]:
    make = _encoder.c_make_encoder
    if make is None:  # a Python without the C accelerator: the plain encoder
        return _SETTINGS.encode
    encode = make(
        None,  # no circular-reference marks (see above)
        _SETTINGS.default,
        _encoder.encode_basestring_ascii,
        None,  # no indent
        _SETTINGS.key_separator,
        _SETTINGS.item_separator,
        False,  # sort_keys
        False,  # skipkeys
        True,  # allow_nan
    )

    def dumps(data: Any) -> str:
        return "".join(encode(data, 0))

    return dumps


dumps = _made_once()
"""`data` as compact JSON text (the events table's `data` column)."""
