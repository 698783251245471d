"""``/dashboard``: the operator's pages over the admin API's data, rendered on the server."""
