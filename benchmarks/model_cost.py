"""Size and CPU cost of ADNet configs: parameters, MACs, forward latency, train-step time.

Parameters are the trainable ones; the official network also carries 57 dead 1×1 skip convs
(+3,700,864 for the paper net), counted separately for reference. MACs are counted
per image with forward hooks on every ``nn.Conv2d`` plus the AAM's 1×1 (a functional conv in the
head, counted for every stack). Latency: eval, ``no_grad``, the deployment path
``head.forward(extract_feat(x))``, minimum over ``--repeats``. Train step: ``model.train_step``
(data preprocessor, forward, ADL + AWing losses, backward, the config's Adam) on synthetic
faces. Ratios are against the first config of the same run.

    python benchmarks/model_cost.py [--configs A.py B.py] [--repeats 2] [--out cost.json]
"""
import argparse
import json
from collections import defaultdict

import torch

from adnet_mmpose.models.backbones.adnet_hourglass import ResBlock
from common import (PAPER_CONFIG, SMALL_CONFIG, best_seconds, environment, load,
                    optim_wrapper, train_batch)

SPEC_PAPER = dict(params=13_476_468, params_with_dead_skips=17_177_332, gmacs=17.35,
                  official_cpu_forward_b1_s='0.29-0.30 (idle 2-core box)',
                  official_cpu_train_step_b4_s='2.07')
PARTS = dict(pre='stem', hgs='hourglasses', features='features', out_heatmaps='heads',
             out_edgemaps='heads', out_pointmaps='heads', merge_features='merges',
             merge_heatmaps='merges', merge_edgemaps='merges', merge_pointmaps='merges')


def parameter_counts(model) -> dict:
    """Trainable parameters, the official dead skip convs (in = out ResBlocks), buffers."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    dead = sum(b.bn1.num_features * b.conv3.conv.out_channels + b.conv3.conv.out_channels
               for b in model.modules() if isinstance(b, ResBlock) and b.skip_layer is None)
    params = {id(p) for p in model.parameters()}
    buffers = sum(t.numel() for t in model.state_dict(keep_vars=True).values()
                  if id(t) not in params)
    return dict(params=trainable, dead_skip_params=dead, params_with_dead_skips=trainable + dead,
                buffers=buffers)


def macs_per_image(model, input_size) -> dict:
    """Conv MACs of one image by part (forward hooks), plus the AAM for every stack."""
    macs = defaultdict(int)
    hooks = []
    for name, module in model.backbone.named_modules():
        if isinstance(module, torch.nn.Conv2d):
            part = PARTS[name.split('.')[0]]

            def count(mod, _, out, part=part):
                macs[part] += out[0].numel() * mod.in_channels // mod.groups * \
                    mod.kernel_size[0] * mod.kernel_size[1]
            hooks.append(module.register_forward_hook(count))
    w, h = input_size
    with torch.no_grad():
        stacks = model.extract_feat(torch.zeros(1, 3, h, w, device=model.head.aam_weight.device))
    for hook in hooks:
        hook.remove()
    k, e = model.head.aam_weight.shape[:2]
    macs['aam'] = len(stacks) * k * e * stacks[-1].shape[-2] * stacks[-1].shape[-1]
    macs['total'] = sum(macs.values())
    return dict(macs)


def measure(config: str, args) -> dict:
    cfg, codec, model = load(config, 'cpu')
    w, h = codec.input_size
    row = dict(config=config, **parameter_counts(model))
    row['macs'] = macs_per_image(model, codec.input_size)
    model.eval()
    for b in args.batch_sizes:
        x = torch.randn(b, 3, h, w)
        with torch.no_grad():
            row[f'forward_b{b}_s'] = best_seconds(
                lambda: model.head.forward(model.extract_feat(x)), args.repeats)
    model.train()
    data, wrapper = train_batch(codec, args.train_batch, 'cpu'), optim_wrapper(model, cfg)
    row['train_batch'] = args.train_batch
    row['train_step_s'] = best_seconds(lambda: model.train_step(data, wrapper), args.repeats)
    return row


def table(rows, batch_sizes) -> str:
    cols = [('params', lambda r: f"{r['params']:,}"),
            ('+dead skips', lambda r: f"{r['params_with_dead_skips']:,}"),
            ('GMACs/img', lambda r: f"{r['macs']['total'] / 1e9:.2f}")]
    cols += [(f'fwd b{b} s', lambda r, b=b: f"{r[f'forward_b{b}_s']:.3f}")
             for b in batch_sizes]
    cols += [('train s/step', lambda r: f"{r['train_step_s']:.2f} (b{r['train_batch']})")]
    name = lambda r: r['config'].rsplit('/', 1)[-1][:-3]  # noqa: E731
    lines = ['| config | ' + ' | '.join(c for c, _ in cols) + ' |',
             '|---' * (len(cols) + 1) + '|']
    lines += ['| ' + name(r) + ' | ' + ' | '.join(f(r) for _, f in cols) + ' |' for r in rows]
    base = rows[0]
    for r in rows[1:]:
        ratio = [f"{r['params'] / base['params']:.3f}", '',
                 f"{r['macs']['total'] / base['macs']['total']:.3f}"]
        ratio += [f"{r[f'forward_b{b}_s'] / base[f'forward_b{b}_s']:.3f}"
                  for b in batch_sizes]
        ratio += [f"{r['train_step_s'] / base['train_step_s']:.3f}"]
        lines.append(f'| × {name(r)} / first row | ' + ' | '.join(ratio) + ' |')
    return '\n'.join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--configs', nargs='+', default=[PAPER_CONFIG, SMALL_CONFIG])
    parser.add_argument('--repeats', type=int, default=2, help='minimum of this many runs')
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[1, 8])
    parser.add_argument('--train-batch', type=int, default=4)
    parser.add_argument('--out', help='write the figures as JSON here')
    args = parser.parse_args()

    env = environment('cpu')
    rows = [measure(c, args) for c in args.configs]
    env['load_average_after'] = environment('cpu')['load_average']
    print(f"{env['device']}, torch {env['torch']}, mmpose {env['mmpose']}; load average "
          f"{env['load_average'][0]:.1f} before, {env['load_average_after'][0]:.1f} after; "
          f'times are minima of {args.repeats} runs')
    print(table(rows, args.batch_sizes))
    for r in rows:
        parts = ', '.join(f'{k} {v / 1e9:.3f}' for k, v in r['macs'].items() if k != 'total')
        print(f"GMACs of {r['config'].rsplit('/', 1)[-1]}: {parts}; buffers {r['buffers']:,}")
    print(f'spec / official, paper WFLW net (PERF-ANCHORS, not this process): {SPEC_PAPER}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(environment=env, spec_paper=SPEC_PAPER, rows=rows), f, indent=1)


if __name__ == '__main__':
    main()
