"""One command that rebuilds everything from the data: pretrain -> probes -> production -> export -> text tuning.
Resumable: completed stages are loaded, an interrupted stage resumes from its last epoch.

  /usr/bin/python3 -m models.training.run_all --data ../shared/data/circor --out models
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import time

import torch

from models.training import export, pretrain, probes as probes_step, production, protocol, text_tune
from models.training.common import Data, Logger, add_common_args, run_dir


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(ap)
    ap.add_argument("--log-copy", default=None, help="copy the run's train.log here at the end "
                                                    "(default <out>/training-log.txt for full runs)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    root = run_dir(args)
    log = Logger(os.path.join(root, "train.log"))
    timing_path = os.path.join(root, "timing.json")
    timing = json.load(open(timing_path)) if os.path.exists(timing_path) else {"stages": {}, "totalSeconds": 0.0}

    def timed(name: str, t0: float) -> None:
        timing["stages"][name] = timing["stages"].get(name, 0.0) + time.time() - t0
        timing["totalSeconds"] = sum(timing["stages"].values())
        with open(timing_path, "w") as f:
            json.dump(timing, f, indent=1)

    log(f"run_all start: {vars(args)}")
    if args.limit_patients is None:
        n, recs, lo, hi = protocol.self_check(args.data)
        log(f"protocol self-check: {n} labelled windows from {recs} recordings, HR {lo:.1f}-{hi:.1f}")
    t = time.time()
    data = Data(args)
    log(f"data {data.summary()} loaded in {data.load_seconds:.1f}s")
    timed("data", t)
    t = time.time()
    clap, tok = pretrain.train(args, data, log)
    timed("pretrain", t)
    t = time.time()
    probes = probes_step.train(args, data, log, clap)
    timed("probes", t)
    t = time.time()
    prod = production.train(args, data, log, clap)
    timed("production", t)
    t = time.time()
    export.export(args, data, log, clap, tok, probes, prod, timing["totalSeconds"])
    timed("export", t)
    # Text tuning (issue 18): the text encoder learns the queries people type against the frozen
    # audio embeddings; it replaces the exported text ONNX, tokenizer and the card's text hash.
    t = time.time()
    text, text_tok = text_tune.train(args, data, log)
    text_tune.export_text(text, text_tok, args.out, log)
    timed("text-tune", t)
    log(f"run_all done: stage seconds {json.dumps({k: round(v) for k, v in timing['stages'].items()})}, "
        f"total {timing['totalSeconds']:.0f}s")
    copy_to = args.log_copy or (os.path.join(args.out, "training-log.txt") if args.limit_patients is None else None)
    if copy_to:
        shutil.copyfile(os.path.join(root, "train.log"), copy_to)


if __name__ == "__main__":
    main()
