"""A worker's stdout taken over as the pipe delivers it: bytes the stream held before are not
lost, lines split across chunks come out whole, and the end is told once, after the last line."""

from __future__ import annotations

import asyncio
import os

from mosaic_tui.protocol import ProtocolError
from mosaic_tui.runtime.line_feed import take_over


async def test_held_bytes_then_piped_chunks_then_eof_in_order() -> None:
    loop = asyncio.get_running_loop()
    r, w = os.pipe()
    stream = asyncio.StreamReader(limit=64, loop=loop)
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(stream), os.fdopen(r, "rb", 0)
    )
    os.write(w, b'{"a": 1}\n{"b"')  # arrives before the take-over: held by the stream
    while not stream._buffer:  # type: ignore[attr-defined]
        await asyncio.sleep(0.01)
    got: list[object] = []
    ended = asyncio.Event()
    take_over(stream, got.append, lambda: (got.append("eof"), ended.set()), limit=64)
    assert got == [b'{"a": 1}\n']
    os.write(w, b": 2}\n" + b"x" * 100 + b"\n" + b'{"c": 3}')
    os.close(w)
    await asyncio.wait_for(ended.wait(), 5)
    transport.close()
    assert got[1] == b'{"b": 2}\n'
    assert isinstance(got[2], ProtocolError)  # the over-long line, dropped whole
    assert got[3:] == [b'{"c": 3}', "eof"]


async def test_a_stream_that_already_ended_is_told_at_once() -> None:
    stream = asyncio.StreamReader(loop=asyncio.get_running_loop())
    stream.feed_data(b"last\n")
    stream.feed_eof()
    got: list[object] = []
    take_over(stream, got.append, lambda: got.append("eof"))
    assert got == [b"last\n", "eof"]
