"""Plot a training run: training loss per iteration and validation NME per evaluation.

    python tools/analysis/plot_training_curve.py WORK_DIR/TIMESTAMP/vis_data/scalars.json \
        --out curve.png [--metric 300w/NME] [--title NAME]

Reads the ``scalars.json`` that MMEngine's ``LocalVisBackend`` writes (one JSON object per
line: training records carry ``loss`` and ``iter``, validation records the metric and ``step``
= epoch). Prints the validation table and writes a two-panel PNG.
"""
import argparse
import json

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def read_scalars(path: str, metric: str):
    """(iterations, losses), (epochs, metric values) of a scalars.json."""
    train, val = ([], []), ([], [])
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            if metric in rec:
                val[0].append(rec['step'])
                val[1].append(rec[metric])
            elif 'loss' in rec:
                train[0].append(rec['iter'])
                train[1].append(rec['loss'])
    if not val[0]:
        raise SystemExit(f'{path}: no {metric!r} records (another --metric?)')
    return train, val


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('scalars', help='vis_data/scalars.json of a run')
    parser.add_argument('--out', required=True, help='PNG to write')
    parser.add_argument('--metric', default='300w/NME')
    parser.add_argument('--title', default='')
    args = parser.parse_args()
    (it, loss), (ep, nme) = read_scalars(args.scalars, args.metric)
    for e, v in zip(ep, nme):
        print(f'epoch {e:4d}  {args.metric} {100 * v:.2f} %')
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    a.plot(it, loss, lw=0.8)
    a.set(xlabel='iteration', ylabel='training loss', yscale='log')
    b.plot(ep, [100 * v for v in nme], 'o-')
    b.set(xlabel='epoch', ylabel=f'validation {args.metric} (%)')
    for ax in (a, b):
        ax.grid(alpha=0.3)
    fig.suptitle(args.title)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
