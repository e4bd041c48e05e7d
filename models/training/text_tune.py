"""Step 3b (issue 18, find by sound): tune the CLAP text encoder for the queries people type.

The audio side stays exactly as pretrained (the encoder ONNX, its HR, segmentation and no-HR
outputs and its embeddings are untouched); only the text encoder learns, against the frozen audio
embeddings of augmented training crops, with each crop's caption reworded at random
(`captions.caption_variant`: single facts, short clinical forms such as "systolic murmur",
"apex", "fast heart", "noisy recording", filler words). The vocabulary keeps every pretraining id
and appends the new words, so it extends the shipped tokenizer.

  /usr/bin/python3 -m models.training.text_tune --run v2-split0 [--data ../shared/data/circor] [--export models]

Resumable like the other stages: the crops' audio embeddings are cached in
runs/<run>/text-tune/crops.npz, the text encoder is checkpointed every epoch.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from typing import Dict, List

import numpy as np
import torch

from models.training import captions as cap
from models.training import pretrain
from models.training.common import Checkpoint, Data, Logger, add_common_args, cosine_lr, run_dir, seed_everything
from models.training.model import TextEncoder

STAGE = "text-tune"
CROPS = 32768
EPOCHS = 20
BATCH = 256
LR = 1e-3


@torch.no_grad()
def crop_embeddings(data: Data, audio: torch.nn.Module, n: int, seed: int, log: Logger) -> Dict[str, np.ndarray]:
    rng = np.random.default_rng([seed, 18])
    embs: List[np.ndarray] = []
    captions: List[str] = []
    hrs: List[np.ndarray] = []
    for i in range(0, n, 256):
        b = data.sample_augmented(rng, min(256, n - i))
        embs.append(audio(b.pcm)[1].numpy())
        captions += b.captions
        assert b.has_hr is not None
        hrs.append(np.where(b.has_hr.numpy(), b.hr_bpm.numpy(), np.nan))
        if (i // 256) % 8 == 0:
            log(f"[{STAGE}] embedded {i + len(b.captions)}/{n} crops")
    return {"emb": np.concatenate(embs), "captions": np.array(captions), "hr": np.concatenate(hrs)}


def extended_tokenizer(base: cap.Tokenizer) -> cap.Tokenizer:
    vocab = dict(base.vocab)
    for word in cap.VARIANT_EXTRA_WORDS:
        if word not in vocab:
            vocab[word] = len(vocab)
    return cap.Tokenizer(vocab)


def train(args: argparse.Namespace, data: Data, log: Logger) -> "tuple[TextEncoder, cap.Tokenizer]":
    root = run_dir(args)
    ck = Checkpoint(root, STAGE)
    clap, base_tok = pretrain.train(args, data, log)
    clap.eval()
    tok = extended_tokenizer(base_tok)
    text = TextEncoder(len(tok.vocab), pretrain.EMBED_DIM)
    with torch.no_grad():
        old = clap.text.tok.weight
        text.tok.weight[: old.shape[0]] = old
        # New words start near the mean word, so they change nothing until trained.
        text.tok.weight[old.shape[0]:] = old[2:].mean(0) + 0.01 * torch.randn(len(tok.vocab) - old.shape[0], old.shape[1])
        text.mlp.load_state_dict(clap.text.mlp.state_dict())
    scale = torch.nn.Parameter(clap.logit_scale.detach().clone())
    if ck.done():
        state = ck.load_final()
        text.load_state_dict(state["text"])
        log(f"[{STAGE}] already complete, loaded {ck.final}")
        return text, tok
    cache = os.path.join(ck.dir, "crops.npz")
    n_crops = max(BATCH, int(CROPS * min(1.0, args.epoch_scale * 4)))
    if os.path.exists(cache):
        z = np.load(cache)
        crops = {k: z[k] for k in z.files}
    else:
        t0 = time.time()
        crops = crop_embeddings(data, clap.audio, n_crops, args.seed, log)
        np.savez(cache, **crops)
        log(f"[{STAGE}] {len(crops['captions'])} crop embeddings in {time.time() - t0:.0f}s")
    emb = torch.from_numpy(crops["emb"])
    captions = [str(c) for c in crops["captions"]]
    hr = crops["hr"]
    seed_everything(args.seed)
    params = list(text.parameters()) + [scale]
    opt = torch.optim.AdamW(params, lr=LR, weight_decay=1e-4)
    epochs = max(1, round(EPOCHS * args.epoch_scale))
    steps = max(1, len(captions) // BATCH)
    start_epoch = 0
    state = ck.load_last()
    if state is not None:
        text.load_state_dict(state["text"])
        scale.data.copy_(state["scale"])
        opt.load_state_dict(state["opt"])
        start_epoch = state["epoch"] + 1
        log(f"[{STAGE}] resuming after {start_epoch} completed epochs")
    token_cache: Dict[str, List[int]] = {}
    for epoch in range(start_epoch, epochs):
        t0 = time.time()
        rng = np.random.default_rng([args.seed, 18, epoch])
        order = rng.permutation(len(captions))
        total = 0.0
        text.train()
        for step in range(steps):
            for pg in opt.param_groups:
                pg["lr"] = cosine_lr(epoch * steps + step, epochs * steps, LR, warmup=steps)
            idx = order[step * BATCH:(step + 1) * BATCH]
            texts = [cap.caption_variant(captions[i], None if np.isnan(hr[i]) else float(hr[i]), rng) for i in idx]
            toks = torch.tensor([token_cache.setdefault(s, tok.encode(s)) for s in texts])
            loss = pretrain.clap_loss(emb[idx], text(toks), scale, texts)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        log(f"[{STAGE}] epoch {epoch + 1}/{epochs} clap {total / steps:.4f} temp {scale.exp().item():.1f} | {time.time() - t0:.0f}s")
        ck.save_last({"text": text.state_dict(), "scale": scale.detach(), "opt": opt.state_dict(), "epoch": epoch})
    ck.save_final({"text": text.state_dict(), "vocab": tok.vocab})
    return text, tok


def export_text(text: TextEncoder, tok: cap.Tokenizer, out: str, log: Logger) -> None:
    """Writes ausculta-text.onnx + tokenizer into `out`, the card's text sha256, and (for this repo's
    models/) the text part of the parity fixture; the encoder ONNX is not touched."""
    from models.training import export as ex

    text.eval()
    text_path = os.path.join(out, "ausculta-text.onnx")
    graph = ex.TextGraph(text).eval()
    dummy = torch.tensor(tok.encode_batch(ex.TEXT_QUERIES))
    torch.onnx.export(graph, (dummy,), text_path, opset_version=ex.OPSET, input_names=["tokens"],
                      output_names=["embedding"], dynamic_axes={"tokens": {0: "batch"}, "embedding": {0: "batch"}})
    with open(os.path.join(out, "ausculta-text.tokenizer.json"), "w", encoding="utf-8") as f:
        f.write(tok.to_json())
    card_path = os.path.join(out, f"{ex.MODEL_ID}.card.json")
    if os.path.exists(card_path):
        with open(card_path, encoding="utf-8") as f:
            card = json.load(f)
        card["text"]["sha256"] = ex.sha256(text_path)
        card["text"]["tuning"] = ("text encoder tuned after pretraining on frozen audio embeddings of augmented training "
                                  "crops with reworded captions (models/training/text_tune.py, issue 18)")
        with open(card_path, "w", encoding="utf-8") as f:
            json.dump(card, f, indent=1)
            f.write("\n")
    repo_root = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir))
    if os.path.abspath(out) == os.path.join(repo_root, "models"):
        fixture_path = os.path.join(repo_root, "tests", "fixtures", "model-parity.json")
        with open(fixture_path, encoding="utf-8") as f:
            fixture = json.load(f)
        with torch.no_grad():
            temb = graph(dummy).numpy()
        fixture["textQueries"] = [{"text": q, "tokens": dummy[i].tolist(), "embedding": temb[i].tolist()}
                                  for i, q in enumerate(ex.TEXT_QUERIES)]
        with open(fixture_path, "w", encoding="utf-8") as f:
            json.dump(fixture, f)
    log(f"[{STAGE}] exported {text_path} and its tokenizer ({len(tok.vocab)} words) into {out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(ap)
    ap.add_argument("--export", default=None, help="write the tuned text ONNX + tokenizer into this folder")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    log = Logger(os.path.join(run_dir(args), "train.log"))
    data = Data(args)
    log(f"data {data.summary()} loaded in {data.load_seconds:.1f}s")
    text, tok = train(args, data, log)
    if args.export:
        os.makedirs(args.export, exist_ok=True)
        export_text(text, tok, args.export, log)


if __name__ == "__main__":
    main()
