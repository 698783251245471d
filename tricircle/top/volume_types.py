"""The top's volume type registry: types, their extra specs and access lists."""

from __future__ import annotations

from tricircle.top.models import VolumeType, VolumeTypeAccess
from tricircle.top.registry import SharedRegistry

# Cinder's own default type, which every Cinder has: the top has it too
DEFAULT_TYPE = "__DEFAULT__"


class VolumeTypeStore(SharedRegistry[VolumeType]):
    model = VolumeType
    access = VolumeTypeAccess
    access_key = "volume_type_id"
