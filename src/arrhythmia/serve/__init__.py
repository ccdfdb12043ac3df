"""``arrhythmia serve``: review a model's beats in a browser and save the corrections.

Needs the ``serve`` extra (FastAPI, uvicorn). Nothing in the rest of the
package imports this one.
"""

from .app import create_app, serve

__all__ = ["create_app", "serve"]
