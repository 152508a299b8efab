"""The voice library: SQLite catalog + content-addressed blobs + voice history."""

from .blobs import BlobStore
from .catalog import Catalog
from .emotions import EMOTIONS, normalize_emotion
from .editor import VoiceEditor
from .history import snapshot_diff
from .library import Library
from .models import Clip, Voice, VoiceVersion

__all__ = [
    "BlobStore", "Catalog", "Clip", "EMOTIONS", "Library", "Voice", "VoiceEditor", "VoiceVersion",
    "normalize_emotion", "snapshot_diff",
]
