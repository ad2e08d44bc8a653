"""Strict HTTP/1.1 response checking and small clients for the Kiln integration suite.

Every response a test reads goes through `ResponseStream`, which frames it twice:
once with a small strict parser written here (CRLF-only, no obs-fold, token field
names, exactly one framing mechanism, Date on final responses, IMF-fixdate) and once
with h11 acting as the client.  Both must agree on where each response starts and
ends, on the status and on the body; any disagreement or leftover byte fails the test.
"""

from __future__ import annotations

import gzip
import http.client
import io
import re
import socket
import time
from dataclasses import dataclass, field

import h11

HOST = "127.0.0.1"

_STATUS_LINE = re.compile(rb"HTTP/(\d)\.(\d) (\d{3}) ([\t \x21-\x7e\x80-\xff]*)")
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FIELD_VALUE = re.compile(rb"[\t \x21-\x7e\x80-\xff]*")
_IMF_FIXDATE = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d{2}:\d{2}:\d{2} GMT"
)
_CHUNK_SIZE_LINE = re.compile(rb"([0-9A-Fa-f]+)[ \t]*(;.*)?")


class HTTPCheckError(AssertionError):
    """The server sent bytes that are not a valid HTTP/1.1 response stream."""


class Incomplete(Exception):
    """More bytes are needed to finish the current response; `need` is a lower bound
    on the total buffer length required before parsing again is worthwhile."""

    def __init__(self, need: int = 0):
        super().__init__(need)
        self.need = need


@dataclass
class Response:
    version: str
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    raw: bytes
    trailers: list[tuple[str, str]] = field(default_factory=list)
    chunked: bool = False

    def header(self, name: str) -> str | None:
        values = self.header_all(name)
        if not values:
            return None
        return ", ".join(values)

    def header_all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for (n, v) in self.headers if n == name]

    def has_token(self, name: str, token: str) -> bool:
        value = self.header(name) or ""
        return token.lower() in [t.strip().lower() for t in value.split(",")]

    @property
    def closes(self) -> bool:
        return self.has_token("connection", "close")

    def json(self):
        import json

        return json.loads(self.decoded_body())

    def decoded_body(self) -> bytes:
        if (self.header("content-encoding") or "").lower() == "gzip":
            return gzip.decompress(self.body)
        return self.body

    def __repr__(self) -> str:  # keep failure output readable
        head = self.raw[: self.raw.find(b"\r\n\r\n") + 4] if b"\r\n\r\n" in self.raw else self.raw[:400]
        return f"<Response {self.status} head={head!r} body[:200]={self.body[:200]!r}>"


def _parse_head(buf: bytes, start: int) -> tuple[int, str, int, str, list[tuple[str, str]]]:
    """Parse status line and fields starting at `start`; return (end_of_head, ...)."""
    end = buf.find(b"\r\n\r\n", start)
    if end < 0:
        if len(buf) - start > 1 << 20:
            raise HTTPCheckError(f"response head larger than 1 MiB: {buf[start:start+200]!r}")
        # A bare LF anywhere in the head is already an error even when incomplete.
        probe = buf[start:]
        if re.search(rb"(?<!\r)\n", probe):
            raise HTTPCheckError(f"bare LF in response head: {bytes(probe[:400])!r}")
        raise Incomplete(len(buf) + 1)
    head = bytes(buf[start:end])
    if re.search(rb"(?<!\r)\n", head) or re.search(rb"\r(?!\n)", head):
        raise HTTPCheckError(f"bare LF/CR in response head: {head!r}")
    lines = head.split(b"\r\n")
    m = _STATUS_LINE.fullmatch(lines[0])
    if not m:
        raise HTTPCheckError(f"malformed status line: {lines[0]!r}")
    version = f"{int(m.group(1))}.{int(m.group(2))}"
    status = int(m.group(3))
    reason = m.group(4).decode("latin-1")
    headers = []
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t"):
            raise HTTPCheckError(f"obs-fold in response head: {head!r}")
        name, sep, value = line.partition(b":")
        if not sep or not _TOKEN.fullmatch(name):
            raise HTTPCheckError(f"malformed header line {line!r} in {head!r}")
        value = value.strip(b" \t")
        if not _FIELD_VALUE.fullmatch(value):
            raise HTTPCheckError(f"invalid characters in header value {line!r}")
        headers.append((name.decode("ascii").lower(), value.decode("latin-1")))
    return end + 4, version, status, reason, headers


