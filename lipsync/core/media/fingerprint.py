"""Naming a media file by its content, cheaply enough to do on every render.

Files up to :data:`FULL_HASH_LIMIT` are hashed whole. Larger ones (camera originals of many
gigabytes) are hashed by their size plus :data:`SAMPLE_COUNT` blocks spread evenly through
them, head and tail included: any re-encode, re-export, trim or append changes the name, while
hashing stays a fraction of a second. Results are cached per (path, size, mtime) in the process.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from lipsync.core.errors import MediaNotFoundError
from lipsync.core.media.container import PathLike

FULL_HASH_LIMIT = 256 * 2**20  # bytes; smaller files are hashed whole
SAMPLE_COUNT = 257  # blocks read from a larger file
SAMPLE_BYTES = 2**20  # bytes per block
CHUNK_BYTES = 2**20  # bytes read at a time when hashing whole


def file_digest(path: PathLike) -> str:
    """SHA-256 (hex) naming the content of the file at ``path`` (see the module note)."""
    try:
        st = os.stat(path)
    except OSError as e:
        raise MediaNotFoundError(f"The file '{path}' cannot be read ({e.strerror}).") from e
    return _digest(os.fspath(path), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=256)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256(f"{size}:".encode())
    try:
        with open(path, "rb") as f:
            if size <= FULL_HASH_LIMIT:
                while chunk := f.read(CHUNK_BYTES):
                    h.update(chunk)
            else:
                step = (size - SAMPLE_BYTES) / (SAMPLE_COUNT - 1)
                for i in range(SAMPLE_COUNT):
                    f.seek(round(i * step))
                    h.update(f.read(SAMPLE_BYTES))
    except OSError as e:
        raise MediaNotFoundError(f"The file '{path}' cannot be read ({e.strerror}).") from e
    return h.hexdigest()
