"""Step 4: evaluate and export: the encoder ONNX (pcm -> hr_probs, layer_probs, embedding), the
text ONNX + tokenizer JSON, the model card with per-layer validation metrics, and the parity
fixture for the TypeScript test.
  /usr/bin/python3 -m models.training.export [--split-seed 0] [--out models]
"""
from __future__ import annotations

import argparse
import base64
import datetime as dt
import glob
import hashlib
import json
import os
import platform
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn

from models.training import captions as cap
from models.training import pretrain, probes as probes_step, production
from models.training.common import Data, Logger, add_common_args, run_dir, write_json
from models.training.dataset import SAMPLE_RATE_HZ, WINDOW_SAMPLES, read_pcm16
from models.training.hr import DECODING_TEXT, HR_MAX_BPM, HR_MIN_BPM, HR_STEP_BPM, decode, metrics
from models.training.model import FRAME_S, N_FRAMES, ExportGraph, TextEncoder

OPSET = 17
MODEL_ID = "ausculta-encoder"
VERSION = "2.0.0"
ATTRIBUTION = ("Contains data from the CirCor DigiScope Phonocardiogram Dataset v1.0.3 (Oliveira et al., 2022, "
               "PhysioNet, doi:10.13026/tshs-mw03), used under the ODC Attribution License v1.0.")
NORMALISATION = ("inside the graph: x = pcm - mean(pcm); x = x / sqrt(mean(x^2) + 1e-8) per window, so any input "
                 "gain gives the same output; feed raw 4 kHz samples (e.g. int16 / 32768)")
OUTPUT_NAMES = ["hr_probs", "layer_probs", "embedding", "seg_probs", "no_hr_prob"]
NO_HR_NOTE = ("no_hr_prob [batch]: the production path's probability that the window holds no measurable heart rate "
              "(no heart sound: silence, noise, mains hum, speech, breathing, rubbing, a chestpiece lifted with < 3 beats "
              "or < 3 s of heart left). Trained with binary cross-entropy on augmented no-heart windows (augment.py); "
              "the app's display decision uses it beside the calibrated confidence.")
TEXT_QUERIES = ["mitral valve recording of a child; heart rate 90 to 100 bpm; regular rhythm",
                "holosystolic plateau grade III/VI high pitched harsh systolic murmur"]


class TextGraph(nn.Module):
    def __init__(self, text: TextEncoder) -> None:
        super().__init__()
        self.text = text

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.text(tokens)


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def machine() -> str:
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for ln in f:
                if ln.startswith("model name"):
                    name = ln.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{name}, {os.cpu_count()} logical CPUs (shared), torch {torch.__version__} CPU, 2 threads, no GPU"


@torch.no_grad()
def run_graph(graph: ExportGraph, pcm: torch.Tensor, batch: int = 256) -> Dict[str, np.ndarray]:
    outs: Dict[str, List[np.ndarray]] = {k: [] for k in OUTPUT_NAMES}
    for i in range(0, len(pcm), batch):
        for name, value in zip(OUTPUT_NAMES, graph(pcm[i:i + batch])):
            outs[name].append(value.numpy())
    return {k: np.concatenate(v) for k, v in outs.items()}


def _by_group(data: Data, split: str, pred: np.ndarray) -> Dict[str, Dict[str, Dict[str, float]]]:
    refs = data.windows[split]
    recs = data.recordings[split]
    true = np.array([w.hr_bpm for w in refs])
    groups: Dict[str, Dict[str, List[int]]] = {"location": {}, "ageGroup": {}, "murmur": {}}
    for i, w in enumerate(refs):
        rec = recs[w.rec_index]
        meta = data.by_id[rec.patient_id].meta
        groups["location"].setdefault(rec.location, []).append(i)
        groups["ageGroup"].setdefault(meta.get("Age") or "unknown", []).append(i)
        groups["murmur"].setdefault(meta.get("Murmur") or "unknown", []).append(i)
    return {g: {k: metrics(pred[idx], true[idx]) for k, idx in sorted(v.items())} for g, v in groups.items()}


def parity_windows(repo_root: str, data_dir: str) -> List[Dict[str, object]]:
    """Three 5-s windows from samples/*.wav (or CirCor files when samples/ is empty)."""
    files = sorted(glob.glob(os.path.join(repo_root, "samples", "*.wav")))
    if not files:
        files = sorted(glob.glob(os.path.join(data_dir, "training_data", "*.wav")))[:3]
    picks: List[Dict[str, object]] = []
    offsets = [0, 2 * SAMPLE_RATE_HZ + 123, 7 * SAMPLE_RATE_HZ]
    for i in range(3):
        path = files[i % len(files)]
        pcm = read_pcm16(path)
        start = min(offsets[i], max(0, len(pcm) - WINDOW_SAMPLES))
        x = pcm[start:start + WINDOW_SAMPLES].astype(np.float32) / 32768.0
        if len(x) < WINDOW_SAMPLES:
            x = np.pad(x, (0, WINDOW_SAMPLES - len(x)))
        rel = os.path.relpath(path, repo_root)
        picks.append({"file": rel.replace(os.sep, "/"), "startSample": int(start), "pcm": x})
    return picks


