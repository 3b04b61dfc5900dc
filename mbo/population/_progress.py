"""Progress of long population runs: an optional callback `progress(step, done, total)` that the CLI shows
as a bar on stderr and a script may log; the library itself never prints."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["ProgressFn", "Steps"]

ProgressFn = Callable[[str, int, int], None]


class Steps:
    """The steps of one run, reported to an optional callback as they begin.

        >>> seen = []
        >>> steps = Steps(lambda step, done, total: seen.append((step, done, total)), total=2)
        >>> steps("grouping"); steps("ranking"); steps.finish()
        >>> seen
        [('grouping', 0, 2), ('ranking', 1, 2), ('done', 2, 2)]
    """

    def __init__(self, progress: ProgressFn | None, total: int) -> None:
        self._progress = progress
        self.total = total
        self.done = 0
        self._begun = False

    def __call__(self, step: str) -> None:
        """Begin `step` (the previous one, if any, is done)."""
        if self._begun:
            self.done += 1
        self._begun = True
        if self._progress is not None:
            self._progress(step, self.done, self.total)

    def extend(self, more: int) -> None:
        """Add `more` steps to the total (known only along the way, e.g. the patients to review)."""
        self.total += more

    def finish(self) -> None:
        """Report the run complete."""
        self.done = self.total
        if self._progress is not None:
            self._progress("done", self.done, self.total)
