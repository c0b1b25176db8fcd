"""Evaluate a checkpoint with MMEngine's Runner (the config's test_evaluator).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--dump OUT.pkl] [--show-dir DIR]
        [--device cpu] [--cfg-options k=v ...] [--launcher pytorch]
"""
import argparse
import os
import sys

if '--device=cpu' in sys.argv or ['--device', 'cpu'] in map(list, zip(sys.argv, sys.argv[1:])):
    os.environ['CUDA_VISIBLE_DEVICES'] = ''  # hide GPUs before anything initialises CUDA

from mmengine.config import Config  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from adnet_mmpose.engine.runner_setup import (add_runner_args, parse_runner_args,  # noqa: E402
                                              prepare_cfg, run_safely)


def parse_args():
    p = argparse.ArgumentParser(description='Evaluate a pose model')
    p.add_argument('config', help='test config file')
    p.add_argument('checkpoint', help='checkpoint file')
    p.add_argument('--dump', help='dump the predictions to a pickle file (.pkl)')
    p.add_argument('--show-dir', help='write images with predicted landmarks to this '
                   'directory (inside the work dir)')
    p.add_argument('--interval', type=int, default=1, help='visualise every N-th image')
    add_runner_args(p, 'test_evaluator.thr=0.08')
    return parse_runner_args(p)


def main():
    args = parse_args()
    cfg = prepare_cfg(Config.fromfile(args.config), args, mode='test')
    if args.show_dir:
        vis = cfg.default_hooks.visualization
        vis.update(enable=True, out_dir=args.show_dir, interval=args.interval)
    if args.dump:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise SystemExit('--dump must end with .pkl or .pickle')
        evaluator = cfg.test_evaluator
        cfg.test_evaluator = (list(evaluator) if isinstance(evaluator, (list, tuple))
                              else [evaluator]) + [dict(type='DumpResults', out_file_path=args.dump)]
    runner = Runner.from_cfg(cfg)
    run_safely(runner.test, args.trust_checkpoint)


if __name__ == '__main__':
    main()
