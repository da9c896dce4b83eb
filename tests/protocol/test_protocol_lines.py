"""Bytes cut into lines however the pipe delivers them: the same lines, in order, whatever the
chunking; over-long lines dropped whole with one error each; a last line without newline kept."""

from __future__ import annotations

import random

from mosaic_tui.protocol import ProtocolError
from mosaic_tui.protocol.lines import LineSplitter

LIMIT = 40


def _expected(stream: bytes) -> list[bytes | str]:
    """What a reader must give: each non-blank line whole, "too long" for one over LIMIT."""
    out: list[bytes | str] = []
    lines = stream.split(b"\n")
    for i, line in enumerate(lines):
        last = i == len(lines) - 1
        whole = line if last else line + b"\n"
        if len(whole) > LIMIT + 1 or (last and len(line) > LIMIT):
            out.append("too long")
        elif line.strip():
            out.append(whole)
    return out


def _split(stream: bytes, cuts: list[int]) -> list[bytes | str]:
    lines = LineSplitter(LIMIT)
    got: list[bytes | ProtocolError] = []
    for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        got += lines.feed(stream[a:b])
    got += lines.finish()
    return ["too long" if isinstance(p, ProtocolError) else p for p in got]


def test_any_chunking_gives_the_same_lines_and_errors() -> None:
    rng = random.Random(4)
    for _ in range(300):
        parts = []
        for _ in range(rng.randint(1, 8)):
            size = rng.choice([0, 1, 5, 20, LIMIT - 1, LIMIT, LIMIT + 1, LIMIT + 5, 3 * LIMIT])
            parts.append(bytes(rng.choice(b"ab {}") for _ in range(size)))
        stream = b"\n".join(parts) + rng.choice([b"", b"\n"])
        count = max(0, min(len(stream) - 1, rng.randint(0, 6)))
        cuts = sorted(rng.sample(range(1, len(stream)), count))
        assert _split(stream, cuts) == _expected(stream), (stream, cuts)


def test_an_over_long_line_is_reported_with_its_size_and_start() -> None:
    lines = LineSplitter(LIMIT)
    assert lines.feed(b"x" * 30) == []
    assert lines.feed(b"y" * 30) == []  # over the limit with no newline yet: dropping
    (error,) = lines.feed(b"zz\nok\n")[:1]
    assert isinstance(error, ProtocolError) and "63 bytes" in str(error) and "xxx" in error.line
    assert lines.feed(b"next\n") == [b"next\n"]
