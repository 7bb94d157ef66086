"""The one check every hostile-input test makes: refused with one clear line, nothing lost."""

from __future__ import annotations

from typing import Any


def refused(result: Any, *gists: str) -> None:
    """Exit 2, one line on stderr that starts `scalecalc: error:` and holds each gist, an empty
    stdout, and never a traceback."""
    assert result.code == 2, (result.code, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("scalecalc: error: ") and result.stderr.count("\n") == 1, result.stderr
    for gist in gists:
        assert gist in result.stderr, (gist, result.stderr)
