"""Validation NME against CPU-hours for training runs (the recipe study of the released model).

For each work directory (one training run of a config that keeps every epoch's checkpoint):
the CPU-hours of each epoch, the dev-split NME the run validated on, and the NME of every
epoch's checkpoint on a second split (default: the config's ``test_dataloader``, AFW val for
the study configs), scored here. Writes a json and a PNG of both curves against CPU-hours, and
prints a table.

CPU-hours come from the run's own scalar log (median iteration time × iterations × threads,
validation excluded) or, with ``--speed``, from a ``benchmarks/train_speed.py`` json: training
faces seen ÷ the faces/s measured for the run's architecture (stacks × channels, input size)
with ``--setting`` at ``--threads``. The second puts runs trained with different settings, or
sharing the machine, on one time axis: the time each would take with that setting alone.

    python tools/analysis/study_curves.py work_dirs/study/RUN1 work_dirs/study/RUN2 ... \\
        --threads 1 [--speed train_speed.json --setting bf16_channels_last] \\
        --out docs/released_model_study
"""
import argparse
import glob
import json
import os
import os.path as osp
import re
import statistics
from collections import defaultdict

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import adnet_mmpose  # noqa: F401,E402  (registers the plugin)
from adnet_mmpose.utils.checkpoint import checkpoint_loading  # noqa: E402


def run_config(work_dir: str) -> str:
    """The config the run dumped into its work directory."""
    configs = [p for p in glob.glob(osp.join(work_dir, '*.py'))]
    if len(configs) != 1:
        raise SystemExit(f'{work_dir}: expected one dumped config, found {configs}')
    return configs[0]


def scalar_log(work_dir: str) -> list:
    """Every record of the run's ``vis_data/scalars.json`` logs (resumed runs: all of them, in
    time order)."""
    records = []
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            records += [json.loads(line) for line in f if line.strip()]
    if not records:
        raise SystemExit(f'{work_dir}: no */vis_data/scalars.json (was it trained with mmengine?)')
    return records


def epoch_hours(records: list, iters_per_epoch: int, threads: int) -> dict:
    """CPU-hours of each epoch: the median logged iteration time of that epoch × iterations ×
    threads (validation and checkpointing excluded; the median, so that a logging window in
    which the run was paused or shared its core does not count). Resumed runs log an epoch
    twice: both record sets count."""
    times = defaultdict(list)
    for r in records:
        if 'epoch' in r and 'time' in r and 'loss' in r:
            times[r['epoch']].append(r['time'])
    return {e: statistics.median(t) * iters_per_epoch * threads / 3600 for e, t in times.items()}


def architecture(name: str) -> str:
    """'hg2x64@128x128' from a config name such as td-adnet_hg2x64_1xb16-24e_..._128x128."""
    found = re.search(r'hg(\d+x\d+)_.*?(\d+x\d+)', name)
    if not found:
        raise SystemExit(f'{name}: no hgSxC ... WxH in the config name')
    return f'hg{found.group(1)}@{found.group(2)}'


def benchmark_rates(path: str, setting: str, threads: int) -> dict:
    """faces/s per architecture from a ``benchmarks/train_speed.py`` json."""
    with open(path) as f:
        rows = json.load(f)['rows']
    return {architecture(r['config']): r['faces_per_s'] for r in rows
            if r['setting'] == setting and r['threads'] == threads and 'faces_per_s' in r}


def dev_nme(records: list, key: str) -> dict:
    """Validation NME per epoch (the run's own val split); val records have no 'loss'."""
    out, epoch = {}, 0
    for r in records:
        if 'loss' in r and 'epoch' in r:
            epoch = r['epoch']
        elif key in r:
            out[r.get('epoch', epoch)] = r[key]
    return out


def score_checkpoints(config: str, work_dir: str, key: str, done: dict) -> dict:
    """NME of every ``epoch_N.pth`` of the run not in ``done`` on the config's test split, as
    ``tools/test.py`` scores it (a Runner per checkpoint: its EMA weights when it has them)."""
    out = dict(done)
    paths = glob.glob(osp.join(work_dir, 'epoch_*.pth'))
    for path in sorted(paths, key=lambda p: int(re.findall(r'epoch_(\d+)', p)[-1])):
        epoch = int(re.findall(r'epoch_(\d+)', path)[-1])
        if epoch in out:
            continue
        cfg = Config.fromfile(config)
        cfg.work_dir = osp.join(work_dir, 'study_scores')
        cfg.load_from, cfg.resume = path, False  # the dumped config of a resumed run says True
        cfg.visualizer = dict(type='Visualizer', vis_backends=[])
        with checkpoint_loading():
            out[epoch] = Runner.from_cfg(cfg).test()[key]
    return out


