"""Plot a training run: training loss per iteration and validation NME per evaluation.

    python tools/analysis/plot_training_curve.py WORK_DIR/*/vis_data/scalars.json \
        --out curve.png [--metric 300w/NME] [--title NAME]

Reads the ``scalars.json`` files that MMEngine's ``LocalVisBackend`` writes (one JSON object
per line: training records carry ``loss`` and ``iter``, validation records the metric and
``step`` = epoch). A resumed run writes one file per start: give them all, in time order (the
timestamped directories sort so); an iteration or epoch logged twice (trained again after
the last checkpoint) keeps the later record. Prints the validation table and writes a
two-panel PNG.
"""
import argparse
import json

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FormatStrFormatter  # noqa: E402


def read_scalars(paths: list, metric: str):
    """(iterations, losses), (epochs, metric values) of a run's scalars.json files, in order;
    a later file's record replaces an earlier one of the same iteration / epoch."""
    train, val = {}, {}
    for path in paths:
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if metric in rec:
                    val[rec['step']] = rec[metric]
                elif 'loss' in rec:
                    train[rec['iter']] = rec['loss']
    if not val:
        raise SystemExit(f'{paths}: no {metric!r} records (another --metric?)')
    return tuple(zip(*sorted(train.items()))), tuple(zip(*sorted(val.items())))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('scalars', nargs='+',
                        help="the run's vis_data/scalars.json (one per start), in time order")
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
    pct = [100 * v for v in nme]
    b.plot(ep, pct, 'o-', ms=3)
    # log scale: the first evaluations sit far above the rest and would flatten them
    b.set(xlabel='epoch', ylabel=f'validation {args.metric} (%), log scale', yscale='log')
    b.yaxis.set_major_formatter(FormatStrFormatter('%g'))
    b.yaxis.set_minor_formatter(FormatStrFormatter('%g'))
    best = min(range(len(pct)), key=pct.__getitem__)
    b.annotate(f'best {pct[best]:.2f} % (epoch {ep[best]})', (ep[best], pct[best]),
               xytext=(0, 18), textcoords='offset points', ha='center',
               arrowprops=dict(arrowstyle='->'))
    for ax in (a, b):
        ax.grid(alpha=0.3)
    fig.suptitle(args.title)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
