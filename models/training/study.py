"""The layer-wise study (issue 4): for each split seed, on patient-disjoint 80/10/10 splits,
  1. pretrain the encoder (CLAP + auxiliary losses) on that split's TRAINING patients only,
  2. train one HR probe per layer on the frozen encoder (training patients only),
  3. evaluate every layer's probe on the split's validation and test patients,
  4. train + evaluate the acoustic-feature baseline CNN on the same split (same crop sampler),
  5. evaluate the TypeScript classical estimator (the reference implementation, through
     `ausculta eval --split`) on the same protocol windows; the same call re-evaluates the exported
     baseline ONNX in onnxruntime-node as a cross-check of the Python figures.
Results: models/study/split<seed>.json. Every stage checkpoints under
models/training/runs/study-split<seed>/ (gitignored); re-running the same command resumes.

  /usr/bin/python3 -m models.training.study --seeds 1 2 3 --epoch-scale 0.5 --crops-per-epoch 3000
  /usr/bin/python3 -m models.training.report   # -> models/REPORT.md + models/study/layer-mae.svg
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import time
from typing import Dict, List, Optional

import torch

from models.training import baseline, pretrain
from models.training import probes as probes_step
from models.training.common import (Data, Logger, add_common_args, hr_metrics_from_logits, predict_logits, run_dir,
                                    write_json)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, os.pardir, os.pardir))
STUDY_DIR = os.path.join(REPO, "models", "study")


def ts_eval(data_dir: str, onnx_path: str, split: str, log: Logger) -> Optional[dict]:
    """`ausculta eval <data> --model <baseline.onnx> --split <split> --json`: the split's patients come
    from the card's training.splitPatients, so the TS side evaluates exactly this split's windows."""
    cmd = ["node", os.path.join(REPO, "bin", "ausculta.js"), "eval", data_dir, "--model", onnx_path,
           "--split", split, "--json"]
    t0 = time.time()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0:
        log(f"[study] ts eval failed ({proc.returncode}): {' '.join(cmd)}: {proc.stderr[-800:]}")
        return None
    out = json.loads(proc.stdout)
    est = {e["estimator"]: e["metrics"] for e in out["summary"]["estimators"]}
    log(f"[study] ts eval {split} in {time.time() - t0:.0f}s: {json.dumps(est)}")
    return {"command": " ".join(os.path.relpath(c, REPO) if c.startswith(REPO) else c for c in cmd),
            "windows": out["summary"]["windows"], "recordings": out["summary"]["recordings"],
            "patients": out["summary"]["patients"], "estimators": est}


def run_split(args: argparse.Namespace, seed: int, log: Logger) -> Dict[str, object]:
    a = copy.copy(args)
    a.split_seed = seed
    a.run = f"study-split{seed}"
    out_path = os.path.join(args.study_dir, f"split{seed}.json")
    if os.path.exists(out_path) and not args.redo:
        log(f"[study] split {seed}: {out_path} exists, skipping (use --redo to recompute from checkpoints)")
        with open(out_path, encoding="utf-8") as f:
            return json.load(f)
    split_log = Logger(os.path.join(run_dir(a), "train.log"))
    t_split = time.time()
    timing: Dict[str, float] = {}
    data = Data(a)
    summary = data.summary()
    split_log(f"[study] split {seed}: {summary}")
    # Held-out patients never reach the pretraining: crops (audio and captions) are drawn from
    # data.recordings['train'] only and the tokenizer is built from training captions.
    assert not set(data.split["train"]) & (set(data.split["validation"]) | set(data.split["test"]))

    t = time.time()
    clap, _ = pretrain.train(a, data, split_log)
    timing["pretrainSeconds"] = time.time() - t
    t = time.time()
    probes = probes_step.train(a, data, split_log, clap)
    timing["probesSeconds"] = time.time() - t

    t = time.time()
    clap.eval()
    probes.eval()
    names = clap.audio.encoder.names
    layers: List[Dict[str, object]] = [{"index": i, "name": n} for i, n in enumerate(names)]
    aux: Dict[str, Dict[str, float]] = {}
    for split in ("validation", "test"):
        pcm, true = data.window_pcm(split)
        for i, lg in enumerate(probes_step.layer_logits(clap, probes, pcm)):
            layers[i][split] = hr_metrics_from_logits(lg, true)
        aux[split] = hr_metrics_from_logits(predict_logits(lambda x: clap.audio(x)[2], pcm), true)
    timing["encoderEvalSeconds"] = time.time() - t
    for lay in layers:
        split_log(f"[study] split {seed} layer {lay['index']} {lay['name']}: val {lay['validation']['maeBpm']:.3f} "
                  f"test {lay['test']['maeBpm']:.3f}")

    t = time.time()
    cnn = baseline.train(a, data, split_log, args.baseline_epochs)
    timing["baselineTrainSeconds"] = time.time() - t
    bl = baseline.evaluate(cnn, data)
    onnx_dir = os.path.join(run_dir(a), "baseline-onnx")
    baseline.export(a, data, split_log, cnn, onnx_dir)
    onnx_path = os.path.join(onnx_dir, f"{baseline.MODEL_ID}.onnx")

    t = time.time()
    ts = {split: ts_eval(args.data, onnx_path, split, split_log) for split in ("validation", "test")}
    timing["classicalEvalSeconds"] = time.time() - t
    classical = {split: (ts[split] or {}).get("estimators", {}).get("classical") for split in ts}
    result = {
        "splitSeed": seed, "trainingSeed": a.seed,
        "held_out_policy": "encoder pretrained on this split's training patients only (once per split)",
        "split": summary, "testPatients": data.split["test"], "validationPatients": data.split["validation"],
        "config": {"epochScale": a.epoch_scale, "cropsPerEpoch": a.crops_per_epoch,
                   "pretrainEpochs": max(1, round(pretrain.EPOCHS * a.epoch_scale)),
                   "probeEpochs": max(1, round(probes_step.EPOCHS * a.epoch_scale)),
                   "baselineEpochs": args.baseline_epochs, "threads": a.threads,
                   "limitPatients": a.limit_patients},
        "layers": layers,
        "pretrainAuxHead": aux,
        "baseline": bl,
        "baselineOnnxTs": {split: (ts[split] or {}).get("estimators", {}).get("production") for split in ts},
        "classical": classical,
        "classicalNote": "TypeScript classical estimator (src/core/hr/classical-hr.ts) via ausculta eval; its MAE "
                         "is over the windows it answers (count); declinedCount windows fell below its quality "
                         "threshold and have no estimate",
        "tsEval": {split: ({k: v for k, v in ts[split].items() if k != "estimators"} if ts[split] else None)
                   for split in ts},
        "timing": {k: round(v, 1) for k, v in timing.items()},
        "wallSeconds": round(time.time() - t_split, 1),
    }
    os.makedirs(args.study_dir, exist_ok=True)
    write_json(out_path, result)
    log(f"[study] split {seed} done in {result['wallSeconds']:.0f}s -> {out_path}")
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(ap)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="split seeds")
    ap.add_argument("--baseline-epochs", type=int, default=None,
                    help=f"baseline epochs (default {baseline.EPOCHS} x --epoch-scale)")
    ap.add_argument("--study-dir", default=STUDY_DIR)
    ap.add_argument("--redo", action="store_true", help="recompute a split's JSON even if it exists")
    args = ap.parse_args()
    if args.baseline_epochs is None:
        args.baseline_epochs = max(1, round(baseline.EPOCHS * args.epoch_scale))
    torch.set_num_threads(args.threads)
    os.makedirs(args.study_dir, exist_ok=True)
    log = Logger(os.path.join(args.study_dir, "study.log"))
    log(f"[study] start: {vars(args)}")
    for seed in args.seeds:
        run_split(args, seed, log)
    log("[study] all splits done")


if __name__ == "__main__":
    main()
