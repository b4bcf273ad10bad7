"""Row accounting, summed in one place: for every file, rows read = accepted + rejected +
duplicates + ignored (title, header, footer, blank, notes)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from transforms.intake.department import DepartmentIntake
from transforms.intake.file_report import FileReport


@dataclass(frozen=True)
class RowCounts:
    """How many files and rows, and what became of the rows (counts only: safe to log)."""

    files: int = 0
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    ignored: int = 0
    files_with_errors: int = 0

    @classmethod
    def of_files(cls, files: Iterable[FileReport]) -> RowCounts:
        files = list(files)
        return cls(
            files=len(files),
            rows_read=sum(f.rows_read for f in files),
            accepted=sum(f.accepted for f in files),
            rejected=sum(f.rejected for f in files),
            duplicates=sum(f.duplicates for f in files),
            ignored=sum(f.ignored for f in files),
            files_with_errors=sum(1 for f in files if f.error),
        )

    @classmethod
    def of_intakes(cls, intakes: Iterable[DepartmentIntake]) -> RowCounts:
        return cls.of_files(f for i in intakes for f in i.files)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def sentence(self) -> str:
        """One line for a log: counts only."""
        return (
            f"{self.files} files, {self.rows_read} rows read, {self.accepted} accepted, "
            f"{self.rejected} rejected, {self.duplicates} duplicates, {self.ignored} not data"
        )
