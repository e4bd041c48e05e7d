"""Audio encoder (fixed DFT front end + 8 exposed layers), text encoder, HR heads, export graph.

Everything here exports to ONNX opset 17 with plain ops: the STFT is a conv1d with fixed
Hann-windowed DFT kernels and the periodicity ("tempogram") features are a matmul with fixed
cosine/sine tables evaluated exactly at the 211 HR bins.
"""
from __future__ import annotations

import math
from typing import List, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from models.training.hr import BIN_BPM, NUM_BINS

SAMPLE_RATE_HZ = 4000
WINDOW_SAMPLES = 20000
N_FFT = 160  # 40 ms, 25 Hz bins
STFT_HOP = 40  # 10 ms
N_FREQ = 32  # bins 1..32 = 25..800 Hz (heart sounds and most murmur energy)
FRAME_S = 0.02  # encoder frame period after the stride-2 first layer
N_FRAMES = 251  # frame j is centred at j * 20 ms of the window
NORM_EPS = 1e-8


def normalise_pcm(pcm: torch.Tensor) -> torch.Tensor:
    """Remove the mean and divide by the RMS so any input gain gives the same features."""
    x = pcm - pcm.mean(dim=1, keepdim=True)
    return x / torch.sqrt((x * x).mean(dim=1, keepdim=True) + NORM_EPS)


