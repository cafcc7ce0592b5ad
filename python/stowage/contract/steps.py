"""Which request each build step reads: the step's program (python/bin/<name>,
the ``command`` of nix/build-step.nix's ``run``) and its document type."""

from __future__ import annotations

from stowage.contract import image_requests as image, step_requests as step

REQUESTS: dict[str, type] = {
    "mk-config": image.ImageRequest,
    "build-layered-image": image.BuildRequest,
    "write-config": image.ConfigRequest,
    "store-path-to-layer": image.StoreLayerRequest,
    "root-layer": image.RootLayerRequest,
    "write-launcher": step.LauncherRequest,
    "write-tree": step.TreeRequest,
    "merge-images": step.MergeRequest,
    "export-image": step.ExportRequest,
    "oci-layout": step.OciLayoutRequest,
    "oci-archive": step.OciArchiveRequest,
    "multi-arch-image": step.MultiArchRequest,
    "pull-image": step.PullImageRequest,
    "compress-layer": step.CompressRequest,
    "push-plan": step.PushPlanRequest,
    "nix-shell-env": step.NixShellRequest,
    "sbom": image.SbomRequest,
}
