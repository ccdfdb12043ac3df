"""The one output policy of every command that writes.

1. **Never over an input.** An output path that is, contains or lies inside
   one of the command's inputs is refused before any work.
2. **Only our own folders, only our own files.** An existing output folder is
   used only when it is empty or was made by this tool: it then holds
   :data:`MARKER`, a small JSON file naming the command that made it, when,
   from which inputs, and every file it wrote. Replacing an earlier output
   needs ``force`` (the CLI's ``--force``), and even then only the files that
   the marker lists are replaced or removed: anything else in the folder (a
   file the user put there) is left alone, and the folder itself is never
   deleted.
3. **A file output never replaces a file the command read**, and replaces an
   existing file only with ``force``.
4. **Whole or not at all.** Files are written into a temporary folder beside
   the output and moved into place only when every one of them is complete;
   on any error (or Ctrl-C) the temporary folder is removed and the output is
   left as it was.

:class:`OutputFolder` applies rules 1, 2 and 4 to a folder,
:class:`OutputFile` rules 1, 3 and 4 to a single file,
:func:`working_folder` rules 1 and 2 to a folder written step by step
(training checkpoints, cross-validation folds).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..errors import ArrhythmiaError, file_error

MARKER = ".arrhythmia.json"
"""Name of the marker file every output folder of this tool holds."""


def _resolve(p) -> Path:
    return Path(os.path.abspath(Path(p).expanduser())).resolve()


def _inside(child: Path, parent: Path) -> bool:
    return child != parent and parent in child.parents


def check_not_input(out, inputs, option: str = "--out") -> None:
    """Refuse an output path that is, contains or lies inside one of ``inputs``.

    Parameters
    ----------
    out : str or Path
    inputs : iterable of str or Path
        Files and folders the command reads.
    option : str
        The option's name, for the message.

    Raises
    ------
    ArrhythmiaError
        ``Invalid value for '--out': DIR contains the input FILE; ...``
    """
    o = _resolve(out)
    for p in inputs:
        if p is None:
            continue
        q = _resolve(p)
        if o == q:
            why = "is an input of this command"
        elif _inside(q, o):
            why = f"contains the input {p}"
        elif _inside(o, q):
            why = f"lies inside the input {p}"
        else:
            continue
        raise ArrhythmiaError(f"Invalid value for {option!r}: {out} {why}; outputs never go over inputs, "
                              "choose another path.")


def read_marker(folder) -> dict | None:
    """The marker of an output folder of ours, or None (no marker, or not one of ours)."""
    p = Path(folder) / MARKER
    if not p.is_file():
        return None
    try:
        m = json.loads(p.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return m if isinstance(m, dict) and m.get("tool") == "arrhythmia" else None


def _owned_files(folder: Path, marker: dict | None) -> list[Path]:
    """Files an earlier run listed as its own (only those inside ``folder``)."""
    if not marker:
        return []
    root = _resolve(folder)
    out = []
    for rel in marker.get("files", []):
        p = _resolve(root / rel)
        if _inside(p, root) and p.name != MARKER:
            out.append(p)
    return out


def _remove_owned(folder: Path, marker: dict | None, keep=()) -> None:
    """Delete the files an earlier run of ours wrote (but not ``keep``), then the folders it left empty."""
    keep = {_resolve(folder / k) for k in keep}
    root = _resolve(folder)
    dirs = set()
    for p in _owned_files(folder, marker):
        if p in keep:
            continue
        if p.is_file() or p.is_symlink():
            p.unlink()
        dirs.update(d for d in p.parents if _inside(d, root))
    for d in sorted(dirs, key=lambda d: -len(d.parts)):  # deepest first; only folders now empty
        try:
            d.rmdir()
        except OSError:
            pass


def _umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux), else by setting and
    restoring it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _default_mode(full: int) -> int:
    """``full`` (0o666 for a file, 0o777 for a folder) less the process's umask."""
    return full & ~_umask()


