"""Learning an image's layer digests before it is written, so that an engine
can be asked whether it holds them: recorded ones are read from the plan, the
others (store layers of an image without records) hashed from the store.

Hashing goes bottom up and stops when the caller has seen enough (for Docker:
the first layer whose chain the engine lacks, since every layer above it is
written anyway, and hashed as it is).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Callable

from stowage.contract.plan import ImagePlan, StoreLayer
from stowage.image import model
from stowage.layers import tarball as layer
from stowage.output.sink import HashingSink
from stowage.timestamps import NOW, epoch_seconds

Enough = Callable[[list[str]], bool]
Progress = Callable[[str], None]


def _hash_store_layer(plan: ImagePlan, store_layer: StoreLayer) -> StoreLayer:
    """``store_layer`` with the digest and size of its tar, hashed now."""
    mtime = epoch_seconds(plan.mtime, "mtime", datetime.now(timezone.utc))
    entries = layer.store_entries(plan.store_dir, store_layer.paths)
    with HashingSink(lambda data: None) as sink:
        sink.begin_digest()
        layer.write(entries, model.owner_stamp(mtime, plan.owner), sink)
        diff_id, size = sink.end_digest()
    return replace(store_layer, diff_id=diff_id, size=size)


def learn(plan: ImagePlan, enough: Enough, progress: Progress) -> tuple[ImagePlan, list[str]]:
    """Return ``plan`` with store layer digests recorded bottom up until
    ``enough(diff_ids so far)``, and those diff_ids. Layers of an image whose
    mtime is "now" change at every write: they are never hashed ahead."""
    ids = [base.diff_id for base in plan.base.layers] if plan.base is not None else []
    learnt: list[StoreLayer] = []
    hashed = 0
    for store_layer in plan.store_layers:
        if enough(ids):
            break
        if store_layer.diff_id is None:
            if plan.mtime == NOW:
                break
            store_layer = _hash_store_layer(plan, store_layer)
            hashed += 1
        learnt.append(store_layer)
        ids.append(str(store_layer.diff_id))
    else:
        if not enough(ids):
            ids.append(plan.customisation_layer.diff_id)
    if hashed:
        progress(f"hashed {hashed} layers without a recorded digest to ask the engine (cachedLayers = true records them)")
    layers = (*learnt, *plan.store_layers[len(learnt):])
    return replace(plan, store_layers=layers), ids
