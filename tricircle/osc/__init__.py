"""``openstack tricircle ...``: the admin API as an OpenStackClient plugin."""
