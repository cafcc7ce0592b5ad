"""Reading SBOM and provenance documents back with validators we did not write: the
`spdx-tools`, `cyclonedx-python-lib` and `in-toto-attestation` packages of PyPI (pinned in tests/validators.txt,
installed by scripts/validators.sh into their own directory). They run in a
separate `/usr/bin/python3 -S`, with only that directory added to its path."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import IN_CI, REPO

PYTHON = "/usr/bin/python3"

_SPDX = """
import json, sys
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
document = parse_file(sys.argv[1])
problems = [m.validation_message for m in validate_full_spdx_document(document)]
print(json.dumps({"problems": problems, "packages": len(document.packages),
                  "relationships": len(document.relationships)}))
"""

_CYCLONEDX = """
import json, sys
from cyclonedx.model.bom import Bom
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
text = open(sys.argv[1], encoding="utf-8").read()
error = JsonStrictValidator(SchemaVersion.V1_5).validate_str(text)
bom = Bom.from_json(json.loads(text))
print(json.dumps({"problems": [] if error is None else [str(error)], "components": len(bom.components)}))
"""


_PROVENANCE = """
import json, sys
from google.protobuf import json_format
from in_toto_attestation.v1 import statement, statement_pb2
from in_toto_attestation.v1.resource_descriptor import ResourceDescriptor
from in_toto_attestation.predicates.provenance.v1 import provenance_pb2
doc = json.load(open(sys.argv[1], encoding="utf-8"))
problems = []
try:
    # Strict: a field the schemas do not have is an error.
    parsed = json_format.ParseDict(doc, statement_pb2.Statement())
    statement.Statement.copy_from_pb(parsed).validate()
    predicate = json_format.ParseDict(doc["predicate"], provenance_pb2.Provenance())
    for dependency in predicate.build_definition.resolved_dependencies:
        ResourceDescriptor.copy_from_pb(dependency).validate()
    if not predicate.build_definition.build_type or not predicate.run_details.builder.id:
        problems.append("buildType and builder.id are required")
except Exception as error:  # the library's own errors: ParseError, ValueError, KeyError
    problems.append(f"{type(error).__name__}: {error}")
print(json.dumps({"problems": problems}))
"""


def _directory() -> Path:
    """Where scripts/validators.sh installs them (as tests/run exports it)."""
    given = os.environ.get("STOWAGE_VALIDATORS")
    if given:
        return Path(given)
    version = subprocess.run([PYTHON, "-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout
    listing = (REPO / "tests" / "validators.txt").read_bytes() + version.encode()
    return Path("/var/cache/stowage-test-deps") / f"validators-{hashlib.sha256(listing).hexdigest()[:16]}"


def _run(script: str, document: Path) -> dict:
    directory = _directory()
    if not (directory / ".complete").exists():
        message = f"the SBOM validators are not installed in {directory} (tests/run installs them)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(directory), "LC_ALL": "C.UTF-8"}
    result = subprocess.run([PYTHON, "-S", "-c", script, str(document)], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise AssertionError(f"the validator failed on {document}:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout)


def spdx(document: Path) -> dict:
    """spdx-tools' verdict on an SPDX JSON file: problems, packages, relationships."""
    return _run(_SPDX, document)


def provenance(document: Path) -> dict:
    """in-toto-attestation's verdict on an in-toto Statement v1 with a SLSA
    Provenance v1 predicate (both parsed strictly by their protobuf schemas)."""
    return _run(_PROVENANCE, document)


def cyclonedx(document: Path) -> dict:
    """cyclonedx-python-lib's verdict (CycloneDX 1.5 JSON schema, strict): problems, components."""
    return _run(_CYCLONEDX, document)
