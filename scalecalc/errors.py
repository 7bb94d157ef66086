"""The one exception type the core raises; the CLI turns it into a line on stderr and exit 2."""


class ScalecalcError(Exception):
    """A problem the user can fix: the message says what is wrong and how to fix it."""
