"""The one error type users see for bad input."""


class InputError(ValueError):
    """Bad input, reported as one line naming where it is and what is wrong.

    ``where`` names the file and line and column (``data/arms.tsv, line 4, column 'n'``)
    or the config key (``config key 'criteria.min_n'``).
    """

    def __init__(self, where: str, what: str):
        self.where = where
        self.what = what
        super().__init__(f"{where}: {what}")
