"""Reading an input file as text, strictly: every problem is one line naming the file, the
line and column, and what is wrong (never a traceback, never the file's content).

Also the strict number grammar every typed data cell goes through: Python's ``float()``
accepts ``1_13`` (as 113), `` 5``, ``nan`` and ``inf``; a data table accepts none of them.
"""

from __future__ import annotations

import codecs
import math
import re
from pathlib import Path

from alsmeta.io.errors import InputError

#: The longest cell (or config value) accepted, in characters.
MAX_FIELD = 10_000

#: The longest value echoed back in an error message, in characters.
MAX_ECHO = 200

#: Optional sign, digits with at most one decimal point, optional exponent: nothing else.
NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")
INTEGER = re.compile(r"^[+-]?[0-9]+$")

_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


def echo(value, limit: int = MAX_ECHO) -> str:
    """``repr(value)``, cut to ``limit`` characters (a message never echoes a huge value)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


def short_message(error) -> str:
    """A jsonschema error's message with the offending value cut to :data:`MAX_ECHO`."""
    return error.message.replace(repr(error.instance), echo(error.instance))


def parse_number(text: str) -> float:
    """A finite number written by the strict grammar, or ValueError naming the text."""
    if not NUMBER.match(text):
        raise ValueError(f"{echo(text)} is not a number (digits, one decimal point, an exponent)")
    value = float(text)
    if math.isinf(value):
        # 1e999 matches the grammar but overflows a double to infinity.
        raise ValueError(f"{echo(text)} is too large a number (it overflows to infinity)")
    return value


def parse_integer(text: str) -> int:
    if not INTEGER.match(text):
        raise ValueError(f"{echo(text)} is not a whole number")
    return int(text)


def _position(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def read_text(path: str | Path, where: str | None = None) -> str:
    """The UTF-8 text of ``path`` (a UTF-8 byte-order mark is dropped).

    Raises :class:`InputError` naming ``where`` (default: the path) for a missing file, a
    directory, an unreadable file, UTF-16/32 text, a byte that is not UTF-8 (with its byte
    offset, line and column), or a NUL byte.
    """
    where = str(path) if where is None else where
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise InputError(where, "file not found") from None
    except IsADirectoryError:
        raise InputError(where, "is a directory, not a file") from None
    except PermissionError:
        raise InputError(where, "permission denied (the file cannot be read)") from None
    except OSError as exc:
        raise InputError(where, f"cannot be read ({exc.strerror or exc})") from None
    if data.startswith(_UTF16):
        raise InputError(
            where,
            "is UTF-16 or UTF-32 text (as Excel's 'Unicode Text' saves it); save it as UTF-8",
        )
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    data = data[skip:]
    nul = data.find(b"\0")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if nul != -1 and nul < exc.start:
            raise InputError(f"{where}, {_position(data, nul)}", "a NUL byte") from None
        raise InputError(
            f"{where}, {_position(data, exc.start)}",
            f"byte 0x{data[exc.start]:02x} at byte offset {exc.start + skip} is not UTF-8 (is the "
            "file Latin-1 or Windows-1252? save it as UTF-8)",
        ) from None
    if nul != -1:
        raise InputError(f"{where}, {_position(data, nul)}", "a NUL byte")
    return text