@torch.no_grad()
def no_hr_validation(data: Data, graph: ExportGraph, n: int = 768) -> Dict[str, float]:
    """The no-HR head on validation patients' augmented windows (fixed seed): how often it fires
    on windows with no heart sound, and on windows of heart sound (clean protocol windows)."""
    rng = np.random.default_rng([12345, 9])
    batch = data.sample_augmented(rng, n, split="validation", no_heart_prob=0.5, lift_prob=0.0)
    out = run_graph(graph, batch.pcm)
    p = out["no_hr_prob"].reshape(-1)
    has = batch.has_hr.numpy()  # type: ignore[union-attr]
    clean = run_graph(graph, data.window_pcm("validation")[0])["no_hr_prob"].reshape(-1)
    return {"noHeartWindows": int((~has).sum()), "noHeartFlaggedShare": round(float((p[~has] > 0.5).mean()), 4),
            "augmentedHeartWindows": int(has.sum()), "augmentedHeartFlaggedShare": round(float((p[has] > 0.5).mean()), 4),
            "cleanProtocolWindows": int(clean.size), "cleanFlaggedShare": round(float((clean > 0.5).mean()), 4)}


def export(args: argparse.Namespace, data: Data, log: Logger, clap: pretrain.ClapModel, tok: cap.Tokenizer,
           probes: nn.ModuleList, prod: production.ProductionModel, wall_seconds: Optional[float]) -> Dict[str, object]:
    out = args.out
    os.makedirs(out, exist_ok=True)
    clap.eval()
    graph = ExportGraph(clap.audio, probes, prod.top, prod.seg, prod.no_hr).eval()
    names = clap.audio.encoder.names
    width = clap.audio.encoder.width

    # --- metrics from the exact module that is exported
    results: Dict[str, Dict[str, np.ndarray]] = {}
    truths: Dict[str, np.ndarray] = {}
    for split in ("validation", "test"):
        pcm, true = data.window_pcm(split)
        results[split] = run_graph(graph, pcm)
        truths[split] = true
    layers = []
    for i, name in enumerate(names):
        hr, _ = decode(results["validation"]["layer_probs"][:, i])
        layers.append({"index": i, "name": name, "width": width,
                       "validation": metrics(hr, truths["validation"])})
    prod_metrics = {}
    prod_groups = {}
    for split in ("validation", "test"):
        hr, _ = decode(results[split]["hr_probs"])
        prod_metrics[split] = metrics(hr, truths[split])
        prod_groups[split] = _by_group(data, split, hr)
    log(f"[export] production val {prod_metrics['validation']} test {prod_metrics['test']}")
    no_hr_check = no_hr_validation(data, graph)
    log(f"[export] no-HR head on validation patients: {no_hr_check}")
    for lay in layers:
        log(f"[export] layer {lay['index']} {lay['name']}: val {lay['validation']}")

    # --- ONNX: encoder
    onnx_path = os.path.join(out, f"{MODEL_ID}.onnx")
    dummy = data.window_pcm("validation")[0][:2]
    torch.onnx.export(graph, (dummy,), onnx_path, opset_version=OPSET, input_names=["pcm"],
                      output_names=OUTPUT_NAMES,
                      dynamic_axes={"pcm": {0: "batch"}, **{name: {0: "batch"} for name in OUTPUT_NAMES}},
                      do_constant_folding=True)
    # --- ONNX: text
    text_path = os.path.join(out, "ausculta-text.onnx")
    text_graph = TextGraph(clap.text).eval()
    dummy_tokens = torch.tensor(tok.encode_batch(TEXT_QUERIES))
    torch.onnx.export(text_graph, (dummy_tokens,), text_path, opset_version=OPSET, input_names=["tokens"],
                      output_names=["embedding"], dynamic_axes={"tokens": {0: "batch"}, "embedding": {0: "batch"}})
    with open(os.path.join(out, "ausculta-text.tokenizer.json"), "w", encoding="utf-8") as f:
        f.write(tok.to_json())

    # --- parity fixture
    # The committed fixture belongs to the shipped files: write it into tests/fixtures only when
    # exporting into this repository's models/ folder (a study run with --out elsewhere keeps its own).
    repo_root = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir))
    shipping = os.path.abspath(out) == os.path.join(repo_root, "models")
    picks = parity_windows(repo_root, args.data)
    ppcm = torch.from_numpy(np.stack([p["pcm"] for p in picks]))  # type: ignore[misc]
    pres = run_graph(graph, ppcm)
    with torch.no_grad():
        temb = text_graph(dummy_tokens).numpy()
    fixture = {
        "note": "PyTorch outputs at export time; pcm is base64 of little-endian float32 (int16 / 32768). "
                + ATTRIBUTION,
        "encoder": os.path.basename(onnx_path), "text": os.path.basename(text_path),
        "windows": [{"file": p["file"], "startSample": p["startSample"],
                     "pcmBase64": base64.b64encode(np.asarray(p["pcm"], "<f4").tobytes()).decode("ascii"),
                     "hr_probs": pres["hr_probs"][i].tolist(), "layer_probs": pres["layer_probs"][i].tolist(),
                     "embedding": pres["embedding"][i].tolist(), "seg_probs": pres["seg_probs"][i].tolist(),
                     "no_hr_prob": float(pres["no_hr_prob"][i])}
                    for i, p in enumerate(picks)],
        "textQueries": [{"text": q, "tokens": dummy_tokens[i].tolist(), "embedding": temb[i].tolist()}
                        for i, q in enumerate(TEXT_QUERIES)],
    }
    fixture_path = (os.path.join(repo_root, "tests", "fixtures", "model-parity.json") if shipping
                    else os.path.join(out, "model-parity.json"))
    os.makedirs(os.path.dirname(fixture_path), exist_ok=True)
    with open(fixture_path, "w", encoding="utf-8") as f:
        json.dump(fixture, f)

    # --- card
    summary = data.summary()
    card = {
        "id": MODEL_ID, "version": VERSION,
        "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "onnx": {"file": os.path.basename(onnx_path), "sha256": sha256(onnx_path),
                 "bytes": os.path.getsize(onnx_path), "opset": OPSET},
        "input": {"name": "pcm", "sampleRateHz": SAMPLE_RATE_HZ, "windowSamples": WINDOW_SAMPLES, "windowSeconds": 5,
                  "normalisation": NORMALISATION},
        "outputs": {"hrProbs": "hr_probs", "layerProbs": "layer_probs", "embedding": "embedding",
                    "segProbs": "seg_probs", "noHrProb": "no_hr_prob"},
        "noHr": {"output": "no_hr_prob", "note": NO_HR_NOTE, "validation": no_hr_check},
        "segmentation": {"classes": ["S1", "systole", "S2", "diastole"], "frameSeconds": FRAME_S,
                         "frames": N_FRAMES,
                         "note": "frame j holds the state at j * frameSeconds from the window's first sample"},
        "embeddingDim": int(results["validation"]["embedding"].shape[1]),
        "hrBins": {"minBpm": HR_MIN_BPM, "maxBpm": HR_MAX_BPM, "stepBpm": HR_STEP_BPM},
        "decoding": DECODING_TEXT,
        "text": {"onnx": os.path.basename(text_path), "sha256": sha256(text_path),
                 "tokenizer": "ausculta-text.tokenizer.json", "input": "tokens", "output": "embedding"},
        "training": {
            "dataset": "CirCor DigiScope v1.0.3 development subset",
            "patients": {k: v["patients"] for k, v in summary.items()},
            "recordings": {k: v["recordings"] for k, v in summary.items()},
            "windows": {k: v["windows"] for k, v in summary.items()},
            "splitSeed": args.split_seed, "trainingSeed": args.seed,
            # Lets `ausculta eval --split validation|test` score exactly the held-out patients.
            "splitPatients": data.split,
            "objectives": "CLAP symmetric InfoNCE (audio vs metadata+segmentation captions of training patients) "
                          "+ auxiliary soft-label HR cross-entropy + per-frame segmentation cross-entropy + no-HR "
                          "binary cross-entropy; per-layer probes on the frozen encoder; production head = fine-tuned "
                          "encoder copy",
            "augmentation": "augment.py: physiological tempo change to 34-236 bpm from the .tsv segmentation (p 0.6; "
                            "diastole absorbs the change, granular overlap-add keeps pitch), device (1/2-kHz band "
                            "limits, bell/diaphragm/phone/peaking EQ, AGC, clipping), backgrounds at 0-30 dB SNR "
                            "(espeak-ng speech, breathing, rubbing, mains hum, white/pink/brown noise, thumps), "
                            "no-heart windows (15 %) and chestpiece lifted/placed mid-window (6 %)",
            "attribution": ATTRIBUTION,
        },
        "layers": layers,
        "production": {"validation": prod_metrics["validation"], "test": prod_metrics["test"],
                       "byGroup": prod_groups},
        "classical": {"note": "not computed by the Python pipeline; the TypeScript classical estimator reports its "
                              "numbers on the same windows"},
        "trainingWallSeconds": None if wall_seconds is None else round(wall_seconds, 1),
        "machine": machine(),
    }
    write_json(os.path.join(out, f"{MODEL_ID}.card.json"), card)
    log(f"[export] wrote {onnx_path} ({card['onnx']['bytes']} bytes), {text_path}, card, {fixture_path}")
    return card


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(ap)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    log = Logger(os.path.join(run_dir(args), "train.log"))
    data = Data(args)
    clap, tok = pretrain.train(args, data, log)
    probes = probes_step.train(args, data, log, clap)
    prod = production.train(args, data, log, clap)
    timing_path = os.path.join(run_dir(args), "timing.json")
    wall = json.load(open(timing_path))["totalSeconds"] if os.path.exists(timing_path) else None
    export(args, data, log, clap, tok, probes, prod, wall)


if __name__ == "__main__":
    main()
