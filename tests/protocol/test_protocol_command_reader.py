"""Commands read straight from a pipe: lines split across reads, over-long lines dropped whole
and reported once (the next line still read), a last line without its newline, EOF."""

from __future__ import annotations

import os
import queue

import pytest

from mosaic_tui.protocol import Ping, ProtocolError, Stop, encode
from mosaic_tui.protocol.codec import MAX_LINE_BYTES
from mosaic_tui.protocol.command_reader import EOF, CommandReader


def pipe() -> tuple[CommandReader, int]:
    r, w = os.pipe()
    return CommandReader(r), w


def test_lines_split_across_writes_come_out_whole_and_in_order() -> None:
    reader, w = pipe()
    line = encode(Ping(req=1)) + b"\n\n" + encode(Stop(req=2))
    assert reader.poll() is False
    os.write(w, line[:5])
    with pytest.raises(queue.Empty):
        reader.next(0.01)
    os.write(w, line[5:])
    first, second = reader.next(1), reader.next(1)
    assert isinstance(first, Ping) and first.req == 1
    assert isinstance(second, Stop) and second.req == 2
    os.close(w)
    assert reader.next(1) is EOF and reader.poll() is EOF


def test_an_over_long_line_is_dropped_whole_and_the_next_one_read() -> None:
    reader, w = pipe()
    os.set_blocking(w, True)
    import threading

    big = b'{"cmd": "ping", "pad": "' + b"x" * (MAX_LINE_BYTES + 10) + b'"}\n'
    writer = threading.Thread(target=lambda: (os.write(w, big + encode(Ping(req=7))), os.close(w)))
    writer.start()
    error = reader.next(5)
    assert isinstance(error, ProtocolError) and "over the" in str(error)
    assert str(len(big)) in str(error)
    ping = reader.next(5)
    assert isinstance(ping, Ping) and ping.req == 7  # its tail was not taken for a command
    writer.join()
    assert reader.next(5) is EOF


def test_a_last_line_without_newline_and_garbage_are_answered_not_fatal() -> None:
    reader, w = pipe()
    os.write(w, b"not json\n" + encode(Ping(req=3)).rstrip(b"\n"))
    os.close(w)
    bad = reader.next(1)
    assert isinstance(bad, ProtocolError)
    last = reader.next(1)
    assert isinstance(last, Ping) and last.req == 3
    assert reader.next(1) is EOF
