"""Follow a container's stdout and stderr: keep head and tail, stop the job past a budget."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import requests
from docker.errors import DockerException
from docker.models.containers import Container

log = logging.getLogger(__name__)

_KEEP_OUTPUT = 100_000  # bytes kept from the head and from the tail of each stream


class OutputMonitor:
    """Follows stdout and stderr, keeps head and tail, kills the job past the byte budget."""

    def __init__(self, container: Container, budget: int, *,
                 kill: Callable[[Container], None],
                 on_output: Callable[[str, str], None] | None = None) -> None:
        self.container = container
        self.on_output = on_output
        self.kill = kill
        self.budget = budget
        self.exceeded = False
        self._total = 0
        self._lock = threading.Lock()
        self._heads: dict[str, bytearray] = {"stdout": bytearray(), "stderr": bytearray()}
        self._tails: dict[str, bytearray] = {"stdout": bytearray(), "stderr": bytearray()}
        self._cut: dict[str, int] = {"stdout": 0, "stderr": 0}
        self._threads = [threading.Thread(target=self._follow, args=(s,), daemon=True)
                         for s in ("stdout", "stderr")]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=10)

    def text(self, stream: str) -> bytes:
        head, tail = self._heads[stream], self._tails[stream]
        if not self._cut[stream]:
            return bytes(head + tail)
        return bytes(head) + f"\n[... {self._cut[stream]} bytes cut ...]\n".encode() + bytes(tail)

    def _follow(self, stream: str) -> None:
        try:
            chunks = self.container.logs(stream=True, follow=True,
                                         stdout=stream == "stdout", stderr=stream == "stderr")
            for chunk in chunks:
                self._keep(stream, chunk)
                if self.on_output is not None:
                    self._tell(stream, chunk)
                with self._lock:
                    self._total += len(chunk)
                    over = self._total > self.budget and not self.exceeded
                    if over:
                        self.exceeded = True
                if over:
                    self.kill(self.container)
                if self.exceeded:
                    return
        except (DockerException, requests.exceptions.RequestException) as exc:
            log.debug("log stream ended: %s", exc)

    def _tell(self, stream: str, chunk: bytes) -> None:
        try:
            self.on_output(stream, chunk.decode("utf-8", errors="replace"))  # type: ignore[misc]
        except Exception as exc:  # a display must never disturb the job
            log.debug("output listener failed: %s", exc)

    def _keep(self, stream: str, chunk: bytes) -> None:
        head, tail = self._heads[stream], self._tails[stream]
        room = _KEEP_OUTPUT - len(head)
        if room > 0:
            head += chunk[:room]
            chunk = chunk[room:]
        tail += chunk
        if len(tail) > _KEEP_OUTPUT:
            self._cut[stream] += len(tail) - _KEEP_OUTPUT
            del tail[:-_KEEP_OUTPUT]