def _parse_chunked(buf: bytes, pos: int) -> tuple[int, bytes, list[tuple[str, str]]]:
    body = bytearray()
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            raise Incomplete(len(buf) + 1)
        line = bytes(buf[pos:eol])
        m = _CHUNK_SIZE_LINE.fullmatch(line)
        if not m or len(m.group(1)) > 16:
            raise HTTPCheckError(f"bad chunk-size line in response: {line[:100]!r}")
        size = int(m.group(1), 16)
        pos = eol + 2
        if size == 0:
            break
        if len(buf) < pos + size + 2:
            raise Incomplete(pos + size + 2)
        body += buf[pos : pos + size]
        if buf[pos + size : pos + size + 2] != b"\r\n":
            raise HTTPCheckError("chunk data not followed by CRLF")
        pos += size + 2
    trailers = []
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            raise Incomplete(len(buf) + 1)
        line = bytes(buf[pos:eol])
        pos = eol + 2
        if line == b"":
            return pos, bytes(body), trailers
        name, sep, value = line.partition(b":")
        if not sep or not _TOKEN.fullmatch(name):
            raise HTTPCheckError(f"bad trailer line {line!r}")
        trailers.append((name.decode("ascii").lower(), value.strip(b" \t").decode("latin-1")))


def parse_one(buf: bytes, start: int, method: str, *, check_date: bool = True) -> tuple[Response, int]:
    """Strictly parse one response (possibly 1xx) at buf[start:]. Raises Incomplete."""
    pos, version, status, reason, headers = _parse_head(buf, start)
    if version != "1.1":
        raise HTTPCheckError(f"server must answer with HTTP/1.1, got HTTP/{version}")
    names = [n for n, _ in headers]
    te = [v for n, v in headers if n == "transfer-encoding"]
    cl = [v for n, v in headers if n == "content-length"]
    informational = 100 <= status < 200
    if not informational:
        dates = [v for n, v in headers if n == "date"]
        if check_date:
            if len(dates) != 1:
                raise HTTPCheckError(f"expected exactly one Date header, got {dates!r}")
            if not _IMF_FIXDATE.fullmatch(dates[0]):
                raise HTTPCheckError(f"Date is not IMF-fixdate: {dates[0]!r}")
    if te and cl:
        raise HTTPCheckError(f"response has both Transfer-Encoding and Content-Length: {headers!r}")
    if len(cl) > 1:
        raise HTTPCheckError(f"response has {len(cl)} Content-Length fields")
    if cl and not re.fullmatch(r"[0-9]+", cl[0]):
        raise HTTPCheckError(f"bad Content-Length {cl[0]!r}")
    if informational or status in (204, 304):
        if informational and (te or cl):
            raise HTTPCheckError("1xx response with framing headers")
        if status == 204 and (te or (cl and cl[0] != "0")):
            raise HTTPCheckError("204 with a body")
        resp = Response(version, status, reason, headers, b"", bytes(buf[start:pos]))
        return resp, pos
    if method == "HEAD":
        if not (te or cl):
            raise HTTPCheckError("HEAD response carries neither Content-Length nor Transfer-Encoding")
        resp = Response(version, status, reason, headers, b"", bytes(buf[start:pos]))
        return resp, pos
    if te:
        codings = [c.strip().lower() for v in te for c in v.split(",")]
        if codings != ["chunked"]:
            raise HTTPCheckError(f"unexpected response transfer-coding {codings!r}")
        end, body, trailers = _parse_chunked(buf, pos)
        return Response(version, status, reason, headers, body, bytes(buf[start:end]), trailers, True), end
    if not cl:
        raise HTTPCheckError(f"final response without Content-Length or chunked (names={names!r})")
    n = int(cl[0])
    if len(buf) < pos + n:
        raise Incomplete(pos + n)
    return (Response(version, status, reason, headers, bytes(buf[pos : pos + n]), bytes(buf[start : pos + n])),
            pos + n)


