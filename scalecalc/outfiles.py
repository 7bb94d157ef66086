"""Output files: whether one may be written, and writing it whole or not at all.

Every command that writes a file goes through here, so the project's rule lives in one place: a
file is written only where the user asked, never over an existing one without --force, and never
left half-written. The bytes go to a temporary file in the target's own folder, which then takes
the target's name in one step (a rename within one file system is atomic), so a full disk, a
crash or Ctrl-C leaves either the old file or the new one, never a torn one.

    path = check_target(name, force=force)      # early, before the slow work
    write_text(path, text, force=force)         # or write(path, fill, force=force)
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from scalecalc.errors import ScalecalcError

_HINTS = {
    errno.ENOSPC: "free some space or choose another folder",
    errno.EDQUOT: "free some space or choose another folder",
    errno.EACCES: "choose a folder you can write to",
    errno.EPERM: "choose a folder you can write to",
    errno.EROFS: "choose a folder on a writable disk",
    errno.ENAMETOOLONG: "choose a shorter name",
}


def check_target(name: str, *, force: bool = False, option: str = "--out",
                 suffixes: tuple[str, ...] = ()) -> Path:
    """The path `name` names, if a file may be written there; else a ScalecalcError saying why.

    Refused: an empty name, '-', a folder, a name not ending in one of `suffixes` (when given), a
    path whose folder is missing or not writable, and an existing file unless `force` (even then,
    only a regular file is ever replaced).
    """
    if not name.strip():
        raise ScalecalcError(f"{option}: the file name is empty; give one.")
    if "\0" in name:
        raise ScalecalcError(f"{option}: the file name contains a NUL byte; give a plain file name.")
    if name == "-":
        raise ScalecalcError(f"{option}: '-' (standard output) cannot take this file; give a file name.")
    try:
        return _check(name, force, option, suffixes)
    except OSError as error:  # a name too long, a folder that cannot be searched
        raise ScalecalcError(f"{option}: cannot use {name} ({error.strerror or error}); "
                             f"{_hint(error)}.") from None


def _check(name: str, force: bool, option: str, suffixes: tuple[str, ...]) -> Path:
    path = Path(name)
    if name.endswith(("/", os.sep)) or path.is_dir():
        raise ScalecalcError(f"{option}: {name} is a folder; give the name of a file inside it.")
    if suffixes and path.suffix.lower() not in suffixes:
        ends = (f"ends in {path.suffix}" if path.suffix else "has no name before its extension"
                if path.name.lower() in suffixes else "has no extension")
        raise ScalecalcError(f"{option}: {name} {ends}; end it in {_either(suffixes)}, which chooses "
                             "the format.")
    real = _real(path)
    if not real.parent.is_dir():
        if real.parent.exists():
            raise ScalecalcError(f"{option}: {real.parent} is a file, not a folder; choose another path.")
        raise ScalecalcError(f"{option}: the folder {real.parent} does not exist; create it or choose "
                             "another.")
    if path.exists() or path.is_symlink():
        if not force:
            raise ScalecalcError(f"{option}: {name} already exists; add --force to replace it, "
                                 "or choose another name.")
        if not real.is_file():
            raise ScalecalcError(f"{option}: {name} is not a regular file, so it is not replaced even "
                                 "with --force; choose another name.")
    if not os.access(real.parent, os.W_OK | os.X_OK):
        raise ScalecalcError(f"{option}: the folder {real.parent} is not writable; choose a folder you "
                             "can write to.")
    return path


def write(path: Path, fill: Callable[[BinaryIO], None], *, force: bool = False) -> Path:
    """Create `path` with the bytes `fill` writes into the open file it is handed.

    Without `force` an existing file is never replaced, even one that appeared while `fill` ran.
    An OSError (a full disk, a lost permission) becomes a ScalecalcError; the temporary file is
    removed whatever goes wrong.
    """
    target = _real(path)  # through a symbolic link, as a shell's > would go
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=".scalecalc-", suffix=".tmp", dir=target.parent)
        with os.fdopen(handle, "wb") as stream:
            fill(stream)
            stream.flush()
            os.fsync(stream.fileno())  # a full disk may only show here, so before the rename
        os.chmod(temporary, _mode(target))
        if force:
            os.replace(temporary, target)
        else:
            _place_new(temporary, target, path)
        temporary = None
    except OSError as error:
        raise ScalecalcError(f"cannot write {path} ({error.strerror or error}); nothing was written, so "
                             f"{_hint(error)}.") from None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):  # cleaning up must not hide the first error
                os.unlink(temporary)
    return path


def write_text(path: Path, text: str, *, force: bool = False) -> Path:
    """`write` for text, encoded as UTF-8."""
    return write(path, lambda stream: stream.write(text.encode("utf-8")), force=force)


def _place_new(temporary: str, target: Path, shown: Path) -> None:
    """Give `temporary` the name `target` only if no file has it: a hard link fails if one does."""
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise ScalecalcError(f"{shown} appeared while it was being drawn; add --force to replace it, "
                             "or choose another name.") from None
    except OSError:  # a file system without hard links: check, then rename
        if os.path.lexists(target):
            raise ScalecalcError(f"{shown} already exists; add --force to replace it.") from None
        os.replace(temporary, target)
        return
    os.unlink(temporary)


def _hint(error: OSError) -> str:
    return _HINTS.get(error.errno or 0, "check the path")


def _either(suffixes: tuple[str, ...]) -> str:
    return suffixes[0] if len(suffixes) == 1 else f"{', '.join(suffixes[:-1])} or {suffixes[-1]}"


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _mode(target: Path) -> int:
    """An existing file's permissions, or those a new file gets under the umask (mkstemp's are 0600)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask
