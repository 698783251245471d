"""The block storage API (Cinder v3) of the gateway."""

from tricircle.kit.service import Microversioned, OpenStackService
from tricircle.openstack_errors import nova_fault

# Cinder's faults are written as Nova's
VOLUME = OpenStackService(
    name="volume",
    version_path="/v3",
    error_format=nova_fault,
    microversions=Microversioned("volume", "3.0"),
)
