"""Faces per second of ADNet inference, training and target generation (CPU and CUDA).

Inference (eval, normalised B×3×H×W on the device, :class:`FastLandmarkModel`): eager fp32 —
the official-equivalent baseline, the same network — then AMP (bf16 autocast), ``torch.compile``,
compile + bf16 + channels_last, CUDA graphs (manual capture, fp32 / bf16) and
``torch.compile(mode='reduce-overhead')``, at each ``--batch-sizes``. Every row gives ms per
batch, faces/s, the ratio to eager fp32 of this run and the largest landmark difference to it
(px). Training (``--train-batch``, ``model.train_step`` through MMEngine's ``OptimWrapper`` /
``AmpOptimWrapper`` with the config's Adam; ``compile`` wraps ``train_step`` as MMEngine's
``compile=True`` does; batches already on the device): s/step, faces/s, peak memory. Targets:
the config's codec per core and through a DataLoader with ``--workers`` (``targets_speed``),
against the eager step's consumption. CUDA-only rows print 'n/a (CUDA only)' on a CPU.

    python benchmarks/speed.py --config CFG --device cuda [--batch-sizes 1 32 128]
        [--train-batch 32] [--parts inference train targets] [--quick] [--out speed.json]
"""
import argparse
import copy
import json
import math
import os
import sys
import time

import cv2
import numpy as np
import torch

from adnet_mmpose.models.fast_landmark_model import FastLandmarkModel, bf16_supported
from common import (PAPER_CONFIG, best_seconds, environment, faces_for, load, loader_throughput,
                    optim_wrapper, per_item_ms, train_batch)

# name, FastLandmarkModel options, CUDA only
INFERENCE = [
    ('eager fp32', dict(mode='eager'), False),
    ('eager bf16 (AMP)', dict(mode='eager', dtype='bf16'), True),
    ('compile fp32', dict(mode='compile'), False),
    ('compile bf16 channels_last', dict(mode='compile', dtype='bf16', channels_last=True), True),
    ('cuda_graph fp32', dict(mode='cuda_graph'), True),
    ('cuda_graph bf16', dict(mode='cuda_graph', dtype='bf16'), True),
    ('compile reduce-overhead fp32',
     dict(mode='compile', compile_options=dict(mode='reduce-overhead')), True),
]
# name, AMP bf16, torch.compile(train_step), channels_last, CUDA only
TRAINING = [
    ('eager fp32', False, False, False, False),
    ('AMP bf16', True, False, False, True),
    ('channels_last fp32', False, False, True, False),
    ('compile fp32', False, True, False, False),
    ('compile AMP bf16', True, True, False, True),
]
NA = 'n/a (CUDA only)'


def skip_reason(name: str, cuda_only: bool, compiles: bool, bf16: bool, args) -> str:
    """Why a row does not run here ('' when it runs)."""
    if args.only and not any(word in name for word in args.only):
        return 'skipped (--only)'
    if cuda_only and args.device == 'cpu':
        return NA
    if bf16 and not bf16_supported():
        return 'n/a (no native bf16 on this GPU)'
    if compiles and args.no_compile:
        return 'skipped (--no-compile)'
    return ''


def inference_rows(model, codec, args, rows: list, save) -> None:
    """Append one row per :data:`INFERENCE` entry to ``rows``, calling ``save`` after each."""
    model.eval()
    w, h = codec.input_size
    inputs = {b: torch.randn(b, 3, h, w, device=args.device) for b in args.batch_sizes}
    reference = {}
    for name, options, cuda_only in INFERENCE:
        why = skip_reason(name, cuda_only, options['mode'] == 'compile',
                          options.get('dtype') == 'bf16', args)
        if why:
            rows.append(dict(name=name, skipped=why))
            continue
        torch._dynamo.reset()
        start = _now(args)
        fast = FastLandmarkModel(copy.deepcopy(model), batch_size=args.batch_sizes,
                                 warmup=args.warmup, **options)
        row = dict(name=name, prepare_s=_now(args) - start, per_batch={})
        if fast.fallback_reason:
            row['fallback'] = fast.fallback_reason
        for b, x in inputs.items():
            landmarks = fast(x)[0]
            if name == 'eager fp32':
                reference[b] = landmarks
            diff = (landmarks - reference[b]).abs().max().item() if b in reference else math.nan
            s = best_seconds(lambda: fast(x), args.repeats, args.iters, warmup=args.warmup)
            row['per_batch'][b] = dict(ms=s * 1e3, faces_per_s=b / s, max_diff_px=diff)
        rows.append(row)
        save(f"inference {name}: " + ', '.join(
            f"b{b} {_fps(m['faces_per_s'])} faces/s" for b, m in row['per_batch'].items()))
        del fast


