"""A worker's stdout taken as the pipe delivers it, not a line per reader-task wake-up.

asyncio hands a pipe's bytes to a `StreamReader`; a reader task then wakes for each line and
passes it on: one more trip round the event loop for every answer, which in per-step play is
every step. `take_over` has the stream's own protocol hand its chunks straight to a callback
instead (cut into lines by `LineSplitter`, the line limit kept), whichever spawn made the
stream: a subprocess's, the template's fork or a test's in-process pipes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from mosaic_tui.protocol import MAX_LINE_BYTES, ProtocolError
from mosaic_tui.protocol.lines import LineSplitter

Piece = bytes | ProtocolError


def take_over(
    stream: asyncio.StreamReader,
    on_piece: Callable[[Piece], None],
    on_eof: Callable[[], None],
    limit: int = MAX_LINE_BYTES,
) -> None:
    """From now on every line of `stream` (or error for an over-long one) goes to
    `on_piece`, as its bytes arrive, and the end of the stream to `on_eof`; the stream itself
    is read no more. Neither callback may raise: they run inside the transport's callback."""
    lines = LineSplitter(limit)

    def feed_data(data: bytes) -> None:
        for piece in lines.feed(data):
            on_piece(piece)

    ended = False

    def feed_eof() -> None:  # (a protocol may say so twice: at EOF and when the pipe closes)
        nonlocal ended
        if ended:
            return
        ended = True
        for piece in lines.finish():
            on_piece(piece)
        on_eof()

    # Instance attributes win over the class's methods: the protocol that feeds the stream
    # (`StreamReaderProtocol`, `SubprocessStreamProtocol`) calls these from now on.
    stream.feed_data = feed_data  # type: ignore[method-assign]
    stream.feed_eof = feed_eof  # type: ignore[method-assign]
    buffered: bytearray = getattr(stream, "_buffer", bytearray())  # arrived before we took over
    if buffered:
        data = bytes(buffered)
        buffered.clear()
        feed_data(data)
    if getattr(stream, "_eof", False):  # and ended
        feed_eof()
