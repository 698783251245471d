"""The admin API (``/v1.0``): pods, tenant bindings, routing entries. Admins only."""