class FrontEnd(nn.Module):
    """Normalised PCM -> log power spectrogram [B, 32, 501] at a 10 ms hop (fixed, not trained)."""

    def __init__(self) -> None:
        super().__init__()
        n = np.arange(N_FFT)
        window = 0.5 - 0.5 * np.cos(2 * np.pi * (n + 0.5) / N_FFT)
        k = np.arange(1, N_FREQ + 1)[:, None]
        cos = np.cos(2 * np.pi * k * n[None, :] / N_FFT) * window
        sin = -np.sin(2 * np.pi * k * n[None, :] / N_FFT) * window
        kernel = np.concatenate([cos, sin], 0)[:, None, :] / math.sqrt(N_FFT)
        self.register_buffer("kernel", torch.tensor(kernel, dtype=torch.float32))

    def forward(self, pcm: torch.Tensor) -> torch.Tensor:
        x = normalise_pcm(pcm).unsqueeze(1)
        x = F.pad(x, (N_FFT // 2, N_FFT // 2))
        spec = F.conv1d(x, self.kernel, stride=STFT_HOP)
        re, im = spec[:, :N_FREQ], spec[:, N_FREQ:]
        return torch.log(re * re + im * im + 1e-4)


class ConvLayer(nn.Module):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1, residual: bool = False) -> None:
        super().__init__()
        self.conv = nn.Conv1d(c_in, c_out, kernel, stride=stride, padding=kernel // 2)
        self.bn = nn.BatchNorm1d(c_out)
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.bn(self.conv(x))
        return F.relu(x + y) if self.residual else F.relu(y)


class DilatedBlock(nn.Module):
    def __init__(self, width: int, dilation: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(width, width, 3, padding=dilation, dilation=dilation)
        self.bn1 = nn.BatchNorm1d(width)
        self.mix = nn.Conv1d(width, width, 1)
        self.bn2 = nn.BatchNorm1d(width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.bn1(self.conv(x)))
        return F.relu(x + self.bn2(self.mix(h)))


class AudioEncoder(nn.Module):
    """Spectrogram -> 8 hidden states [B, width, 251] (20 ms frames)."""

    def __init__(self, width: int = 64, dilations: Sequence[int] = (1, 2, 4, 8, 16, 32)) -> None:
        super().__init__()
        self.width = width
        self.input_bn = nn.BatchNorm1d(N_FREQ)
        layers: List[nn.Module] = [ConvLayer(N_FREQ, width, 5, stride=2), ConvLayer(width, width, 5, residual=True)]
        layers += [DilatedBlock(width, d) for d in dilations]
        self.layers = nn.ModuleList(layers)
        self.names = ["conv1_s2", "conv2"] + [f"dil{d}" for d in dilations]

    def forward(self, spec: torch.Tensor) -> List[torch.Tensor]:
        x = self.input_bn(spec)
        hidden: List[torch.Tensor] = []
        for layer in self.layers:
            x = layer(x)
            hidden.append(x)
        return hidden


class Tempogram(nn.Module):
    """Periodicity of M envelope channels at exactly the 211 HR bins (DFT over 5 s by matmul)."""

    def __init__(self) -> None:
        super().__init__()
        t = np.arange(N_FRAMES) * FRAME_S
        f = BIN_BPM / 60.0
        phase = 2 * np.pi * t[:, None] * f[None, :]
        table = np.concatenate([np.cos(phase), np.sin(phase)], 1) / N_FRAMES
        self.register_buffer("table", torch.tensor(table, dtype=torch.float32))

    def forward(self, env: torch.Tensor) -> torch.Tensor:
        env = env - env.mean(dim=2, keepdim=True)
        z = torch.matmul(env, self.table)  # [B, M, 2K]
        re, im = z[:, :, :NUM_BINS], z[:, :, NUM_BINS:]
        power = re * re + im * im
        power = power / (power.mean(dim=2, keepdim=True) + 1e-6)
        return torch.log(power + 1e-2)


def pool(h: torch.Tensor) -> torch.Tensor:
    return torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)


class HrHead(nn.Module):
    """Hidden state -> 211 logits: pooled stats + tempogram of M learned envelopes (+ their
    time course when `timeline`), then a 1-hidden-layer MLP."""

    def __init__(self, width: int, envelopes: int, hidden: int, timeline: bool) -> None:
        super().__init__()
        self.proj = nn.Conv1d(width, envelopes, 1)
        self.tempo = Tempogram()
        self.timeline = timeline
        n_in = 2 * width + envelopes * NUM_BINS + (envelopes * N_FRAMES if timeline else 0)
        self.norm = nn.LayerNorm(n_in)
        self.fc1 = nn.Linear(n_in, hidden)
        self.drop = nn.Dropout(0.1)
        self.fc2 = nn.Linear(hidden, NUM_BINS)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        env = self.proj(h)
        feats = [pool(h), self.tempo(env).flatten(1)]
        if self.timeline:
            feats.append(env.flatten(1))
        z = self.norm(torch.cat(feats, dim=1))
        return self.fc2(self.drop(F.gelu(self.fc1(z))))


class NoHrHead(nn.Module):
    """Hidden state -> one logit: "this window has no measurable heart rate" (no heart sound, a
    lifted chestpiece, only noise). Pooled statistics plus how strongly periodic 4 learned
    envelopes are (peak and mean of their tempogram over the 211 HR bins)."""

    def __init__(self, width: int, envelopes: int = 4, hidden: int = 64) -> None:
        super().__init__()
        self.proj = nn.Conv1d(width, envelopes, 1)
        self.tempo = Tempogram()
        n_in = 2 * width + 2 * envelopes
        self.norm = nn.LayerNorm(n_in)
        self.fc1 = nn.Linear(n_in, hidden)
        self.fc2 = nn.Linear(hidden, 1)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        tempo = self.tempo(self.proj(h))
        z = self.norm(torch.cat([pool(h), tempo.amax(dim=2), tempo.mean(dim=2)], dim=1))
        return self.fc2(F.gelu(self.fc1(z))).squeeze(1)


def probe_head(width: int) -> HrHead:
    return HrHead(width, envelopes=4, hidden=128, timeline=False)


def production_head(width: int) -> HrHead:
    return HrHead(width, envelopes=8, hidden=192, timeline=True)  # 192 (was 256): keeps the ONNX under 10 MB


def l2_normalise(x: torch.Tensor) -> torch.Tensor:
    return x / torch.sqrt((x * x).sum(dim=1, keepdim=True) + 1e-12)


class ClapAudio(nn.Module):
    """Front end + encoder + CLAP projection + auxiliary heads used during pretraining."""

    def __init__(self, width: int = 64, embed_dim: int = 128) -> None:
        super().__init__()
        self.front = FrontEnd()
        self.encoder = AudioEncoder(width)
        self.embed = nn.Sequential(nn.Linear(2 * width, 256), nn.GELU(), nn.Linear(256, embed_dim))
        self.hr_head = production_head(width)
        self.seg_head = nn.Conv1d(width, 4, 1)  # S1, systole, S2, diastole per 20-ms frame
        self.no_hr_head = NoHrHead(width)

    def forward(self, pcm: torch.Tensor) -> Tuple[List[torch.Tensor], torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        hidden = self.encoder(self.front(pcm))
        last = hidden[-1]
        emb = l2_normalise(self.embed(pool(last)))
        return hidden, emb, self.hr_head(last), self.seg_head(last), self.no_hr_head(last)


class TextEncoder(nn.Module):
    """Bag of words: token embedding, masked mean, MLP, L2 norm (order-free: captions are templated)."""

    def __init__(self, vocab_size: int, embed_dim: int = 128, token_dim: int = 96) -> None:
        super().__init__()
        self.tok = nn.Embedding(vocab_size, token_dim, padding_idx=0)
        self.mlp = nn.Sequential(nn.Linear(token_dim, 256), nn.GELU(), nn.Linear(256, embed_dim))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        mask = (tokens != 0).float().unsqueeze(2)
        e = (self.tok(tokens) * mask).sum(dim=1) / (mask.sum(dim=1) + 1e-6)
        return l2_normalise(self.mlp(e))


PRODUCTION_SHARED_LAYERS = 5  # the production path reuses frozen layers 0-4, fine-tunes copies of 5-7


class ProductionTop(nn.Module):
    """Fine-tuned copies of the encoder's top layers + the production HR head, fed by the frozen
    encoder's hidden state PRODUCTION_SHARED_LAYERS - 1 (sharing the bottom keeps one window
    through the whole graph within the app's CPU budget)."""

    def __init__(self, encoder: AudioEncoder, head: HrHead) -> None:
        super().__init__()
        import copy
        self.layers = nn.ModuleList([copy.deepcopy(l) for l in encoder.layers[PRODUCTION_SHARED_LAYERS:]])
        self.head = copy.deepcopy(head)

    def features(self, shared: torch.Tensor) -> torch.Tensor:
        x = shared
        for layer in self.layers:
            x = layer(x)
        return x

    def forward(self, shared: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(shared))


class ExportGraph(nn.Module):
    """The app's one graph: pcm -> hr_probs (frozen bottom + fine-tuned top + production head),
    layer_probs (frozen encoder + per-layer probes), embedding (frozen encoder, CLAP space) and
    seg_probs (the production path's segmentation head: S1, systole, S2, diastole per 20-ms frame,
    [B, N_FRAMES, 4]; the app decodes S1/S2 onsets from it) and no_hr_prob ([B], the production
    path's probability that the window has no measurable heart rate)."""

    def __init__(self, clap: ClapAudio, probes: nn.ModuleList, production: ProductionTop, seg: nn.Module,
                 no_hr: nn.Module) -> None:
        super().__init__()
        self.front = clap.front
        self.encoder = clap.encoder
        self.embed = clap.embed
        self.probes = probes
        self.production = production
        self.seg = seg
        self.no_hr = no_hr

    def forward(self, pcm: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        hidden = self.encoder(self.front(pcm))
        layer_probs = torch.stack([torch.softmax(p(h), dim=1) for p, h in zip(self.probes, hidden)], dim=1)
        emb = l2_normalise(self.embed(pool(hidden[-1])))
        top = self.production.features(hidden[PRODUCTION_SHARED_LAYERS - 1])
        hr_probs = torch.softmax(self.production.head(top), dim=1)
        seg_probs = torch.softmax(self.seg(top), dim=1).transpose(1, 2)
        no_hr_prob = torch.sigmoid(self.no_hr(top))
        return hr_probs, layer_probs, emb, seg_probs, no_hr_prob
