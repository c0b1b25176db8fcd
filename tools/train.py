"""Train a pose model (ADNet or any mmpose config) with MMEngine's Runner.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp] [--device cpu]
        [--cfg-options k=v ...] [--launcher pytorch]
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
    p = argparse.ArgumentParser(description='Train a pose model')
    p.add_argument('config', help='train config file')
    p.add_argument('--resume', nargs='?', const='auto', help='resume from CKPT, or from the '
                   'latest checkpoint in the work dir when no path is given')
    p.add_argument('--amp', action='store_true', help='automatic mixed precision (CUDA only: '
                   'bf16 where the GPU supports it, else fp16 with dynamic loss scaling)')
    p.add_argument('--no-validate', action='store_true', help='skip validation during training')
    p.add_argument('--auto-scale-lr', action='store_true', help='scale the LR by the actual '
                   'total batch size over auto_scale_lr.base_batch_size')
    p.add_argument('--drop-bad-samples', action='store_true', help='train without the '
                   'training samples the data check finds bad (each is logged)')
    p.add_argument('--skip-data-check', action='store_true', help='do not check the '
                   'annotations and images before training')
    add_runner_args(p, 'train_cfg.max_epochs=10')
    return parse_runner_args(p)


def main():
    args = parse_args()
    cfg = prepare_cfg(Config.fromfile(args.config), args, mode='train')
    runner = Runner.from_cfg(cfg)
    run_safely(runner.train, args.trust_checkpoint)


if __name__ == '__main__':
    main()