def _chmod(path, full: int) -> None:
    """The mode a plain open/mkdir would have given; a file system without POSIX modes keeps its own."""
    with contextlib.suppress(OSError):
        os.chmod(path, _default_mode(full))


def created() -> str:
    """The time a marker records (UTC, to the second): now, or ``$SOURCE_DATE_EPOCH`` when set (the
    reproducible-builds convention), so that two runs can give byte-identical output folders."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    when = (datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch.isdigit()
            else datetime.datetime.now(datetime.timezone.utc))
    return when.isoformat(timespec="seconds")


def _write_marker(folder: Path, command: str, inputs, files, complete: bool = True, extra: dict | None = None) -> None:
    from .. import __version__

    marker = {
        "tool": "arrhythmia", "version": __version__, "command": command,
        "created": created(),
        "inputs": [str(_resolve(p)) for p in inputs if p is not None],
        "complete": bool(complete),
        "files": sorted(str(f) for f in files),
        **(extra or {}),
    }
    tmp = folder / f".{MARKER}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(marker, indent=2) + "\n")
    os.replace(tmp, folder / MARKER)


def _files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name != MARKER)


def _check_folder(out: Path, command: str, force: bool, allow: tuple[str, ...] = ()) -> dict | None:
    """Rule 2: the marker of ``out`` if it may be written into, else raise. ``allow``: commands whose earlier
    output may be continued without ``force`` (a resumed training)."""
    if not out.exists():
        return None
    if not out.is_dir():
        raise file_error(out, "exists and is not a folder; choose another --out")
    marker = read_marker(out)
    if marker is None:
        if any(out.iterdir()):
            raise file_error(out, f"exists, is not empty and was not made by arrhythmia (no {MARKER} in it); "
                                  "nothing was written: choose another --out")
        return None
    if not force and marker.get("command") not in allow:
        raise file_error(out, f"holds an earlier output of 'arrhythmia {marker.get('command')}' "
                              f"({marker.get('created')}); add --force to replace its files")
    return marker


class OutputFolder:
    """An output folder written whole or not at all (rules 1, 2 and 4).

    Parameters
    ----------
    out : str or Path
    command : str
        The command that writes it (``'annotate'``), recorded in the marker.
    inputs : iterable of str or Path
        What the command reads (recording files, bundle folder, data folder).
    force : bool
        Replace an earlier output of ours (its files only).

    Examples
    --------
    >>> guard = OutputFolder(out, "annotate", inputs=[record_files...]).check()   # before any work
    >>> with guard.staging() as tmp:                                              # doctest: +SKIP
    ...     (tmp / "summary.json").write_text("{}")
    """

    def __init__(self, out, command: str, inputs=(), force: bool = False, extra: dict | None = None):
        self.out = Path(out).expanduser()
        self.command = command
        self.inputs = tuple(p for p in inputs if p is not None)
        self.force = bool(force)
        self.extra = dict(extra or {})
        self._marker = None
        self._checked = False

    def check(self) -> "OutputFolder":
        """Apply rules 1 and 2 now (call it before any work); returns ``self``."""
        check_not_input(self.out, self.inputs)
        self._marker = _check_folder(self.out, self.command, self.force)
        self._checked = True
        return self

    @contextmanager
    def staging(self):
        """Yield a temporary folder beside the output; on success its files replace ours in the output.

        Yields
        ------
        Path
        """
        if not self._checked:
            self.check()
        else:  # the folder may have changed during the work: check again
            self._marker = _check_folder(self.out, self.command, self.force)
        parent = self.out.parent
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{self.out.name}-", dir=parent))
        try:
            yield tmp
            self._commit(tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _commit(self, tmp: Path) -> None:
        files = _files_under(tmp)
        if not self.out.exists():
            _write_marker(tmp, self.command, self.inputs, files, extra=self.extra)
            _chmod(tmp, 0o777)  # mkdtemp's 0700, as a plain mkdir would have made it
            os.replace(tmp, self.out)  # one rename: the whole folder appears at once
            return
        _remove_owned(self.out, self._marker, keep=files)
        for rel in files:
            dst = self.out / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            if dst.is_dir():
                raise file_error(dst, "is a folder where this command writes a file; nothing more was written")
            os.replace(tmp / rel, dst)
        _write_marker(self.out, self.command, self.inputs, files, extra=self.extra)


@contextmanager
def working_folder(out, command: str, inputs=(), force: bool = False, resume: bool = False):
    """A folder written step by step (checkpoints every epoch), marked as ours from the start.

    With ``force`` the files of an earlier output of ours are removed first
    (never anything else, never the folder); with ``resume`` an earlier
    unfinished or finished run of the same command is continued. On success
    the marker lists every file the run left in the folder, except those that
    were there before and not ours.

    Yields
    ------
    Path
        The folder.
    """
    out = Path(out).expanduser()
    check_not_input(out, inputs)
    marker = _check_folder(out, command, force, allow=(command,) if resume else ())
    if marker is not None and (marker.get("command") != command or not resume):
        _remove_owned(out, marker)  # force: an earlier output of ours is replaced, its files first
        marker = None
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    ours = set(marker.get("files", [])) if marker else set()
    foreign = {f for f in _files_under(out) if f not in ours}
    _write_marker(out, command, inputs, sorted(ours), complete=False)
    try:
        yield out
    except BaseException:
        if created and not _files_under(out):  # failed before writing anything: leave no empty folder behind
            shutil.rmtree(out, ignore_errors=True)
        raise
    _write_marker(out, command, inputs, [f for f in _files_under(out) if f not in foreign])


def mark_file_written(folder, rel: str) -> None:
    """Add ``rel`` to the files the marker of ``folder`` lists (a file added later, e.g. an export's model.onnx)."""
    folder = Path(folder)
    m = read_marker(folder)
    if m is None:
        return
    files = sorted(set(m.get("files", [])) | {rel})
    extra = {k: v for k, v in m.items() if k not in ("tool", "version", "command", "created", "inputs", "complete",
                                                     "files")}
    _write_marker(folder, m.get("command", ""), m.get("inputs", []), files, complete=m.get("complete", True),
                  extra=extra)


class OutputFile:
    """One output file (rules 1, 3 and 4).

    Parameters
    ----------
    path : str or Path
    inputs : iterable of str or Path
    force : bool
        Replace an existing file (never an input).
    replaceable : bool
        The file may be replaced without ``force`` (it is this tool's own
        slot, e.g. a bundle's ``model.onnx``).
    option : str
        The option's name, for messages.
    """

    def __init__(self, path, inputs=(), force: bool = False, replaceable: bool = False, option: str = "--out"):
        self.path = Path(path).expanduser()
        self.inputs = tuple(p for p in inputs if p is not None)
        self.force = force
        self.replaceable = replaceable
        self.option = option

    def check(self) -> "OutputFile":
        """Apply rules 1 and 3 now (before any work); returns ``self``."""
        check_not_input(self.path, self.inputs, self.option)
        if self.path.is_dir():
            raise file_error(self.path, f"is a folder; {self.option} takes a file name")
        if self.path.exists() and not (self.force or self.replaceable):
            raise file_error(self.path, "exists; add --force to replace it")
        return self

    @contextmanager
    def staging(self):
        """Yield a temporary path beside the file; on success it replaces the file."""
        self.check()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # the temporary file keeps the suffix: writers such as matplotlib choose the format by it
        fd, name = tempfile.mkstemp(prefix=f".{self.path.stem}-", suffix=self.path.suffix, dir=self.path.parent)
        os.close(fd)
        tmp = Path(name)
        try:
            yield tmp
            _chmod(tmp, 0o666)  # mkstemp's 0600, as a plain open() would have made it
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