def train_rows(model, cfg, codec, args, rows: list, save) -> None:
    """Append one row per :data:`TRAINING` entry to ``rows``, calling ``save`` after each."""
    data = train_batch(codec, args.train_batch, args.device)
    for name, amp, compiles, channels_last, cuda_only in TRAINING:
        why = skip_reason(name, cuda_only, compiles, amp, args)
        if why:
            rows.append(dict(name=name, skipped=why))
            continue
        torch._dynamo.reset()
        net = copy.deepcopy(model).train()
        if channels_last:
            net.to(memory_format=torch.channels_last)
        wrapper = optim_wrapper(net, cfg, amp)
        step = torch.compile(net.train_step) if compiles else net.train_step
        losses = []
        start = _now(args)
        losses.append(step(data, wrapper))  # compilation, cuDNN autotuning
        row = dict(name=name, first_step_s=_now(args) - start)
        if args.device != 'cpu':
            torch.cuda.reset_peak_memory_stats()
        s = best_seconds(lambda: losses.append(step(data, wrapper)), args.repeats,
                         args.train_iters,  # a compiled step recompiles once more after step 1
                         warmup=max(args.warmup - 1, 2 if compiles else 0))
        row.update(s_per_step=s, faces_per_s=args.train_batch / s,
                   finite=all(math.isfinite(v.item()) for out in losses for v in out.values()))
        if args.device != 'cpu':
            row['peak_gib'] = torch.cuda.max_memory_allocated() / 2**30
        rows.append(row)
        save(f"train {name}: {_fps(row['faces_per_s'])} faces/s")
        del net, wrapper, step


def target_rows(codec, args) -> dict:
    """Codec time per face on one core; DataLoader faces/s per worker count, as
    ``targets_speed`` measures it (worker start-up included) and in steady state: the marginal
    rate between one and three passes over the faces, start-up cancelled."""
    cv2.setNumThreads(1)
    faces = faces_for(codec, args.faces)
    ms = per_item_ms(lambda f: codec.encode(f[None]), faces, args.repeats)
    loader, steady = {}, {}
    for w in args.workers:
        loader[w] = loader_throughput(codec, faces, w)
        t1, t3 = len(faces) / loader[w], 3 * len(faces) / loader_throughput(
            codec, faces[np.arange(3 * len(faces)) % len(faces)], w)
        steady[w] = 2 * len(faces) / (t3 - t1) if t3 > t1 else math.inf
    return dict(faces=args.faces, ms_per_face=ms, faces_per_s_per_core=1e3 / ms,
                loader_faces_per_s=loader, loader_steady_faces_per_s=steady)


def _fps(value: float) -> str:
    return f'{value:.0f}' if value >= 100 else f'{value:.3g}'


def _now(args) -> float:
    if args.device != 'cpu':
        torch.cuda.synchronize()
    return time.perf_counter()


