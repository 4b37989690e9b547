"""Bounds on what the configuration reader accepts, so that no file can exhaust or crash mlops-tf.

`validate` is the gate in front of every account: a hostile or careless file (a YAML "billion
laughs", a self-referencing alias, thousands of nested brackets, a 5 GB file, a FIFO, a symlink
loop, a directory named like a file, bytes that are not UTF-8) is refused quickly as a located
configuration error naming the bound, never read without limit and never an internal error.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import Diagnostic

# A landing zone of 50 accounts is about 60 KB of YAML; these bounds leave a wide margin, and keep the
# largest accepted configuration validated in about a second (scripts/benchmark.py measures it).
MAX_FILE_BYTES = 512 << 10  # 512 KiB per file
MAX_TOTAL_BYTES = 1 << 20  # 1 MiB for landing-zone.yaml, every account file and the lock file together
MAX_VALUES = 100_000  # values (mappings, lists, scalars) in one file, each alias counted as what it expands to
MAX_ALIAS_VALUES = 10_000  # values one file may repeat through aliases and merge keys
MAX_DEPTH = 64  # nesting of mappings and lists
MAX_ACCOUNT_FILES = 1000  # config/accounts/*.yaml (an organization holds 10 accounts by default, 10,000 at most)
# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
MAX_NUMBER_DIGITS = 100  # Python refuses to convert integers of more than 4300 digits; no setting needs 100


class FileRefused(Exception):
    """A configuration file that cannot or must not be read; carries its one diagnostic.

    silent: the same root cause was reported for an earlier file already (the total size bound).
    """

    def __init__(self, diagnostic: Diagnostic, *, silent: bool = False):
        self.diagnostic = diagnostic
        self.silent = silent
        super().__init__(str(diagnostic))


class ReadBudget:
    """The bytes left for the files of one configuration (MAX_TOTAL_BYTES in all)."""

    def __init__(self, total: int = MAX_TOTAL_BYTES):
        self.left = total
        self.exceeded = False

    def take(self, size: int, display: str) -> None:
        if size > self.left:
            silent, self.exceeded = self.exceeded, True
            raise FileRefused(
                Diagnostic(
                    display,
                    1,
                    1,
                    "",
                    f"the configuration is larger than {_size(MAX_TOTAL_BYTES)} in all files together; "
                    "mlops-tf reads landing zones up to that size (shorten the files)",
                ),
                silent=silent,
            )
        self.left -= size


def total_size_problem(paths: list[Path], display: str) -> Diagnostic | None:
    """The configuration's files together over MAX_TOTAL_BYTES, told from their sizes before any is read."""
    total = 0
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            continue  # reading it reports why
        if (
            stat.S_ISREG(info.st_mode) and info.st_size <= MAX_FILE_BYTES
        ):  # a larger file is refused on its own, at its name
            total += info.st_size
    if total <= MAX_TOTAL_BYTES:
        return None
    return Diagnostic(
        display,
        1,
        1,
        "",
        f"the configuration files hold {total} bytes together; mlops-tf reads landing zones "
        f"up to {_size(MAX_TOTAL_BYTES)} (a 50-account landing zone is about 60 KB)",
    )


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n % (1 << 20) == 0 else f"{n >> 10} KiB"


def _refuse(display: str, message: str) -> FileRefused:
    return FileRefused(Diagnostic(display, 1, 1, "", message))


def read_text(path: Path, display: str, budget: ReadBudget | None = None) -> str:
    """The UTF-8 text of a regular file of at most MAX_FILE_BYTES; anything else is refused with a reason."""
    try:
        info = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _refuse(
                display,
                "is a symbolic link loop (following the links never reaches a file); replace it with the file itself",
            ) from exc
        if exc.errno == errno.ENOENT and os.path.islink(path):
            raise _refuse(display, f"is a symbolic link to {os.readlink(path)!r}, which does not exist") from exc
        if exc.errno == errno.ENOENT:
            raise _refuse(display, "file not found") from exc
        raise _refuse(display, f"cannot read file: {exc.strerror}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise _refuse(display, "is a directory; a configuration file must be a regular YAML file")
    if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would block or never end
        raise _refuse(
            display,
            "is not a regular file (a pipe, socket or device); a configuration file must be a regular YAML file",
        )
    if info.st_size > MAX_FILE_BYTES:
        raise _refuse(
            display, f"file is {info.st_size} bytes; mlops-tf reads configuration files up to {_size(MAX_FILE_BYTES)}"
        )
    if budget is not None:
        budget.take(info.st_size, display)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # the file may have grown since stat
    except OSError as exc:
        raise _refuse(display, f"cannot read file: {exc.strerror}") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise _refuse(
            display, f"file is larger than {_size(MAX_FILE_BYTES)}; mlops-tf reads configuration files up to that size"
        )
    return decode(raw, display)


def decode(raw: bytes, display: str) -> str:
    """UTF-8 text (a leading byte order mark dropped); an undecodable byte is reported at its line and column."""
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = body.rfind(b"\n", 0, exc.start) + 1
        line = body.count(b"\n", 0, exc.start) + 1
        column = len(body[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        raise FileRefused(
            Diagnostic(
                display,
                line,
                column,
                "",
                f"byte 0x{body[exc.start]:02x} is not UTF-8; save the file as UTF-8 (it looks like another "
                "encoding, such as Latin-1 or Windows-1252)",
            )
        ) from exc
