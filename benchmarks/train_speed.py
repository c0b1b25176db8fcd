"""Training throughput on this CPU: faces/s of a full training step (forward, ADNet's losses,
backward, Adam) for candidate configs, at each thread count, for eager fp32, ``channels_last``,
``torch.compile`` (inductor, the step compiled as MMEngine's ``compile=True`` does), bf16
autocast (``BF16AutocastOptimWrapper``; only where the CPU has native bf16: ``avx512_bf16`` or
``amx_bf16`` in its flags) and bf16 with ``channels_last``.

* data loading excluded: one synthetic batch already in memory, the step alone;
* data loading included (``--loader``): the config's own train dataloader (real fixture faces,
  its augmentation) feeding the step, steady state after a warm-up, with each number of loader
  workers in ``--loader-workers`` (default: the config's).  On 2 cores the workers compete with
  the step's threads for the same cores: this is the rate a training run gets.

``--loss-check N`` trains N iterations on the real data from the same seed with eager fp32
(seeds 0, 1, … ``--loss-seeds``-1) and with each faster setting (seed 0), and compares the mean
loss of the last quarter: a setting "trains the same" when it differs from seed 0 by no more
than another seed does.

    python benchmarks/train_speed.py [--configs CFG ...] [--threads 1 2]
        [--settings eager channels_last compile bf16 bf16_channels_last]
        [--loader [--loader-workers 0 1 2]] [--loss-check 200]
        [--out train_speed.json]
"""
import argparse
import copy
import json
import os
import time

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from adnet_mmpose.engine.optim_wrappers.bf16_autocast_optim_wrapper import cpu_has_native_bf16
from common import ROOT, best_seconds, environment, load, train_batch

STUDY = os.path.join(ROOT, 'configs/adnet/study')
CONFIGS = [os.path.join(STUDY, name) for name in (
    'td-adnet_hg2x64_1xb16-24e_afw-helen68dev-128x128.py',
    'td-adnet_hg3x64_1xb16-16e_afw-helen68dev-128x128.py',
    'td-adnet_hg2x96_1xb16-11e_afw-helen68dev-128x128.py',
    'td-adnet_hg2x64_1xb16-11e_afw-helen68dev-192x192.py')]
SETTINGS = ('eager', 'channels_last', 'compile', 'bf16', 'bf16_channels_last')


def make_step(model, cfg, setting: str):
    """(net, wrapper, step) for one setting; ``step(batch)`` runs one training iteration. bf16
    trains through :class:`BF16AutocastOptimWrapper`, as a config that names it does."""
    net = copy.deepcopy(model).train()
    if setting in ('channels_last', 'bf16_channels_last'):
        net.to(memory_format=torch.channels_last)
    wrapper = build_optim_wrapper(net, dict(
        type='BF16AutocastOptimWrapper' if setting.startswith('bf16') else 'OptimWrapper',
        optimizer=cfg.optim_wrapper.optimizer))
    fn = torch.compile(net.train_step) if setting == 'compile' else net.train_step

    def step(batch):
        return fn(batch, wrapper)
    return net, wrapper, step


def skip_reason(setting: str, args) -> str:
    if setting.startswith('bf16') and not cpu_has_native_bf16():
        return 'n/a (no native bf16 on this CPU: no avx512_bf16 / amx_bf16 flag)'
    return ''


def real_loader(config: str, seed: int, workers: int = None):
    """The config's train dataloader (real faces), seeded; ``workers`` loader processes
    (default: the config's)."""
    cfg = Config.fromfile(config)
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    if workers is not None:
        loader_cfg.update(num_workers=workers, persistent_workers=workers > 0)
    return Runner.build_dataloader(loader_cfg, seed=seed)


def step_rows(config: str, args) -> list:
    """One row per thread count × setting: s/step and faces/s on a synthetic batch, and
    (``--loader``) faces/s with the config's dataloader feeding the step."""
    cfg, codec, model = load(config, 'cpu')
    batch = train_batch(codec, cfg.train_dataloader.batch_size, 'cpu')
    n = cfg.train_dataloader.batch_size
    rows = []
    for threads in args.threads:
        torch.set_num_threads(threads)
        for setting in args.settings:
            row = dict(config=os.path.basename(config), threads=threads, setting=setting)
            why = skip_reason(setting, args)
            if why:
                rows.append(dict(row, skipped=why))
                print(row, why, flush=True)
                continue
            torch._dynamo.reset()
            net, wrapper, step = make_step(model, cfg, setting)
            start = time.perf_counter()
            step(batch)  # compilation / first-call allocation
            row['first_step_s'] = time.perf_counter() - start
            s = best_seconds(lambda: step(batch), args.repeats, args.iters,
                             warmup=2 if setting == 'compile' else 1)
            row.update(s_per_step=s, faces_per_s=n / s)
            if args.loader:
                row['faces_per_s_with_loader'] = {
                    str(w): loader_rate(config, step, args.loader_iters, w)
                    for w in args.loader_workers or [cfg.train_dataloader.num_workers]}
            rows.append(row)
            print({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()},
                  flush=True)
            del net, wrapper, step
    return rows


