"""Images across pods: the top Glance is the one registry; pods hold copies under the same id.

`glances` reaches the top's and the pods' Glances as the service user, `copies` records
each copy's state and progress, `transfer` streams an image's bytes from one Glance into
another, `copy` makes a pod's copy, `sync` keeps copies in line with the top, `upload`
brings a pod's image (a snapshot, an adopted image) up to the top, `jobs` registers them.
"""
