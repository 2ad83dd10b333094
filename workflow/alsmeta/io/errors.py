"""The error types users see for bad input, and the "did you mean" a message may carry."""

from __future__ import annotations

import difflib

#: How many problems one validation pass lists; the count of all of them is always given.
MAX_LISTED = 25


class InputError(ValueError):
    """Bad input, reported as one line naming where it is and what is wrong.

    ``where`` names the file and line and column (``data/arms.tsv, line 4, column 'n'``)
    or the config key (``config key 'criteria.min_n'``).
    """

    def __init__(self, where: str, what: str):
        self.where = where
        self.what = what
        super().__init__(f"{where}: {what}")


class InputErrors(InputError):
    """Every problem one validation pass found, one line each (the first
    :data:`MAX_LISTED`, with the count of all), so that a user fixes them in one go.

    With one problem the message is that problem's line, as :class:`InputError` gives it.
    """

    def __init__(self, errors: list[InputError]):
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(first.where, first.what)
        if len(self.errors) > 1:
            shown = self.errors[:MAX_LISTED]
            listed = "" if len(shown) == len(self.errors) else f", the first {len(shown)} listed"
            lines = [
                f"{len(self.errors)} problems in the input{listed} (fix them all, then run again):"
            ]
            lines += [f"  {error}" for error in shown]
            self.args = ("\n".join(lines),)

    def __str__(self) -> str:
        return self.args[0]


def did_you_mean(value, known) -> str:
    """`` (did you mean 'oh2018'?)`` for the closest of ``known`` to ``value`` (difflib's
    ratio of at least 0.6), or an empty string when none is close."""
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, [k for k in known if isinstance(k, str)], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
