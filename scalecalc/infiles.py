"""Input files: reading what a user hands us (a path, or - for standard input) safely, as text.

Every file scalecalc reads goes through here (presets, plans, accelerator and model catalogues,
runs, config.json), so the rules live in one place: only a regular file is opened (a FIFO would
wait for a writer, a device would never end), at most `limit` bytes are read, the bytes must be
UTF-8, and a leading byte-order mark, as Windows editors write, is dropped. Each refusal is one
sentence naming the file. The file is only ever read.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path


def shown(name: str | Path) -> str:
    """A path short enough to keep a message on one line."""
    text = str(name)
    return text if len(text) <= 200 else "..." + text[-80:]


def read_text(name: str | Path, label: str, limit: int, wanted: str) -> str:
    """The text of `name` ('-' is standard input). `label` names it in messages ("preset file X",
    "X"); `wanted` says what should be there instead of a folder ("a TOML file")."""
    from scalecalc.errors import ScalecalcError

    raw = _stdin_bytes(limit) if str(name) == "-" else _file_bytes(Path(name), label, limit, wanted)
    if len(raw) > limit:
        raise ScalecalcError(f"{label} is above the {limit:,}-byte limit; check that it is the "
                             "right file.")
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise ScalecalcError(f"{label} is not UTF-8 text (a bad byte at offset {error.start}); save it "
                             "as UTF-8.") from None


def _stdin_bytes(limit: int) -> bytes:
    stream = getattr(sys.stdin, "buffer", None)
    # A text-only stdin (a test's StringIO) has no bytes to check: read it as it is.
    return stream.read(limit + 1) if stream is not None else sys.stdin.read(limit + 1).encode()


def _file_bytes(path: Path, label: str, limit: int, wanted: str) -> bytes:
    from scalecalc.errors import ScalecalcError

    try:
        info = path.stat()  # before opening: opening a FIFO would wait for a writer
        if stat.S_ISDIR(info.st_mode):
            raise ScalecalcError(f"{label} is a directory; give the path of {wanted}.")
        if not stat.S_ISREG(info.st_mode):
            raise ScalecalcError(f"{label} is not a regular file (a device or pipe); give {wanted}.")
        if info.st_size > limit:
            raise ScalecalcError(f"{label} is {info.st_size:,} bytes, above the {limit:,}-byte limit; "
                                 "check that it is the right file.")
        with path.open("rb") as handle:
            return handle.read(limit + 1)  # the size may change between stat and read
    except FileNotFoundError:
        raise ScalecalcError(f"{label} does not exist; check the path.") from None
    except OSError as error:
        raise ScalecalcError(f"{label} cannot be read ({error.strerror or error}); check the "
                             "path.") from None
