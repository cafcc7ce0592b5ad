"""Talking to container engines (Docker, podman): what they hold, and loading
into them only what they lack."""
