"""HTML to PDF with WeasyPrint (print CSS, A4), loaded only when a PDF is asked for."""

from __future__ import annotations

from types import ModuleType

from .._errors import RenderError

__all__ = ["html_to_pdf", "load_weasyprint"]


def load_weasyprint() -> ModuleType:
    """The weasyprint module, or a RenderError that says in one line what to install."""
    try:
        import weasyprint
    except ImportError:
        raise RenderError("pdf", "the Python package weasyprint is not installed (pip install weasyprint)") from None
    except OSError as err:  # the package is there, but pango (a system library) is not
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise RenderError("pdf", "WeasyPrint needs the pango library (Debian: apt-get install libpango-1.0-0 "
                                 f"libpangoft2-1.0-0): {first}") from None
    return weasyprint


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML document (no external files are fetched)."""
    weasyprint = load_weasyprint()
    return weasyprint.HTML(string=html, base_url=None, url_fetcher=_no_fetch).write_pdf()


def _no_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    raise ValueError(f"reports are self-contained; not fetching {url}")