def study(work_dirs, threads: int, key: str, cache: dict, rates: dict = None) -> dict:
    """Per run: epochs, cumulative CPU-hours, dev NME, test NME (``rates``: faces/s per
    architecture for the benchmark time axis; None: the run's own log)."""
    runs = {}
    init_default_scope('mmpose')  # the configs' datasets are mmpose's
    for wd in work_dirs:
        config = run_config(wd)
        cfg = Config.fromfile(config)
        name = osp.basename(config)[:-3]
        records = scalar_log(wd)
        loader = Runner.build_dataloader(cfg.train_dataloader)
        hours = epoch_hours(records, len(loader), threads)
        if rates is not None:
            arch = architecture(name)
            if arch not in rates:
                raise SystemExit(f'{name}: the speed json has no {arch} row for this setting')
            faces = len(loader.dataset)
            hours = {e: faces / rates[arch] * threads / 3600 for e in hours}
        done = cache.get(name, {}).get('test_nme', {})
        test = {int(k): v for k, v in done.items()}
        if any(e not in test for e in hours):
            test = score_checkpoints(config, wd, key, test)
        cum, total = {}, 0.
        for e in sorted(hours):
            total += hours[e]
            cum[e] = total
        runs[name] = dict(work_dir=wd, epochs=sorted(hours), cpu_hours=cum,
                          dev_nme=dev_nme(records, key), test_nme=test)
    return runs


def plot(runs: dict, path: str, key: str, xlabel: str) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, which, title in zip(axes, ('dev_nme', 'test_nme'),
                                ('HELEN dev split (selection)', 'AFW val (scored after)')):
        for name, run in runs.items():
            xs = [run['cpu_hours'][e] for e in run['epochs'] if e in run[which]]
            ys = [100 * run[which][e] for e in run['epochs'] if e in run[which]]
            ax.plot(xs, ys, marker='.', label=name.replace('td-adnet_', ''))
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.grid(alpha=.3)
    axes[0].set_ylabel(f'{key} (%)')
    axes[0].set_ylim(top=min(15, axes[0].get_ylim()[1]))
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def table(runs: dict) -> str:
    lines = ['| run | epochs | CPU-hours | dev NME (last / best) | AFW val NME (last) |',
             '|---|---|---|---|---|']
    for name, r in runs.items():
        last = r['epochs'][-1]
        dev = r['dev_nme']
        lines.append(f"| {name} | {last} | {r['cpu_hours'][last]:.2f} | "
                     f"{100 * dev.get(last, float('nan')):.2f} / "
                     f"{100 * min(dev.values()):.2f} | "
                     f"{100 * r['test_nme'].get(last, float('nan')):.2f} |")
    return '\n'.join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('work_dirs', nargs='+')
    p.add_argument('--threads', type=int, default=1, help='threads the runs trained with')
    p.add_argument('--metric', default='300w/NME')
    p.add_argument('--speed', help='benchmarks/train_speed.py json: CPU-hours from its faces/s')
    p.add_argument('--setting', default='bf16_channels_last', help='the --speed row to use')
    p.add_argument('--out', default='study', help='writes OUT.json and OUT.png')
    args = p.parse_args(argv)
    cache = {}
    if osp.exists(args.out + '.json'):
        with open(args.out + '.json') as f:
            cache = json.load(f)
    rates = benchmark_rates(args.speed, args.setting, args.threads) if args.speed else None
    runs = study(args.work_dirs, args.threads, args.metric, cache, rates)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out + '.json', 'w') as f:
        json.dump(runs, f, indent=1)
    plot(runs, args.out + '.png', args.metric,
         f'CPU-hours at {args.setting}, {args.threads} thread(s) (train_speed.py)' if args.speed
         else 'CPU-hours (training threads × hours, from the logs)')
    print(table(runs))
    return runs


if __name__ == '__main__':
    main()
