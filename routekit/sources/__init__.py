"""The registry of source formats: each format module registers itself at its bottom.

``get_format(name)`` names what is missing; ``detect(sample, formats)`` picks the one format whose ``matches``
accepts a file's content (never its name).
"""
from __future__ import annotations

from routekit.sources.base import FileSample, LoadError, LoadResult, Refused, RefusedLayout, SourceFormat


class FormatRegistry:
    def __init__(self) -> None:
        self._formats: dict[str, SourceFormat] = {}
        self._refused: list[RefusedLayout] = []

    def register(self, fmt: SourceFormat) -> SourceFormat:
        self._formats[fmt.name] = fmt
        return fmt

    def refuse(self, layout: RefusedLayout) -> RefusedLayout:
        self._refused.append(layout)
        return layout

    def refusal(self, sample: FileSample) -> str | None:
        """Why a file no format loads is not loaded, when its layout is one routekit knows and refuses."""
        return next((layout.skip_reason() for layout in self._refused if layout.matches(sample)), None)

    def get_format(self, name: str) -> SourceFormat:
        try:
            return self._formats[name]
        except KeyError:
            raise KeyError(f"no source format named {name!r}; known: {', '.join(sorted(self._formats))}") from None

    def formats(self) -> list[SourceFormat]:
        return list(self._formats.values())


registry = FormatRegistry()


def detect(sample: FileSample, formats: list[SourceFormat]) -> SourceFormat | None:
    """The format of a file, judged from its content. Ambiguity is a bug in the formats' ``matches``."""
    hits = [f for f in formats if f.matches(sample)]
    if len(hits) > 1:
        raise LookupError(f"{sample.path}: matches several formats ({', '.join(f.name for f in hits)})")
    return hits[0] if hits else None


def _import_format_modules() -> None:
    """Every module in this package registers its formats at its bottom: adding a format is adding a file."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if info.name not in ("base", "generic_csv"):
            importlib.import_module(f"{__name__}.{info.name}")


_import_format_modules()

__all__ = ["FileSample", "FormatRegistry", "LoadError", "LoadResult", "Refused", "RefusedLayout", "SourceFormat",
           "detect", "registry"]
