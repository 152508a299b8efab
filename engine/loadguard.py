"""Plain errors for model files that cannot be loaded.

Loading a model goes through libraries (torch, safetensors, transformers) that report a damaged,
truncated or hostile file with their own exceptions: ``pickle.UnpicklingError``,
``safetensors.SafetensorError``, ``RuntimeError("PytorchStreamReader failed ...")``, ``OSError``
from transformers, ``EOFError``... :func:`loading` wraps exactly the load call and turns those into
:class:`~engine.errors.TimbrelError` s that say which file and what to do: an asset (a pretrained
model the user linked or downloaded) becomes :class:`MissingAsset` ("download or link it again"),
a pickle that tries to run code becomes :class:`UnsafeFile`, weights stored in the library become
:class:`StorageError` ("run timbrel doctor").
"""

from __future__ import annotations

import contextlib
import pickle
import zipfile
from typing import Iterator

from .errors import MissingAsset, StorageError, TimbrelError, UnsafeFile

_LOAD_ERRORS = (RuntimeError, OSError, ValueError, EOFError, KeyError, IndexError, TypeError, zipfile.BadZipFile,
                MemoryError, OverflowError)


def _detail(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:240]


def is_load_error(exc: BaseException) -> bool:
    return type(exc).__name__ == "SafetensorError" or isinstance(exc, _LOAD_ERRORS)


@contextlib.contextmanager
def loading(what: str, path: object, *, in_library: bool = False, hint: str | None = None) -> Iterator[None]:
    """Around the call that reads model file ``path`` (described as ``what``)."""
    try:
        yield
    except TimbrelError:
        raise
    except pickle.UnpicklingError as exc:
        raise UnsafeFile(f"{what} ({path}) contains code or objects a model file should not have; it was refused "
                         "and nothing in it ran.", hint=hint or "Only use model files from sources you trust.") from exc
    except Exception as exc:  # noqa: BLE001 - narrowed just below
        if not is_load_error(exc):
            raise
        if in_library:
            raise StorageError(f"{what} stored in the library cannot be read: it is damaged ({_detail(exc)}).",
                               hint=hint or "Run 'timbrel doctor' to see what is damaged.") from exc
        raise MissingAsset(f"{what} at {path} is damaged or incomplete ({_detail(exc)}).",
                           hint=hint or "Download or link it again ('timbrel assets').") from exc
