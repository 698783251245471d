"""The block storage API (Cinder v3) of the gateway."""

from tricircle.kit.service import Microversioned, OpenStackService
from tricircle.openstack_errors import cinder_fault

VOLUME = OpenStackService(
    name="volume",
    version_path="/v3",
    error_format=cinder_fault,
    microversions=Microversioned("volume", "3.0"),
)
