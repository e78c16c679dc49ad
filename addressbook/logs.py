"""Logging: a file in the log dir, stderr with --verbose, and a filter that keeps secrets out.

Secrets are registered with `redact()` the moment they are read from the keyring; every
log record is scrubbed of them (and of `apiKey=`/`xeroKey=`/Authorization values) before
it is written anywhere.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from pathlib import Path

_secrets: set[str] = set()
_lock = threading.Lock()
_PATTERNS = [
    re.compile(
        r"(?i)((?:apiKey|xeroKey|api_key|xero_key|password|refresh_token|access_token|code_verifier|client_secret|code)=)[^&\s\"']+"
    ),
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?(?:basic|bearer)\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)(\"(?:refresh_token|access_token|id_token)\"\s*:\s*\")[^\"]+"),
]
_configured = False


def redact(secret: str | None) -> None:
    """Register a secret so that no log line ever contains it."""
    if secret and len(secret) >= 4:
        with _lock:
            _secrets.add(secret)


def scrub(text: str) -> str:
    """text with every registered secret and every credential-looking value replaced."""
    for pattern in _PATTERNS:
        text = pattern.sub(r"\1***", text)
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "***")
    return text


class _ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            formatter = logging.Formatter()
            message = message + "\n" + formatter.formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = None
        record.msg = scrub(message)
        record.args = None
        return True


class _RotatingFile(logging.FileHandler):
    """A log file that moves to .1 (.1 to .2, …) when it would grow past max_bytes.

    What logging.handlers.RotatingFileHandler does, without importing that module: it
    brings socket, pickle and queue along, a tenth of every command's start-up time.
    """

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        super().__init__(path, encoding="utf-8")
        self.max_bytes = max_bytes
        self.backups = backups

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record, first rotating the files if it would not fit."""
        try:
            if self._would_overflow(record):
                self._rotate()
        except Exception:
            self.handleError(record)
            return
        super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        """A log line that cannot be written (a full disk) is dropped: the command's own
        sentence says what happened; no traceback is spilled on the terminal."""

    def _would_overflow(self, record: logging.LogRecord) -> bool:
        if self.stream is None:
            self.stream = self._open()
        self.stream.seek(0, os.SEEK_END)
        position = self.stream.tell()
        size = len(f"{self.format(record)}{self.terminator}".encode(errors="replace"))
        return position > 0 and position + size >= self.max_bytes  # an empty file takes any

    def _rotate(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None  # type: ignore[assignment]
        for n in range(self.backups - 1, 0, -1):
            older = f"{self.baseFilename}.{n}"
            if os.path.exists(older):
                os.replace(older, f"{self.baseFilename}.{n + 1}")
        if self.backups > 0 and os.path.exists(self.baseFilename):
            os.replace(self.baseFilename, f"{self.baseFilename}.1")
        self.stream = self._open()


def log_file() -> Path:
    from addressbook.paths import log_dir

    return log_dir() / "addressbook.log"


def quiet_libraries() -> None:
    """Keep httpx/httpcore from logging URLs (Xero 1.0 puts its keys in the query).

    Their INFO lines carry the full request URL; a root handler set up by anyone (a test
    runner, an embedding program) would write the keys out. WARNING and above still pass,
    scrubbed like our own records.
    """
    for name in ("httpx", "httpcore", "authlib"):
        library = logging.getLogger(name)
        if library.level == logging.NOTSET:  # a level someone chose on purpose stays
            library.setLevel(logging.WARNING)
        if not any(isinstance(f, _ScrubFilter) for f in library.filters):
            library.addFilter(_ScrubFilter())


def setup(verbose: bool = False) -> None:
    """Configure the 'addressbook' logger once per process."""
    global _configured
    quiet_libraries()
    if _configured:
        return
    _configured = True
    logger = logging.getLogger("addressbook")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    scrub_filter = _ScrubFilter()
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        handler: logging.Handler = _RotatingFile(log_file(), max_bytes=2_000_000, backups=2)
        handler.setLevel(logging.INFO)
        handler.setFormatter(fmt)
        handler.addFilter(scrub_filter)
        logger.addHandler(handler)
    except OSError:
        pass  # a read-only or full disk must not stop the program; stderr still works
    if verbose:
        stream = logging.StreamHandler()
        stream.setLevel(logging.DEBUG)
        stream.setFormatter(fmt)
        stream.addFilter(scrub_filter)
        logger.addHandler(stream)
