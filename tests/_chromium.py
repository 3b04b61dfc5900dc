"""Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe): no websocket, no
extra package. One browser per test session; each page is opened in a fresh tab, and what the page logged
as an error (console.error, an uncaught exception, a failed load) is collected."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--remote-debugging-pipe"]


def chromium_binary() -> str | None:
    """Debian's chromium (or another Chromium/Chrome on the PATH), None when there is none."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageResult:
    """What one page showed: its screenshot (PNG bytes) and the errors it logged."""

    png: bytes
    errors: list[str] = field(default_factory=list)


class Chromium:
    """A headless browser; use as a context manager."""

    def __init__(self, binary: str, timeout: float = 30.0) -> None:
        self.binary, self.timeout = binary, timeout
        self._profile = tempfile.mkdtemp(prefix="mbo-chromium-")
        self._n = 0
        self._buf = b""

    def __enter__(self) -> Chromium:
        to_chrome_r, self._w = os.pipe()
        self._r, from_chrome_w = os.pipe()

        def wire() -> None:  # fd 3: what Chromium reads, fd 4: what it writes (dup first: pipes are close-on-exec)
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen([self.binary, *FLAGS, f"--user-data-dir={self._profile}", "about:blank"],
                                     preexec_fn=wire, close_fds=False, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._call("Browser.close")
        except Exception:  # noqa: BLE001 - closing is best effort; the process is killed below if needed
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        os.close(self._w)
        os.close(self._r)
        shutil.rmtree(self._profile, ignore_errors=True)

    # -- the protocol -----------------------------------------------------------------------------------------

    def _send(self, method: str, params: dict[str, Any] | None, session: str | None) -> int:
        self._n += 1
        message = {"id": self._n, "method": method, "params": params or {}, **({"sessionId": session} if session else {})}
        os.write(self._w, json.dumps(message).encode() + b"\0")
        return self._n

    def _receive(self, deadline: float) -> dict[str, Any]:
        import select

        while b"\0" not in self._buf:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._r], [], [], 0.5)
            if ready:
                chunk = os.read(self._r, 1 << 20)
                if not chunk:
                    raise EOFError("Chromium closed the pipe")
                self._buf += chunk
        message, _, self._buf = self._buf.partition(b"\0")
        return json.loads(message)  # type: ignore[no-any-return]

    def _call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
              events: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        wanted = self._send(method, params, session)
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._receive(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})  # type: ignore[no-any-return]
            if events is not None:
                events.append(message)

    # -- pages ------------------------------------------------------------------------------------------------

    def open(self, path: Path, width: int = 900, height: int = 1200) -> PageResult:
        """Load a file in a new tab, wait for it, take a screenshot of the first screen, collect logged errors."""
        events: list[dict[str, Any]] = []
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        try:
            for method in ("Page.enable", "Runtime.enable", "Log.enable"):
                self._call(method, session=session, events=events)
            self._call("Emulation.setDeviceMetricsOverride",
                       {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session, events)
            self._call("Page.navigate", {"url": path.resolve().as_uri()}, session, events)
            deadline = time.monotonic() + self.timeout
            while not any(e.get("method") == "Page.loadEventFired" and e.get("sessionId") == session for e in events):
                events.append(self._receive(deadline))
            shot = self._call("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True}, session, events)
        finally:
            self._call("Target.closeTarget", {"targetId": target}, events=events)
        return PageResult(png=base64.b64decode(shot["data"]), errors=_errors([e for e in events if e.get("sessionId") == session]))


def _errors(events: list[dict[str, Any]]) -> list[str]:
    out = []
    for e in events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            out.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            out.append("exception: " + str(details.get("exception", {}).get("description") or details.get("text")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            out.append("log: " + str(params["entry"].get("text")))
    return out