class ResponseStream:
    """Validates a byte stream of responses with both the strict parser and h11."""

    def __init__(self, *, check_date: bool = True):
        self.buf = bytearray()
        self.pos = 0
        self.check_date = check_date
        self.h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=1 << 20)
        self.closed_by_response = False
        self.responses: list[Response] = []
        self._need = 0

    def feed(self, data: bytes) -> None:
        self.buf += data

    def _h11_request(self, method: str) -> None:
        if self.h11.our_state is h11.IDLE:
            self.h11.send(h11.Request(method=method, target="/", headers=[("Host", "kiln.test")]))
            self.h11.send(h11.EndOfMessage())

    def next_response(self, method: str, *, informational_ok: bool = False) -> Response:
        """Return the next complete response for a request of `method`, or raise Incomplete."""
        if self.closed_by_response and self.pos < len(self.buf):
            raise HTTPCheckError(
                f"bytes after a Connection: close response: {bytes(self.buf[self.pos:self.pos+200])!r}"
            )
        while True:
            if len(self.buf) < self._need:
                raise Incomplete(self._need)
            try:
                resp, end = parse_one(self.buf, self.pos, method, check_date=self.check_date)
            except Incomplete as e:
                self._need = e.need
                raise
            self._need = 0
            segment = bytes(self.buf[self.pos : end])
            self._check_with_h11(segment, resp, method)
            self.pos = end
            self.responses.append(resp)
            if 100 <= resp.status < 200 and not informational_ok:
                continue
            if resp.status >= 200 and resp.closes:
                self.closed_by_response = True
            return resp

    def _check_with_h11(self, segment: bytes, resp: Response, method: str) -> None:
        self._h11_request(method)
        try:
            self.h11.receive_data(segment)
            body = bytearray()
            got_head = False
            while True:
                ev = self.h11.next_event()
                if ev is h11.NEED_DATA:
                    raise HTTPCheckError(
                        f"h11 needs more data than the strict parser framed ({len(segment)} bytes): "
                        f"{segment[:300]!r}"
                    )
                if isinstance(ev, h11.InformationalResponse):
                    if not (100 <= resp.status < 200) or ev.status_code != resp.status:
                        raise HTTPCheckError(f"h11 saw informational {ev.status_code}, strict saw {resp.status}")
                    break
                if isinstance(ev, h11.Response):
                    got_head = True
                    if ev.status_code != resp.status:
                        raise HTTPCheckError(f"h11 status {ev.status_code} != strict {resp.status}")
                elif isinstance(ev, h11.Data):
                    body += ev.data
                elif isinstance(ev, h11.EndOfMessage):
                    if not got_head or bytes(body) != resp.body:
                        raise HTTPCheckError("h11 and strict parser disagree on the body")
                    break
                elif isinstance(ev, h11.ConnectionClosed):
                    raise HTTPCheckError("h11 saw the connection close mid-response")
        except h11.RemoteProtocolError as e:
            raise HTTPCheckError(f"h11 rejected response: {e}; raw={segment[:400]!r}") from e
        if not (100 <= resp.status < 200):
            if self.h11.their_state is h11.DONE and self.h11.our_state is h11.DONE:
                self.h11.start_next_cycle()
            elif self.h11.their_state is not h11.MUST_CLOSE:
                raise HTTPCheckError(f"h11 in unexpected state {self.h11.states}")

    def leftover(self) -> bytes:
        return bytes(self.buf[self.pos :])


def check_stream(raw: bytes, methods: list[str], *, check_date: bool = True) -> list[Response]:
    """Validate a complete captured byte stream holding one response per method, nothing more."""
    s = ResponseStream(check_date=check_date)
    s.feed(raw)
    out = []
    for m in methods:
        try:
            out.append(s.next_response(m))
        except Incomplete:
            raise HTTPCheckError(
                f"stream ended inside response #{len(out)+1} of {len(methods)}: "
                f"{bytes(s.buf[s.pos:s.pos+400])!r}"
            ) from None
    if s.leftover():
        raise HTTPCheckError(f"unexpected bytes after {len(methods)} responses: {s.leftover()[:300]!r}")
    return out


