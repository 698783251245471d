"""The JSON patch that makes a pod's copy show what the top's image shows."""

from __future__ import annotations

from tricircle.images.glances import same_bytes
from tricircle.images.sync import patch_for

TOP = {
    "id": "i",
    "name": "img",
    "owner": None,  # an image of no project: the copy keeps the owner its pod gave it
    "visibility": "public",
    "os_distro": "cirros",
    "status": "active",
    "os_hash_value": "top-hash",
}


def test_changed_and_new_properties_are_set_and_extra_ones_removed() -> None:
    copy = {
        **TOP,
        "owner": "service-project",
        "visibility": "private",
        "added_in_the_pod": "x",
        "os_hash_value": "pod-hash",
    }
    del copy["os_distro"]
    assert patch_for(TOP, copy) == [
        {"op": "replace", "path": "/visibility", "value": "public"},
        {"op": "add", "path": "/os_distro", "value": "cirros"},
        {"op": "remove", "path": "/added_in_the_pod"},
    ]


def test_a_copy_like_the_top_needs_no_patch() -> None:
    assert patch_for(TOP, {**TOP, "status": "deactivated", "os_glance_x": "y"}) == []


def test_bytes_compare_by_hash_or_by_md5_across_algorithms() -> None:
    sha = {"os_hash_algo": "sha512", "os_hash_value": "a", "checksum": "m"}
    assert same_bytes(sha, dict(sha))
    assert not same_bytes(sha, {**sha, "os_hash_value": "b"})
    assert same_bytes(sha, {"os_hash_algo": "sha256", "os_hash_value": "c", "checksum": "m"})
    assert not same_bytes({"status": "queued"}, {"status": "queued"})
