"""The log file: rotation by size, and secrets scrubbed before they reach it."""

from __future__ import annotations

import logging
from pathlib import Path

from addressbook import logs


def _logger(name: str, handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(f"tests.logs.{name}")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


def test_the_file_rotates_by_size_and_keeps_the_newest_lines(tmp_path: Path) -> None:
    tmp_path = tmp_path / "logs"
    tmp_path.mkdir()
    handler = logs._RotatingFile(tmp_path / "a.log", max_bytes=300, backups=2)
    logger = _logger("rotate", handler)
    for n in range(40):
        logger.info("line %03d %s", n, "x" * 40)
    handler.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.log", "a.log.1", "a.log.2"]
    for path in tmp_path.iterdir():
        assert 0 < path.stat().st_size < 300
    newest = (tmp_path / "a.log").read_text(encoding="utf-8").splitlines()
    older = (tmp_path / "a.log.1").read_text(encoding="utf-8").splitlines()
    assert newest[-1].startswith("line 039")
    assert int(older[-1][5:8]) + 1 == int(newest[0][5:8])  # nothing lost between the files


def test_a_record_longer_than_the_limit_still_lands_in_an_empty_file(tmp_path: Path) -> None:
    handler = logs._RotatingFile(tmp_path / "a.log", max_bytes=100, backups=1)
    logger = _logger("long", handler)
    logger.info("y" * 500)
    logger.info("z" * 500)
    handler.close()
    assert (tmp_path / "a.log").read_text(encoding="utf-8").strip() == "z" * 500
    assert (tmp_path / "a.log.1").read_text(encoding="utf-8").strip() == "y" * 500


def test_setup_writes_scrubbed_records_to_the_log_file() -> None:
    logs.setup()
    logs.redact("s3cret-value")
    logging.getLogger("addressbook.test").info("GET /x?apiKey=abc123 with s3cret-value")
    for handler in logging.getLogger("addressbook").handlers:
        handler.flush()
    text = logs.log_file().read_text(encoding="utf-8")
    assert "apiKey=***" in text and "abc123" not in text
    assert "s3cret-value" not in text and "with ***" in text
