"""Training throughput (beats per second) of every registered model.

    ARRHYTHMIA_DATA_DIR=../shared/data/mitdb python benchmarks/bench_train.py [--batches 20]

For each model: its default beats of the DS1 records (cached extraction), then
``--warmup`` + ``--batches`` training steps (forward, backward, Adam step,
augmentation on) with batch size 256 on the CPU. Prints beats/s and the time
one epoch over the ~41,000 training beats of DS1 would take.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from _common import data_dir, machine, today

from arrhythmia.datasets import DS1, load_beats
from arrhythmia.models import ARCHITECTURES, build_model
from arrhythmia.training.augment import augment
from arrhythmia.training.run import beat_config_for

EPOCH_BEATS = 41_000  # DS1 minus the validation records, roughly


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--models", default=",".join(ARCHITECTURES))
    a = ap.parse_args()
    d = data_dir()
    print(f"# {today()} on {machine()}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    print("| model | parameters | input | beats/s | s per DS1 epoch |")
    print("|---|---:|---|---:|---:|")
    for name in a.models.split(","):
        cfg = beat_config_for(name)
        beats = load_beats(DS1, d, cfg)
        torch.manual_seed(0)
        m = build_model(name, n_leads=len(cfg.leads), n_samples=cfg.window.length, fs=cfg.window.fs)
        opt = torch.optim.Adam(m.parameters(), 1e-3)
        g = torch.Generator().manual_seed(0)
        rng = np.random.default_rng(0)
        m.train()
        rr_all = np.nan_to_num(beats.rr)
        t0 = None
        for i in range(a.warmup + a.batches):
            if i == a.warmup:
                t0 = time.perf_counter()
            idx = np.sort(rng.choice(len(beats), a.batch_size, replace=False))
            x = augment(torch.from_numpy(beats.x[idx]), g, fs=m.fs)
            rr = torch.from_numpy(rr_all[idx])
            y = torch.from_numpy(beats.y[idx])
            opt.zero_grad()
            torch.nn.functional.cross_entropy(m(x, rr), y).backward()
            opt.step()
        dt = time.perf_counter() - t0
        rate = a.batches * a.batch_size / dt
        shape = f"{m.n_leads}x{m.n_samples} @ {m.fs:g} Hz"
        print(f"| {name} | {m.n_parameters():,} | {shape} | {rate:,.0f} | {EPOCH_BEATS / rate:,.0f} |")


if __name__ == "__main__":
    main()
