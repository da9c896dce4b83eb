"""What a worker writes, taken in: its protocol lines on stdout (decoded as they arrive, or by
a reader task for the reference's dialect, whose frames are decoded off the loop), its log on
stderr (kept capped, secrets masked, the last lines ready for a crash report).

`WorkerOutput` is the half of `WorkerProcess` (process.py) that reads; the other half starts,
asks and stops.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
from collections.abc import Callable

from mosaic_tui.core.secrets import REDACTED, mask_secrets
from mosaic_tui.protocol import MAX_LINE_BYTES, Progress, ProtocolError, decode_event
from mosaic_tui.protocol.dialect import NATIVE, REFERENCE, is_native_init
from mosaic_tui.protocol.frames import FrameRequest
from mosaic_tui.runtime import decoding
from mosaic_tui.runtime.inbox import Inbox
from mosaic_tui.runtime.spawn import WorkerHandle
from mosaic_tui.runtime.worker_log import CappedLog, clip

log = logging.getLogger(__name__)

EOF = object()  # the inbox's last item when stdout closed
LOG_LINE_CHARS = 64 * 1024  # longer log lines are clipped
TAIL_LINE_CHARS = 2000  # a line shown in a crash report
LOG_FLUSH_SECONDS = 0.1


class WorkerOutput:
    def __init__(
        self, name: str, *, strict: bool, dialect: str, frame: FrameRequest | None
    ) -> None:
        self.name = name
        self.strict = strict  # garbage on stdout is an error (False: logged and skipped)
        # NATIVE: mosaic-tui's protocol; REFERENCE: the reference's (protocol/dialect.py);
        # "auto": decided by the first line (or silence)
        self.dialect = dialect
        self.frame = frame  # reference frames are downsampled to this on arrival
        self.on_progress: Callable[[str], None] | None = None  # `progress` events go here
        self.on_eof: Callable[[], None] | None = None  # told when the worker's stdout ends
        self._proc: WorkerHandle | None = None
        self._events = Inbox()
        self._tail: collections.deque[str] = collections.deque(maxlen=12)
        self._log: CappedLog | None = None
        self._secrets: list[str] = []  # values to mask in everything kept from this worker
        self._flush_due = False
        self.skipped: str | None = None  # the last line on stdout that was not the protocol

    def log_tail(self) -> list[str]:
        return list(self._tail)

    def redact(self, text: str) -> str:
        """`text` with the value of every secret passed to the worker masked, and pieces
        and abbreviations of one, as an endpoint may echo them (`mask_secrets`)."""
        return mask_secrets(text, self._secrets) if self._secrets else text

    def _redact_bytes(self, line: bytes) -> bytes:
        for secret in self._secrets:
            raw = secret.encode("utf-8", "replace")
            line = line.replace(raw, REDACTED.encode())
            quoted = json.dumps(secret)[1:-1].encode()  # as it appears inside a JSON string
            if quoted != raw:
                line = line.replace(quoted, REDACTED.encode())
        return line

    async def _read_stdout(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        stream = self._proc.stdout
        while True:
            line = await read_line(stream)
            if line is None:  # over the limit: dropped whole, its tail is not read as a line
                self._too_long()
                continue
            if not line:
                self._ended()
                return
            if not line.strip():
                continue
            if self._secrets:  # an error quoting the key must not carry it any further
                line = self._redact_bytes(line)
            if self.dialect == "auto":  # the first line decides
                try:
                    first = json.loads(line)
                except ValueError:
                    first = None
                self.dialect = NATIVE if is_native_init(first) else REFERENCE
            if self.dialect == REFERENCE:
                await self._read_reference(line)
            else:
                self._take_line(line)

    def _ended(self) -> None:
        """The worker's stdout ended: a waiting request fails with why; `on_eof` is told (a
        worker that dies between requests is found out then, not at the next one)."""
        self._events.put_nowait(EOF)
        if self.on_eof is not None:
            self.on_eof()

    def _take_piece(self, piece: bytes | ProtocolError) -> None:
        """A native worker's line (or over-long line) as the pipe delivered it."""
        if isinstance(piece, ProtocolError):  # the splitter's only error: an over-long line
            self._too_long()
            return
        if self._secrets:  # an error quoting the key must not carry it any further
            piece = self._redact_bytes(piece)
        try:
            self._take_line(piece)
        except Exception:  # noqa: BLE001 - runs in the pipe's callback: never raise there
            log.exception("%s: a line could not be taken", self.name)

    def _too_long(self) -> None:
        self._events.put_nowait(
            ProtocolError(f"{self.name} wrote a line over {MAX_LINE_BYTES} bytes")
        )

    def _take_line(self, line: bytes) -> None:
        try:
            event = decode_event(line)
        except Exception as exc:  # never let the reader die: requests would just time out
            error = (
                exc
                if isinstance(exc, ProtocolError)
                else ProtocolError(f"undecodable ({type(exc).__name__}: {exc})", line)
            )
            if self.strict:
                self._events.put_nowait(error)
            else:
                self._skip(error.line)
            return
        if isinstance(event, Progress):  # news, not an answer: never queued
            self._note(event.message)
            if self.on_progress is not None:
                self.on_progress(event.message)
            return
        self._events.put_nowait(event)

    async def _read_reference(self, line: bytes) -> None:
        """A reference worker's line: its events translated, the fields we do not map kept in
        the log, anything that is not JSON (a stray print: the reference's workers print to
        the stdout they speak on) logged and skipped."""
        try:
            event, unmapped = await decoding.decode(line, self.frame)
        except ProtocolError as exc:
            if exc.reason.startswith("not JSON"):
                self._skip(exc.line)
            else:
                self._events.put_nowait(exc)
            return
        if unmapped:
            shown = ", ".join(
                f"{key}={json.dumps(value, default=str)[:200]}" for key, value in unmapped.items()
            )
            self._note(f"{event.kind}: fields kept from the worker: {shown}")
        self._events.put_nowait(event)

    async def _read_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        stream = self._proc.stderr
        while True:
            raw = await read_line(stream)
            if raw is None:
                self._note(f"a log line over {MAX_LINE_BYTES} bytes was dropped")
                continue
            if not raw:
                self._flush_log()
                return
            text = clip(self.redact(raw.decode("utf-8", "replace").rstrip()), LOG_LINE_CHARS)
            self._tail.append(clip(text, TAIL_LINE_CHARS))
            if self._log is not None:
                self._log.write(text + "\n")
                self._flush_soon()

    def note(self, text: str) -> None:
        """A line of the app's own in this worker's log."""
        self._note(text)

    def _skip(self, line: object) -> None:
        """A stray line on stdout: logged, and kept to name if an answer then never comes
        (a worker that prints something else, or is not a worker of this app)."""
        self._note(f"non-protocol output skipped: {line}")
        self.skipped = clip(self.redact(str(line)), 100)

    def _note(self, text: str) -> None:
        if self._log is not None:
            self._log.write(f"[mosaic-tui] {clip(self.redact(text), LOG_LINE_CHARS)}\n")
            self._flush_soon()

    def _flush_soon(self) -> None:
        if self._flush_due:
            return
        self._flush_due = True
        try:
            asyncio.get_running_loop().call_later(LOG_FLUSH_SECONDS, self._flush_log)
        except RuntimeError:  # no loop (a note from a synchronous caller): flush now
            self._flush_log()

    def _flush_log(self) -> None:
        self._flush_due = False
        if self._log is not None:
            self._log.flush()


async def read_line(stream: asyncio.StreamReader) -> bytes | None:
    """One line (with its newline; b"" at EOF), or None for a line over the stream's limit,
    which is dropped up to and including its newline. (`StreamReader.readline` drops only
    what it buffered and then returns the rest of such a line as if it were a new one.)"""
    try:
        return await stream.readuntil(b"\n")
    except asyncio.IncompleteReadError as exc:  # EOF: the last line had no newline
        return exc.partial
    except asyncio.LimitOverrunError as exc:
        await stream.readexactly(exc.consumed)
    while True:  # skip to the end of the over-long line
        try:
            await stream.readuntil(b"\n")
            return None
        except asyncio.IncompleteReadError:
            return None
        except asyncio.LimitOverrunError as exc:
            await stream.readexactly(exc.consumed)