def loader_rate(config: str, step, iters: int, workers: int) -> float:
    """Faces/s of ``iters`` steps fed by the real dataloader with ``workers`` loader
    processes, after 3 warm-up steps (worker start-up excluded)."""
    batches = iter(real_loader(config, 0, workers))
    for _ in range(3):
        step(next(batches))
    start, faces = time.perf_counter(), 0
    for _ in range(iters):
        batch = next(batches, None)
        if batch is None:
            batches = iter(real_loader(config, 0, workers))
            batch = next(batches)
        step(batch)
        faces += len(batch['inputs'])
    return faces / (time.perf_counter() - start)


def loss_curve(config: str, setting: str, seed: int, iters: int) -> list:
    """Total loss of each of ``iters`` training iterations on the real data from ``seed``."""
    from mmengine.runner import set_random_seed
    set_random_seed(seed)
    cfg, _, model = load(config, 'cpu')
    torch._dynamo.reset()
    _, _, step = make_step(model, cfg, setting)
    losses, batches = [], iter(real_loader(config, seed))
    while len(losses) < iters:
        batch = next(batches, None)
        if batch is None:
            batches = iter(real_loader(config, seed + len(losses)))
            continue
        out = step(batch)
        losses.append(float(sum(v for k, v in out.items() if k.startswith('loss'))))
    return losses


def loss_check(config: str, settings, args) -> dict:
    """Mean loss over the last quarter of ``--loss-check`` iterations per setting and seed.

    The seed-to-seed noise is the largest difference between eager seed 0 and eager seeds
    1 … ``--loss-seeds``-1; a setting trains the same when its seed-0 run differs from eager
    seed 0 by no more. ``channels_last`` (the same fp32 arithmetic in another order) is the
    control: over a few hundred iterations rounding differences grow like a change of seed.
    """
    tail = lambda xs: sum(xs[-len(xs) // 4:]) / len(xs[-len(xs) // 4:])  # noqa: E731
    torch.set_num_threads(args.threads[0])
    ref = {s: tail(loss_curve(config, 'eager', s, args.loss_check))
           for s in range(args.loss_seeds)}
    noise = max(abs(ref[s] - ref[0]) for s in ref if s)
    out = dict(config=os.path.basename(config), iters=args.loss_check,
               eager_by_seed=ref, seed_noise=noise)
    for setting in settings:
        if setting == 'eager' or skip_reason(setting, args):
            continue
        value = tail(loss_curve(config, setting, 0, args.loss_check))
        out[setting] = dict(mean_loss=value, diff=abs(value - ref[0]),
                            trains_the_same=abs(value - ref[0]) <= noise)
    print(out, flush=True)
    return out


def table(rows: list) -> str:
    lines = ['| config | threads | setting | s/step | faces/s (step) | '
             'faces/s with loader (workers: rate) |',
             '|---|---|---|---|---|---|']
    for r in rows:
        if 'skipped' in r:
            lines.append(f"| {r['config']} | {r['threads']} | {r['setting']} | "
                         f"{r['skipped']} | | |")
            continue
        loader = ', '.join(f'{w}: {v:.1f}'
                           for w, v in r.get('faces_per_s_with_loader', {}).items())
        lines.append(f"| {r['config']} | {r['threads']} | {r['setting']} | "
                     f"{r['s_per_step']:.3f} | {r['faces_per_s']:.1f} | {loader} |")
    return '\n'.join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--configs', nargs='+', default=CONFIGS)
    p.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    p.add_argument('--settings', nargs='+', choices=SETTINGS, default=list(SETTINGS))
    p.add_argument('--iters', type=int, default=3, help='steps per timing repeat')
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--loader', action='store_true', help='also time with the real dataloader')
    p.add_argument('--loader-iters', type=int, default=10)
    p.add_argument('--loader-workers', type=int, nargs='+',
                   help="loader worker counts to time (default: the config's)")
    p.add_argument('--loss-check', type=int, default=0, metavar='N',
                   help='compare loss curves over N real iterations (first config)')
    p.add_argument('--loss-seeds', type=int, default=3,
                   help='eager seeds that measure the seed-to-seed noise (at least 2)')
    p.add_argument('--out', help='write the results as json')
    args = p.parse_args(argv)
    init_default_scope('mmpose')
    result = dict(environment=environment('cpu'), native_bf16=cpu_has_native_bf16(), rows=[])
    for config in args.configs:
        result['rows'] += step_rows(config, args)
        _save(result, args.out)
    if args.loss_check:
        result['loss_check'] = loss_check(args.configs[0], args.settings, args)
        _save(result, args.out)
    print(f"\n{result['environment']['cpu_model']}, native bf16: {result['native_bf16']}")
    print(table(result['rows']))
    return result


def _save(result: dict, path) -> None:
    if path:
        with open(path, 'w') as f:
            json.dump(result, f, indent=1)


if __name__ == '__main__':
    main()
