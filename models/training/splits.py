"""Seeded patient-disjoint 80/10/10 splits; patients linked by `Additional ID` stay together."""
from __future__ import annotations

import argparse
import json
from typing import Dict, List, Sequence

import numpy as np

from models.training.dataset import DEFAULT_DATA_DIR, Patient, load_patients

SPLIT_NAMES = ("train", "validation", "test")


def patient_groups(patients: Sequence[Patient]) -> List[List[str]]:
    """Connected components of the `Additional ID` links (union-find), sorted for determinism."""
    parent: Dict[str, str] = {p.patient_id: p.patient_id for p in patients}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in patients:
        for other in p.linked_ids:
            if other in parent:
                a, b = find(p.patient_id), find(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: Dict[str, List[str]] = {}
    for pid in parent:
        groups.setdefault(find(pid), []).append(pid)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])


def split_patients(patients: Sequence[Patient], seed: int = 0,
                   fractions: Sequence[float] = (0.8, 0.1, 0.1)) -> Dict[str, List[str]]:
    """Shuffle linked groups with `seed`, fill validation and test to their share of patients."""
    groups = patient_groups(patients)
    order = np.random.default_rng(seed).permutation(len(groups))
    total = sum(len(g) for g in groups)
    targets = [round(total * f) for f in fractions]
    out: Dict[str, List[str]] = {n: [] for n in SPLIT_NAMES}
    for gi in order:
        group = groups[int(gi)]
        if len(out["validation"]) + len(group) <= targets[1]:
            out["validation"].extend(group)
        elif len(out["test"]) + len(group) <= targets[2]:
            out["test"].extend(group)
        else:
            out["train"].extend(group)
    return {k: sorted(v, key=lambda s: int(s) if s.isdigit() else s) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description="Print the patient split as JSON")
    ap.add_argument("--data", default=DEFAULT_DATA_DIR)
    ap.add_argument("--split-seed", type=int, default=0)
    args = ap.parse_args()
    patients = load_patients(args.data, load_audio=False)
    split = split_patients(patients, args.split_seed)
    print(json.dumps({k: len(v) for k, v in split.items()}))
    print(json.dumps(split))


if __name__ == "__main__":
    main()
