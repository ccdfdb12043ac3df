"""The REST API (``/api``) that the page uses and other programs can call.

Times are seconds from the start of the recording; samples are at the
recording's own rate; amplitudes are microvolts (integers).
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Path as PathParam, Query, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from ..errors import ArrhythmiaError
from ..labels import AAMI_CLASSES
from .recordings import Opened, add_progress
from .signal import MAX_POINTS

router = APIRouter(prefix="/api")
RecId = PathParam(..., description="Recording id (its output folder's name)", pattern=r"^[-\w.]+$", max_length=200)
Label = Literal[AAMI_CLASSES]  # type: ignore[valid-type]


def _json(obj) -> Response:
    """Large replies serialised directly (FastAPI's encoder walks every element of a 100,000-beat list)."""
    import json

    return Response(json.dumps(obj, separators=(",", ":")), media_type="application/json")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CorrectionIn(Strict):
    """One reviewer action. Which fields it needs depends on ``action``:

    * ``relabel``: ``samples`` (or ``sample``) and ``label``;
    * ``delete``: ``sample``;
    * ``insert``: ``sample`` and ``label``; with ``snap`` (default) the beat goes to the
      largest deflection within 150 ms (the nearest R peak);
    * ``noise``: ``start``, ``end`` (samples) and ``kind`` (``noise`` or ``unreadable``);
    * ``episode``: ``start``, ``end`` and ``kind`` (``AF``, ``AFL``, ``VT``);
    * ``unmark``: ``what`` (``noise`` or ``episode``), ``start``, ``end``, ``kind`` of a mark to remove.
    """

    action: Literal["relabel", "delete", "insert", "noise", "episode", "unmark"]
    sample: int | None = Field(None, ge=0)
    samples: list[int] | None = Field(None, max_length=200_000)
    label: Label | None = None
    start: int | None = Field(None, ge=0)
    end: int | None = Field(None, ge=0)
    kind: str | None = Field(None, max_length=20)
    what: Literal["noise", "episode"] | None = None
    snap: bool = True


class GroupLabelIn(Strict):
    label: Label
    templates_id: str = Field(..., max_length=64, description="From GET .../templates: the grouping relabelled")


class ProgressIn(Strict):
    start_s: float = Field(..., ge=0)
    end_s: float = Field(..., ge=0)


def _open(request: Request, rec_id: str) -> Opened:
    try:
        return request.app.state.library.open(rec_id)
    except KeyError:
        raise HTTPException(404, f"Unknown recording {rec_id!r}") from None


def _need(body: CorrectionIn, *names):
    missing = [n for n in names if getattr(body, n) is None]
    if missing:
        raise ArrhythmiaError(f"Invalid correction: action {body.action!r} needs {', '.join(map(repr, missing))}.")


def _state(rec: Opened, result: dict) -> dict:
    m = rec.meta()
    return {**result, **{k: m[k] for k in ("n_beats", "beats_per_class", "n_corrections", "can_undo")}}


@router.get("/recordings", summary="The recordings: beats, burden, review progress")
def list_recordings(request: Request):
    return {"recordings": request.app.state.library.listing()}


@router.get("/recordings/{rec_id}", summary="One recording: rate, length, leads, counts after review")
def recording(request: Request, rec_id: str = RecId):
    return _open(request, rec_id).meta()


@router.get("/recordings/{rec_id}/signal", summary="A signal window, decimated to min/max pairs")
def signal(request: Request, rec_id: str = RecId, start: float = Query(..., ge=0, description="s"),
           end: float = Query(..., gt=0, description="s"),
           points: int = Query(2000, ge=1, le=MAX_POINTS, description="most (min, max) pairs per lead")):
    rec = _open(request, rec_id)
    return _json(rec.signal.window(start, end, points).to_json(rec.signal.fs, rec.signal.leads))


@router.get("/recordings/{rec_id}/beats", summary="Beats (after review) in a time range")
def beats(request: Request, rec_id: str = RecId, start: float | None = Query(None, ge=0),
          end: float | None = Query(None, gt=0)):
    """``label`` and ``model_label`` are strings with one letter per beat (``-``: inserted by the reviewer);
    ``confidence`` is the model's, in thousandths (-1 for an inserted beat)."""
    return _json(_open(request, rec_id).beats(start, end))


@router.get("/recordings/{rec_id}/events", summary="Runs, rhythm episodes and noise marks in a time range")
def events(request: Request, rec_id: str = RecId, start: float | None = Query(None, ge=0),
           end: float | None = Query(None, gt=0)):
    return _json(_open(request, rec_id).events(start, end))


@router.get("/recordings/{rec_id}/overview", summary="Heart rate, S, V and low-confidence beats per time bin")
def overview(request: Request, rec_id: str = RecId, bins: int = Query(600, ge=1, le=5000)):
    return _json(_open(request, rec_id).overview(bins))


@router.get("/recordings/{rec_id}/templates", summary="Beats grouped by shape")
def templates(request: Request, rec_id: str = RecId):
    return _json(_open(request, rec_id).templates()[2])


@router.post("/recordings/{rec_id}/templates/{group}/label", summary="Relabel every beat of a template (one undo)")
def label_template(body: GroupLabelIn, request: Request, rec_id: str = RecId, group: int = PathParam(..., ge=0)):
    rec = _open(request, rec_id)
    return _state(rec, rec.relabel_group(group, body.label, body.templates_id))


@router.get("/recordings/{rec_id}/corrections", summary="Every correction, in the order made")
def corrections(request: Request, rec_id: str = RecId):
    rec = _open(request, rec_id)
    fs = rec.signal.fs
    return {"corrections": [{"time_s": None if c.sample is None else c.sample / fs, "sample": c.sample,
                             "action": c.action, "old": c.old, "new": c.new, "when": c.when,
                             "end_sample": c.end_sample, "batch": c.batch} for c in rec.store.corrections]}


@router.post("/recordings/{rec_id}/corrections", summary="Make a correction (saved before the reply)")
def correct(body: CorrectionIn, request: Request, rec_id: str = RecId):
    rec = _open(request, rec_id)
    st, a = rec.store, body.action
    if a == "relabel":
        _need(body, "label")
        if body.samples is None and body.sample is None:
            _need(body, "samples")
        out = st.relabel(body.samples if body.samples is not None else [body.sample], body.label)
    elif a == "delete":
        _need(body, "sample")
        out = st.delete(body.sample)
    elif a == "insert":
        _need(body, "sample", "label")
        sample = rec.signal.snap_peak(body.sample) if body.snap else body.sample
        out = st.insert(sample, body.label)
    elif a in ("noise", "episode"):
        _need(body, "start", "end", "kind")
        out = st.mark(a, body.start, body.end, body.kind)
    else:
        _need(body, "what", "start", "end", "kind")
        out = st.unmark(body.what, body.start, body.end, body.kind)
    return _state(rec, out)


@router.post("/recordings/{rec_id}/undo", summary="Undo the last correction still in effect (a whole batch)")
def undo(request: Request, rec_id: str = RecId):
    rec = _open(request, rec_id)
    return _state(rec, rec.store.undo())


@router.post("/recordings/{rec_id}/flush", summary="Wait until the .arrc file holds every correction")
def flush(request: Request, rec_id: str = RecId):
    rec = _open(request, rec_id)
    if not rec.store.flush():
        raise HTTPException(503, "the reviewed annotation file is still being written; try again")
    if rec.store.error:
        raise HTTPException(507, rec.store.error)
    return {"annotation": rec.store.arrc.name, "written": rec.store.arrc.is_file()}


@router.post("/recordings/{rec_id}/progress", summary="Record a stretch the reviewer looked at")
def progress(body: ProgressIn, request: Request, rec_id: str = RecId):
    rec = _open(request, rec_id)
    if not body.start_s < body.end_s <= rec.signal.duration_s + 1e-6:
        raise ArrhythmiaError(f"Invalid range {body.start_s:g}-{body.end_s:g} s: allowed within "
                              f"0-{rec.signal.duration_s:.3f} s with start < end.")
    add_progress(rec.entry.folder, body.start_s, body.end_s)
    return rec.meta()["progress"]


@router.post("/recordings/{rec_id}/report", summary="Write the PDF report (reviewed labels) and return it")
def report(request: Request, rec_id: str = RecId):
    from ..reports.holter import write_report

    rec = _open(request, rec_id)
    rec.store.flush()
    path = write_report(rec.entry.folder, source=rec.entry.source, fs=rec.entry.fs)
    return FileResponse(path, media_type="application/pdf", filename=path.name)
