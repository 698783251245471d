"""The compute API (Nova v2.1) of the gateway."""

from tricircle.kit.service import Microversioned, OpenStackService
from tricircle.openstack_errors import nova_fault

COMPUTE = OpenStackService(
    name="compute",
    version_path="/v2.1",
    error_format=nova_fault,
    microversions=Microversioned("compute", "2.1", "X-OpenStack-Nova-API-Version"),
)
