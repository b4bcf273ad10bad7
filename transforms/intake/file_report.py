"""The manifest's account of one input file: rows read, and every one of them accepted, rejected,
a duplicate or recognisably not data (`balanced`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class FileReport:
    """The manifest's account of one input file."""

    department: str
    path: str  # relative to the department's folder, as the clerk knows it
    sha256: str
    size_bytes: int
    encoding: str | None = None
    datasets: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    ignored: int = 0
    ignored_by_kind: dict[str, int] = field(
        default_factory=lambda: {"title": 0, "header": 0, "footer": 0, "blank": 0, "notes": 0}
    )  # notes: the rows of a sheet of notes for people (reading.yaml note_sheets)
    error: str | None = None
    location: str | None = None  # relative to the data root: inbox/<quarter>/<folder>/<path>
    # Not read again: its outcome was reused from an earlier run (transforms.intake.reuse).
    reused: bool = False

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.accepted + self.rejected + self.duplicates + self.ignored

    def as_dict(self) -> dict:
        """The file's account (the manifest's `inputs`; whether it was reused is said apart)."""
        data = asdict(self)
        data.pop("reused")
        return data
