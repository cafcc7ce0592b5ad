"""A client of the OCI distribution spec (v1.0, the Docker Registry HTTP API v2),
standard library only: what ``pullImage`` and ``prefetch-image`` need to fetch an
image by digest and write it as a reproducible docker-archive.

Modules, one job each: ``names`` (image references), ``credentials`` (where user
names and passwords come from), ``challenge`` (``WWW-Authenticate`` parsing),
``transport`` (HTTP with TLS, timeouts and bounded retries), ``client`` (the
registry's endpoints, with authentication), ``manifests`` (media types, parsing,
platform choice), ``layers`` (verifying and decompressing a blob as it streams),
``pull`` (the whole fetch).
"""