class RawConn:
    """A raw TCP client whose every read response is checked by ResponseStream."""

    def __init__(self, port: int, *, host: str = HOST, timeout: float = 5.0, rcvbuf: int | None = None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.stream = ResponseStream()
        self.eof = False
        self.reset = False

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _recv_some(self, deadline: float) -> bytes:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(1 << 20)
        except ConnectionResetError:
            self.reset = True
            data = b""
        except socket.timeout:
            raise TimeoutError from None
        if not data:
            self.eof = True
        return data

    def read_response(self, method: str = "GET", *, timeout: float = 5.0, informational_ok: bool = False) -> Response:
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.stream.next_response(method, informational_ok=informational_ok)
            except Incomplete:
                pass
            if self.eof:
                raise HTTPCheckError(
                    f"connection closed ({'RST' if self.reset else 'FIN'}) before a complete response; "
                    f"got {self.stream.leftover()[:400]!r}"
                )
            try:
                self.stream.feed(self._recv_some(deadline))
            except TimeoutError:
                raise HTTPCheckError(
                    f"no complete response within {timeout}s; got {self.stream.leftover()[:400]!r}"
                ) from None

    def request(self, raw: bytes, method: str = "GET", *, timeout: float = 5.0) -> Response:
        self.send(raw)
        return self.read_response(method, timeout=timeout)

    def wait_closed(self, timeout: float = 3.0) -> bool:
        """True if the peer closes (FIN or RST) within timeout with no further bytes."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            try:
                data = self._recv_some(deadline)
            except TimeoutError:
                return False
            if data:
                raise HTTPCheckError(f"unexpected bytes while waiting for close: {data[:300]!r}")
        return True

    def got_nothing_for(self, seconds: float) -> bool:
        """True if no byte (and no close) arrives during `seconds`."""
        deadline = time.monotonic() + seconds
        try:
            data = self._recv_some(deadline)
        except TimeoutError:
            return True
        self.stream.feed(data)
        return False

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def get(port: int, path: str, headers: dict[str, str] | None = None, *, method: str = "GET",
        body: bytes | None = None, timeout: float = 5.0) -> Response:
    """One request on a fresh connection (Connection: close), via RawConn."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
    with RawConn(port, timeout=timeout) as c:
        c.send(raw)
        r = c.read_response(method, timeout=timeout)
        if not c.wait_closed(timeout):
            raise HTTPCheckError("server kept the connection open after Connection: close")
        return r


def build_request(method: str, path: str, headers: list[tuple[str, str]] | None = None,
                  body: bytes | None = None, version: str = "HTTP/1.1", host: bool = True) -> bytes:
    lines = [f"{method} {path} {version}"]
    if host:
        lines.append("Host: 127.0.0.1")
    for k, v in headers or []:
        lines.append(f"{k}: {v}")
    if body is not None and not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in headers or []):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


# ---------------------------------------------------------------- http.client with recording


class _RecordingRaw(io.RawIOBase):
    def __init__(self, sock: socket.socket, log: bytearray):
        self._sock = sock
        self._log = log

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = self._sock.recv_into(b)
        self._log += memoryview(b)[:n]
        return n


class _RecordingSocket:
    def __init__(self, sock: socket.socket, log: bytearray):
        self._sock = sock
        self._log = log

    def makefile(self, mode="r", buffering=None, **kw):
        assert "b" in mode
        return io.BufferedReader(_RecordingRaw(self._sock, self._log))

    def __getattr__(self, name):
        return getattr(self._sock, name)


class RecordingHTTPConnection(http.client.HTTPConnection):
    """http.client connection that records every byte received, so the test can
    re-check the exact stream with `check_stream` (strict parser + h11).
    Each TCP connection it opens is recorded and checked separately."""

    def __init__(self, port: int, timeout: float = 10.0):
        super().__init__(HOST, port, timeout=timeout)
        self.segments: list[tuple[bytearray, list[str]]] = []

    @property
    def connects(self) -> int:
        return len(self.segments)

    def connect(self):
        super().connect()
        if not self.segments or self.segments[-1][0] or len(self.segments[-1][1]) > 1:
            self.segments.append((bytearray(), []))
        self.sock = _RecordingSocket(self.sock, self.segments[-1][0])

    def request(self, method, url, body=None, headers={}, **kw):  # noqa: B006 - mirrors stdlib
        if self.sock is None:
            self.segments.append((bytearray(), []))
        self.segments[-1][1].append(method)
        return super().request(method, url, body=body, headers=headers, **kw)

    def verify(self) -> list[Response]:
        out: list[Response] = []
        for raw, methods in self.segments:
            out += check_stream(bytes(raw), methods)
        return out
