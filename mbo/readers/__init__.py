"""Reading a patient from a file, standard input, bytes or parsed data (FHIR, native YAML/JSON, CSV)."""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypedDict, Union

import yaml

from .._errors import InputError
from .._knowledge import Knowledge
from .._patient import Patient
from ._csv import read_csv
from ._fhir import read_fhir_bundle
from ._native import native_schema, read_native
from ._several import read_several

__all__ = ["Source", "Sources", "read_patient", "native_schema"]

Source = Union[str, Path, bytes, Mapping[str, Any]]
Sources = Sequence[Union[Source, tuple[str, Source]]]


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML that leaves dates as text, so a bad date is reported with its field."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Loader.yaml_implicit_resolvers.items()
}


def read_patient(kb: Knowledge, source: Source | Sources, *, review_date: date | None = None,
                 birth_date: date | None = None, sex: str | None = None) -> Patient:
    """Read one patient; the format is recognised from the name and the content.

    `source` is a path, "-" for standard input, raw bytes, or already-parsed data; or a list of
    several such sources for the same patient, each optionally labelled: ("huisarts", "gp.json")
    or "apotheek=afleverhistorie.csv".
    """
    if isinstance(source, (list, tuple)):
        if not source:
            raise InputError("(sources)", "sources", "no source given")
        return read_several(source, lambda one, **kw: read_patient(kb, one, **kw), review_date=review_date,
                            birth_date=birth_date, sex=sex)
    options = _Options(review_date=review_date, birth_date=birth_date, sex=sex)
    if isinstance(source, Mapping):
        return _from_data(kb, source, "<data>", options)
    name, raw = _read_bytes(source)  # type: ignore[arg-type]  # a list was handled above
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise InputError(name, "(gzip)", f"cannot decompress: {err}") from None
        name_plain = name[:-3] if name.endswith(".gz") else name
    else:
        name_plain = name
    if name_plain.lower().endswith(".csv"):
        return read_csv(kb, raw, name, **options)
    stripped = raw.lstrip()
    if stripped[:1] in (b"{", b"["):
        try:
            data = json.loads(raw.decode("utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise InputError(name, "(json)", f"not valid JSON: {err}") from None
    else:
        try:
            data = yaml.load(raw.decode("utf-8-sig"), Loader=_Loader)
        except (yaml.YAMLError, UnicodeDecodeError) as err:
            if b"," in raw or b";" in raw:
                return read_csv(kb, raw, name, **options)
            raise InputError(name, "(yaml)", "not valid YAML: " + str(err).replace("\n", " ")) from None
        if isinstance(data, str) and ("," in data or ";" in data):
            return read_csv(kb, raw, name, **options)
    if not isinstance(data, Mapping):
        raise InputError(name, "(top)", "expected a FHIR Bundle or a patient mapping")
    return _from_data(kb, data, name, options)


class _Options(TypedDict):
    review_date: date | None
    birth_date: date | None
    sex: str | None


def _from_data(kb: Knowledge, data: Mapping[str, Any], name: str, options: _Options) -> Patient:
    if "resourceType" in data:
        return read_fhir_bundle(kb, data, name, **options)
    return read_native(kb, data, name, **options)


def _read_bytes(source: str | Path | bytes) -> tuple[str, bytes]:
    if isinstance(source, bytes):
        return "<bytes>", source
    if str(source) == "-":
        return "<stdin>", sys.stdin.buffer.read()
    path = Path(source)
    try:
        return str(source), path.read_bytes()
    except FileNotFoundError:
        raise InputError(str(source), "(file)", "no such file") from None
    except IsADirectoryError:
        raise InputError(str(source), "(file)", "is a folder, not a patient file") from None
    except OSError as err:
        raise InputError(str(source), "(file)", f"cannot read: {err.strerror}") from None