def report(result: dict, args) -> str:
    env = result['environment']
    lines = [f"{env['device']}; torch {env['torch']}, mmpose {env['mmpose']}, mmengine "
             f"{env['mmengine']}" + (f", CUDA {env['cuda']}, cudnn.benchmark "
                                     f"{env['cudnn_benchmark']}" if 'cuda' in env else '') +
             f"; load average {env['load_average'][0]:.1f} at start, "
             f"{env['load_average_end'][0]:.1f} at end; config {args.config}"]
    if 'inference' in result:
        head = ' | '.join(f'b{b} ms | b{b} faces/s | ×' for b in args.batch_sizes)
        lines += ['', f'Inference (best of {args.repeats}×{args.iters}; × = faces/s ratio to '
                  'eager fp32; max |Δ landmarks| px vs eager fp32 in brackets)',
                  f'| mode | {head} | prepare s |', '|---' * (3 * len(args.batch_sizes) + 2) + '|']
        base = next((r for r in result['inference']
                     if r['name'] == 'eager fp32' and 'skipped' not in r), None)
        for r in result['inference']:
            if 'skipped' in r:
                lines.append(f"| {r['name']} | " + ' | '.join([r['skipped']] + [''] * (
                    3 * len(args.batch_sizes))) + ' |')
                continue
            cells = []
            for b, m in r['per_batch'].items():
                ratio = m['faces_per_s'] / base['per_batch'][b]['faces_per_s'] if base else math.nan
                cells += [f"{m['ms']:.2f}", _fps(m['faces_per_s']),
                          f"{ratio:.2f} [{m['max_diff_px']:.1e}]"]
            note = f" (fell back: {r['fallback']})" if 'fallback' in r else ''
            lines.append(f"| {r['name']}{note} | " + ' | '.join(cells) +
                         f" | {r['prepare_s']:.1f} |")
    if 'train' in result:
        lines += ['', f'Training step, batch {args.train_batch} (forward + ADL + AWing + backward '
                  f'+ Adam; best of {args.repeats}×{args.train_iters})',
                  '| mode | s/step | faces/s | × | peak GiB | first step s | finite |',
                  '|---|---|---|---|---|---|---|']
        base = next((r for r in result['train']
                     if r['name'] == 'eager fp32' and 'skipped' not in r), None)
        for r in result['train']:
            if 'skipped' in r:
                lines.append(f"| {r['name']} | {r['skipped']} | | | | | |")
                continue
            peak = f"{r['peak_gib']:.2f}" if 'peak_gib' in r else NA
            ratio = r['faces_per_s'] / base['faces_per_s'] if base else math.nan
            lines.append(f"| {r['name']} | {r['s_per_step']:.3f} | {_fps(r['faces_per_s'])} | "
                         f"{ratio:.2f} | {peak} | "
                         f"{r['first_step_s']:.1f} | {r['finite']} |")
    if 'targets' in result:
        t = result['targets']
        lines += ['', f"Targets ({t['faces']} synthetic faces, the config's codec): "
                  f"{t['ms_per_face']:.2f} ms/face on one core = "
                  f"{t['faces_per_s_per_core']:.0f} faces/s/core"]
        step = next((r for r in result.get('train', [])
                     if r['name'] == 'eager fp32' and 'skipped' not in r), None)
        for w, fps in t['loader_steady_faces_per_s'].items():
            keep = (f"; {'keeps up with' if fps >= step['faces_per_s'] else 'slower than'} the "
                    f"eager fp32 step's {_fps(step['faces_per_s'])} faces/s") if step else ''
            lines.append(f"  DataLoader (targets only), {w} workers: {_fps(fps)} faces/s steady "
                         f"({_fps(t['loader_faces_per_s'][w])} incl. worker start-up){keep}")
    return '\n'.join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default=PAPER_CONFIG)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--batch-sizes', type=int, nargs='+')
    parser.add_argument('--train-batch', type=int)
    parser.add_argument('--parts', nargs='+', default=['inference', 'train', 'targets'],
                        choices=['inference', 'train', 'targets'])
    parser.add_argument('--repeats', type=int, help='best of this many timed runs')
    parser.add_argument('--iters', type=int, help='inference calls per timed run')
    parser.add_argument('--train-iters', type=int, help='train steps per timed run')
    parser.add_argument('--warmup', type=int, help='untimed calls before timing')
    parser.add_argument('--workers', type=int, nargs='+',
                        help="DataLoader workers for the targets (default: 0 and the config's)")
    parser.add_argument('--faces', type=int, help='faces for the target rows')
    parser.add_argument('--only', nargs='+',
                        help="run only the rows whose name contains one of these words (e.g. "
                        "'eager' 'cuda_graph'; 'eager fp32' is every ratio's baseline)")
    parser.add_argument('--no-compile', action='store_true',
                        help='skip the torch.compile rows (minutes to compile on a CPU)')
    parser.add_argument('--no-cudnn-benchmark', action='store_true')
    parser.add_argument('--quick', action='store_true',
                        help='small CPU-friendly defaults; on a CPU also --no-compile')
    parser.add_argument('--out', help='write the figures as JSON here')
    args = parser.parse_args()

    if args.device.startswith('cuda') and not torch.cuda.is_available():
        raise SystemExit(f'--device {args.device}: CUDA is not available here; use --device cpu')
    if args.device not in ('cpu', 'cuda') and not args.device.startswith('cuda:'):
        raise SystemExit(f"--device must be 'cpu', 'cuda' or 'cuda:N', got {args.device!r}")
    cpu = args.device == 'cpu'
    quick = args.quick
    defaults = dict(batch_sizes=[1, 8] if cpu or quick else [1, 32, 128],
                    train_batch=4 if cpu or quick else 32, repeats=2 if quick else 3,
                    iters=1 if cpu else (5 if quick else 20),
                    train_iters=1 if cpu else (3 if quick else 10), warmup=1 if cpu else 3,
                    faces=100 if quick else 500)
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.no_compile = args.no_compile or (quick and cpu)
    if args.device.startswith('cuda'):
        torch.cuda.set_device(torch.device(args.device))
        args.device = 'cuda'
        torch.backends.cudnn.benchmark = not args.no_cudnn_benchmark

    cfg, codec, model = load(args.config, args.device)
    if args.workers is None:
        args.workers = sorted({0, cfg.train_dataloader.get('num_workers', 0)})
    result = dict(environment=environment(args.device), config=args.config,
                  settings={k: v for k, v in vars(args).items() if k != 'config'})

    def save(progress: str) -> None:
        """Report a finished row and keep the JSON current (a run cut short keeps its rows)."""
        print(f'[{time.strftime("%H:%M:%S")}] {progress}', file=sys.stderr, flush=True)
        result['environment']['load_average_end'] = os.getloadavg()
        if args.out:
            with open(args.out, 'w') as f:
                json.dump(result, f, indent=1)

    if 'inference' in args.parts:
        inference_rows(model, codec, args, result.setdefault('inference', []), save)
    if 'train' in args.parts:
        train_rows(model, cfg, codec, args, result.setdefault('train', []), save)
    if 'targets' in args.parts:
        result['targets'] = target_rows(codec, args)
        save(f"targets {result['targets']['ms_per_face']:.2f} ms/face")
    print(report(result, args))


if __name__ == '__main__':
    main()
