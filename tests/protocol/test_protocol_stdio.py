"""WorkerChannel: the protocol owns stdout; stray prints go to stderr; stdin EOF reads as None."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap

import pytest

from mosaic_tui.protocol import (
    Error,
    Ping,
    Pong,
    ProtocolError,
    Reset,
    Stopped,
    decode_event,
    encode,
)
from mosaic_tui.protocol.stdio import WorkerChannel


def _run(script: str, stdin: bytes = b"", timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        input=stdin,
        capture_output=True,
        timeout=timeout,
    )


def test_stray_writes_go_to_stderr_and_stdout_carries_only_the_protocol() -> None:
    result = _run("""
        import os, sys
        from mosaic_tui.protocol import Pong, Stopped
        from mosaic_tui.protocol.stdio import WorkerChannel

        channel = WorkerChannel()
        print("stray")                      # Python-level print
        os.write(1, b"raw stray\\n")          # C-level write to fd 1
        channel.send(Pong(req=1))
        sys.stdout.write("stray two\\n")
        sys.stdout.flush()
        os.system("echo child stray")        # a subprocess inherits fd 1
        channel.send(Stopped(req=2))
        print("stray three")                 # flushed at exit, after the last message
    """)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == encode(Pong(req=1)) + encode(Stopped(req=2))
    lines = result.stdout.splitlines()
    assert [decode_event(line) for line in lines] == [Pong(req=1), Stopped(req=2)]
    err = result.stderr.decode()
    for stray in ("stray\n", "raw stray\n", "stray two\n", "child stray\n", "stray three\n"):
        assert stray in err


def test_stdin_eof_makes_receive_return_none() -> None:
    result = _run(
        """
        from mosaic_tui.protocol import Error, Pong
        from mosaic_tui.protocol.stdio import WorkerChannel

        channel = WorkerChannel()
        first = channel.receive(timeout=10)
        second = channel.receive(timeout=10)
        channel.send(Pong(req=1) if second is None else Error(message=repr(second)))
        channel.send(Error(message=type(first).__name__))
    """,
        stdin=b'{"cmd":"ping","req":7}\n',
    )
    assert result.returncode == 0, result.stderr.decode()
    first, second = [decode_event(line) for line in result.stdout.splitlines()]
    assert first == Pong(req=1)  # the second receive() saw EOF
    assert second.message == "Ping"


def test_stdin_already_closed_gives_none_at_once() -> None:
    result = _run("""
        from mosaic_tui.protocol import Error, Pong
        from mosaic_tui.protocol.stdio import WorkerChannel

        channel = WorkerChannel()
        got = channel.receive(timeout=10)
        channel.send(Pong() if got is None else Error(message=repr(got)))
    """)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == encode(Pong())


def test_commands_errors_blank_lines_and_eof_in_order() -> None:
    stdin = io.BytesIO(
        b'{"cmd":"ping","req":1}\n\n   \nnot json\n{"cmd":"reset","seed":4}\n{"cmd":"ping","req":2}'
    )  # last line without a newline
    channel = WorkerChannel(stdin=stdin, stdout=io.BytesIO())
    got = [channel.receive(timeout=5) for _ in range(5)]
    assert got[0] == Ping(req=1)
    assert isinstance(got[1], ProtocolError) and got[1].line == "not json"
    assert got[2] == Reset(seed=4)
    assert got[3] == Ping(req=2)
    assert got[4] is None


def test_poll_is_false_when_nothing_waits() -> None:
    channel = WorkerChannel(stdin=io.BytesIO(b""), stdout=io.BytesIO())
    assert channel.receive(timeout=5) is None  # EOF consumed
    assert channel.poll() is False


def test_send_writes_encoded_lines_and_reject_reports_bad_command() -> None:
    out = io.BytesIO()
    channel = WorkerChannel(stdin=io.BytesIO(b""), stdout=out, frame_encoding="raw")
    channel.send(Pong(req=3))
    channel.reject(ProtocolError("not JSON", "garbage", req=9))
    lines = out.getvalue().splitlines(keepends=True)
    assert lines[0] == encode(Pong(req=3))
    error = decode_event(lines[1])
    assert isinstance(error, Error)
    assert error.code == "bad_command" and error.req == 9 and "garbage" in error.message


def test_reject_echoes_the_req_of_a_readable_bad_command() -> None:
    stdin = io.BytesIO(b'{"cmd":"reset","seed":"x","req":41}\n{"cmd":"fly","req":42}\nnope\n')
    out = io.BytesIO()
    channel = WorkerChannel(stdin=stdin, stdout=out)
    for _ in range(3):
        error = channel.receive(timeout=5)
        assert isinstance(error, ProtocolError)
        channel.reject(error)
    events = [decode_event(line) for line in out.getvalue().splitlines()]
    assert [(e.code, e.req) for e in events] == [
        ("bad_command", 41),
        ("bad_command", 42),
        ("bad_command", None),
    ]


def test_reject_of_a_line_with_a_boolean_req_sends_a_decodable_error() -> None:
    stdin = io.BytesIO(b'{"cmd":"reset","seed":"x","req":true}\n')
    out = io.BytesIO()
    channel = WorkerChannel(stdin=stdin, stdout=out)
    channel.reject(channel.receive(timeout=5))
    error = decode_event(out.getvalue())
    assert error.code == "bad_command" and error.req is None


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_reader_survives_a_deeply_nested_line() -> None:
    stdin = io.BytesIO(b"[" * 100_000 + b'\n{"cmd":"ping","req":1}\n')
    channel = WorkerChannel(stdin=stdin, stdout=io.BytesIO())
    assert isinstance(channel.receive(timeout=2), ProtocolError)
    assert channel.receive(timeout=2) == Ping(req=1)
    assert channel.receive(timeout=2) is None


def test_an_over_long_line_is_discarded_whole_and_answered_once(monkeypatch) -> None:
    """Its tail must not run as a command of its own (`stop` here), however the read splits."""
    import mosaic_tui.protocol.stdio as stdio

    monkeypatch.setattr(stdio, "MAX_LINE_BYTES", 64)
    junk = b"x" * 150 + b'{"cmd":"stop","req":1}'
    stdin = io.BytesIO(junk + b"\n" + b'{"cmd":"ping","req":2}\n' + b"y" * 100)
    channel = WorkerChannel(stdin=stdin, stdout=io.BytesIO())
    got = [channel.receive(timeout=5) for _ in range(4)]
    assert isinstance(got[0], ProtocolError) and "discarded" in str(got[0])
    assert "over the 64-byte limit" in str(got[0])
    assert got[1] == Ping(req=2)  # resynced at the next newline
    assert isinstance(got[2], ProtocolError)  # the last, unterminated over-long line
    assert got[3] is None
