"""Parsers and handlers of ``arrhythmia serve`` and ``arrhythmia report`` (parsing only)."""

from __future__ import annotations

from .options import finite_float


def add_parsers(sub) -> None:
    """Add the ``serve`` and ``report`` sub-commands to ``sub``."""
    p = sub.add_parser("serve", help="review recordings and their beats in a browser; corrections saved as WFDB (.arrc)")
    p.add_argument("folder", nargs="?", default=".",
                   help="annotate results (a folder with summary.json, or of such folders), or a folder of "
                        "recordings to annotate on demand (default: the current folder)")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--token", default=None, help="the token requests must carry (default: a new random one, printed)")
    p.add_argument("--out", default=None,
                   help="for a folder of recordings: where their outputs and corrections go (default runs/review)")
    p.add_argument("--recordings", default=None,
                   help="for results whose summary.json names no source: the folder of the recordings")
    p.add_argument("--model", default=None, help="bundle used to annotate recordings (default: the shipped model)")
    p.add_argument("--fs", type=finite_float, default=None, help="sampling rate of CSV / .npy recordings")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.set_defaults(func=serve)

    p = sub.add_parser("report", help="PDF report of an annotated recording (reviewed labels where corrected)")
    p.add_argument("recording", help="the recording's annotate output folder (with summary.json)")
    p.add_argument("--recording-file", dest="source", default=None,
                   help="the recording itself, when summary.json does not name it")
    p.add_argument("--fs", type=finite_float, default=None, help="sampling rate of a CSV / .npy recording")
    p.add_argument("--out", default=None, help="PDF file (default RECORDING/report.pdf)")
    p.set_defaults(func=report)


def serve(args) -> int:
    try:
        from ..serve import serve as run
    except ImportError as exc:
        from ..errors import ArrhythmiaError

        raise ArrhythmiaError(f"arrhythmia serve needs the 'serve' extra ({exc.name} is missing): "
                              "pip install 'arrhythmia[serve]'") from None
    if not (1 <= args.port <= 65535):
        from ..errors import ArrhythmiaError

        raise ArrhythmiaError(f"Invalid value for '--port': allowed 1 to 65535; got {args.port}.")
    run(args.folder, host=args.host, port=args.port, token=args.token, out=args.out, recordings=args.recordings,
        model=args.model, fs=args.fs, open_browser=args.open)
    return 0


def report(args) -> int:
    from ..reports.holter import write_report

    path = write_report(args.recording, out=args.out, source=args.source, fs=args.fs)
    print(f"report written to {path}")
    return 0

