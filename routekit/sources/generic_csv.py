"""A call-log CSV of the client's own making, described by a column mapping in routekit.yaml (placeholder)."""
from __future__ import annotations

from routekit.config import GenericCsvMapping
from routekit.sources.base import FileSample, SourceFormat


class GenericCsv(SourceFormat):
    target = "calls"
    reader = "csv"
    staging_model = "stg_generic_csv"

    def __init__(self, mapping: GenericCsvMapping) -> None:
        self.mapping = mapping
        self.name = f"generic_csv:{mapping.name}"
        self.title = f"generic call-log CSV '{mapping.name}' (routekit.yaml)"

    def matches(self, sample: FileSample) -> bool:
        return sample.kind == "csv" and sample.has_columns(*self.mapping.columns.values())
