"""Write ``torchvision_keys/<name>.json``: the state_dict keys and shapes of torchvision's
architectures, from the plain-torch references in ``tv_reference.py`` (run by hand:
``.venv/bin/python tests/models/make_torchvision_keys.py``).  GoogLeNet's list is the
checkpoint's (with the auxiliary heads, as torchvision's pretrained file holds them)."""
from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from tv_reference import PUBLISHED_PARAMS, TORCHVISION_NAMES, torchvision_reference  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "torchvision_keys")


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    for name in TORCHVISION_NAMES:
        kw = {"aux_logits": True} if name == "googlenet" else {}
        model = torchvision_reference(name, **kw)
        keys = [[k, list(v.shape)] for k, v in model.state_dict().items()]
        n = sum(p.numel() for n_, p in model.named_parameters() if not n_.startswith("aux"))
        assert n == PUBLISHED_PARAMS[name], (name, n, PUBLISHED_PARAMS[name])
        with open(os.path.join(OUT, f"{name}.json"), "w") as f:
            rows = ",\n".join("  " + json.dumps(k) for k in keys)
            f.write(f'{{"name": "{name}", "num_params": {n}, "state_dict": [\n{rows}\n]}}\n')
        print(f"{name}: {len(keys)} keys, {n:,} parameters")


if __name__ == "__main__":
    main()
