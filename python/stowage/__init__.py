"""stowage: Docker and OCI images from Nix store paths, with the standard library only."""
