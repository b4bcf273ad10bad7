"""The inbox of a quarter: which department each folder belongs to, and its regular files.
Symbolic links (and pipes, sockets) are listed apart and never followed or opened."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from transforms.config import CountyConfig, load_config
from transforms.settings import DataRoot, Quarter, RunRefused


@dataclass
class InboxListing:
    """The inbox of a quarter: department folders found, and what could not be placed.
    `links`: per department (and "" for the inbox itself), the symbolic links and other entries
    that are not regular files or folders — listed, never followed or opened."""

    files: dict[str, list[Path]]
    unplaced: list[str]
    links: dict[str, list[Path]] = field(default_factory=dict)


def walk_regular(folder: Path) -> tuple[list[Path], list[Path]]:
    """Every regular file under `folder` (sorted), and apart from them every entry that is not a
    regular file or folder: symbolic links (to a file or a folder, inside or outside the data
    root), pipes, sockets. A link is never followed, not even to ask what it points to
    (`lstat` only), so nothing outside the data root is read through one."""
    files: list[Path] = []
    others: list[Path] = []
    pending = [folder]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_symlink():
                    others.append(Path(entry.path))
                elif entry.is_dir(follow_symlinks=False):
                    pending.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    files.append(Path(entry.path))
                else:
                    others.append(Path(entry.path))
    return sorted(files), sorted(others)


def list_inbox(inbox: Path, config: CountyConfig) -> InboxListing:
    """Map department folders (by code or Chinese name) to their regular files, sorted;
    symbolic links anywhere in the inbox are listed apart and never followed."""
    files: dict[str, list[Path]] = {d.code: [] for d in config.departments}
    unplaced: list[str] = []
    links: dict[str, list[Path]] = {}
    if inbox.is_symlink() or not inbox.is_dir():
        return InboxListing(files, unplaced, links)
    for entry in sorted(inbox.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_symlink() or not (entry.is_dir() or entry.is_file()):
            links.setdefault("", []).append(entry)
            continue
        dept = config.department_for_folder(entry.name) if entry.is_dir() else None
        if dept is None:
            unplaced.append(entry.name)
            continue
        regular, others = walk_regular(entry)
        files[dept.code].extend(regular)
        links.setdefault(dept.code, []).extend(others)
    for code in files:
        files[code].sort()
    return InboxListing(files, unplaced, {k: sorted(v) for k, v in links.items()})


def is_not_an_extract(path: Path) -> bool:
    """Hidden files and Excel's lock files (~$name.xlsx) are skipped, and listed as such."""
    return path.name.startswith((".", "~$")) or path.name in ("Thumbs.db", "desktop.ini")


@dataclass(frozen=True)
class OpenedInbox:
    """A quarter's inbox, opened: the data root, the county's configuration, the inbox folder
    and what is in it."""

    root: DataRoot
    config: CountyConfig
    folder: Path
    listing: InboxListing

    def link_names(self) -> list[str]:
        """The symbolic links at the inbox's top (a department folder that is a link)."""
        return [p.relative_to(self.folder).as_posix() for p in self.listing.links.get("", [])]


def open_inbox(data_root: str | Path, quarter: Quarter) -> OpenedInbox:
    """The data root, configuration and inbox listing of a quarter. Refuses (RunRefused) an
    inbox that is missing, or that is a symbolic link: nothing outside the data root is read."""
    root = DataRoot(Path(data_root).resolve())
    inbox = root.inbox(quarter)
    for folder in (inbox.parent, inbox):
        if folder.is_symlink():
            raise RunRefused(
                f"收件箱是符号链接，不会读取：{folder} / the inbox is a symbolic link and is never followed: {folder}"
            )
    if not inbox.is_dir():
        raise RunRefused(f"收件箱不存在：{inbox} / inbox not found: {inbox}")
    config = load_config()
    return OpenedInbox(root, config, inbox, list_inbox(inbox, config))
