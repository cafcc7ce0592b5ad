"""A client of the OCI distribution spec (v1.0, the Docker Registry HTTP API v2),
standard library only: what ``pullImage`` and ``prefetch-image`` need to fetch an
image by digest and write it as a reproducible docker-archive, and what
``copyToRegistry`` (``stowage.push``) needs to send blobs and manifests.

Modules, one job each: ``names`` (image references), ``credentials`` (where user
names and passwords come from), ``realm`` (which token realms may receive them),
``challenge`` (``WWW-Authenticate`` parsing), ``deadline`` (overall time limits
of a request), ``transport`` (HTTP with TLS, timeouts and bounded retries),
``untrusted`` (a registry's text and JSON, escaped and bounded), ``client`` (the
registry's endpoints, with authentication), ``manifests`` (media types, parsing,
platform choice), ``layers`` (verifying and decompressing a blob as it streams),
``upload`` (pushing one blob), ``pull`` (the whole fetch).
"""
