"""lipsync: offline lip-sync for translated and dubbed video.

``import lipsync`` is light: it imports neither torch nor onnxruntime. The engine lives in
:mod:`lipsync.core`; user-facing errors in :mod:`lipsync.errors`.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
