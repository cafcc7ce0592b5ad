"""Supply-chain documents of an image: its SBOM (SPDX, CycloneDX) and provenance."""
