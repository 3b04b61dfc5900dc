"""The exceptions of mbo, under one base.

    MboError
    ├── InputError       bad input: the message names the file and the field (CLI exit 2)
    ├── KnowledgeError   the knowledge base is missing or invalid (CLI exit 3)
    └── RenderError      an output cannot be made here, e.g. PDF without its libraries (CLI exit 2)
"""

from __future__ import annotations

__all__ = ["MboError", "InputError", "KnowledgeError", "RenderError"]


class MboError(Exception):
    """Base of every error mbo raises on purpose."""


class InputError(MboError):
    """A patient file that cannot be read as it stands."""

    def __init__(self, source: str, field: str, problem: str) -> None:
        self.source = source
        self.field = " ".join(field.split()) or repr(field)  # always one line
        self.problem = " ".join(problem.split())
        super().__init__(f"{source}: {self.field}: {self.problem}")


class KnowledgeError(MboError):
    """A knowledge file that is missing or does not follow the schema."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")


class RenderError(MboError):
    """An output that cannot be made in this environment (a library it needs is missing)."""

    def __init__(self, fmt: str, problem: str) -> None:
        self.fmt = fmt
        self.problem = " ".join(problem.split())
        super().__init__(f"{fmt}: {self.problem}")
