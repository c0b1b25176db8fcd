"""Eager PyTorch vs ONNX Runtime on the CPU: latency and throughput of the network (normalised
crops → landmarks + scores) at batch 1 and 8, small and paper config, in one process.

    python benchmarks/onnx_vs_torch.py [--configs SMALL PAPER] [--batches 1 8] [--threads 2]
        [--iters 10 --paper-iters 3]

The models have random weights (speed does not depend on them); the ONNX files come from
``adnet_mmpose.deploy.export_onnx`` (``torch`` route: the same graph contract as mmdeploy's).
Both runtimes use the same number of threads; each figure is the median of the timed runs
after one warm-up run. The machine's load average is printed: on a shared machine it matters.
"""
import argparse
import os
import os.path as osp
import platform
import tempfile

import onnxruntime as ort
import torch
from mmengine.config import Config
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import MODELS
from mmpose.utils import register_all_modules

from adnet_mmpose.deploy.export import export_onnx
from adnet_mmpose.runtime.backends.onnxruntime import ONNXLandmarkRunner
from common import PAPER_CONFIG, SMALL_CONFIG, median_seconds


def parse_args():
    p = argparse.ArgumentParser(description='eager PyTorch vs ONNX Runtime, CPU')
    p.add_argument('--configs', nargs='+', default=[SMALL_CONFIG, PAPER_CONFIG])
    p.add_argument('--batches', nargs='+', type=int, default=[1, 8])
    p.add_argument('--threads', type=int, default=os.cpu_count())
    p.add_argument('--iters', type=int, default=10, help='timed runs (small models)')
    p.add_argument('--paper-iters', type=int, default=3,
                   help='timed runs for models over 10 M parameters')
    return p.parse_args()


def random_model(config: str, work: str):
    """(eager model, exported ONNX path) with random weights."""
    cfg = Config.fromfile(config)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    ckpt = osp.join(work, 'model.pth')
    torch.save({'state_dict': model.state_dict(),
                'meta': {'dataset_meta': parse_pose_metainfo(cfg.metainfo)}}, ckpt)
    onnx_file = export_onnx(cfg, ckpt, osp.join(work, 'model.onnx'), route='torch')
    return model.eval(), onnx_file


def main():
    args = parse_args()
    register_all_modules()
    torch.set_num_threads(args.threads)
    print(f'CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, '
          f'{args.threads} threads; torch {torch.__version__}, onnxruntime {ort.__version__}; '
          f'load average {os.getloadavg()[0]:.1f}')
    header = (f"{'config':<42} {'batch':>5} {'torch ms':>9} {'ORT ms':>8} "
              f"{'torch img/s':>11} {'ORT img/s':>9} {'ORT speed-up':>12}")
    print(header)
    for config in args.configs:
        with tempfile.TemporaryDirectory() as work:
            model, onnx_file = random_model(config, work)
            runner = ONNXLandmarkRunner(onnx_file, threads=args.threads)
            params = sum(p.numel() for p in model.parameters())
            iters = args.iters if params < 10e6 else args.paper_iters
            w, h = model.head.input_size
            for b in args.batches:
                x = torch.randn(b, 3, h, w)
                xn = x.numpy()

                def eager():
                    with torch.no_grad():
                        model.head.forward_with_scores(model.extract_feat(x))

                t_torch = median_seconds(eager, iters)
                t_ort = median_seconds(lambda: runner.run(xn), iters)
                print(f'{osp.basename(config)[:-3]:<42} {b:>5} {t_torch * 1e3:>9.1f} '
                      f'{t_ort * 1e3:>8.1f} {b / t_torch:>11.1f} {b / t_ort:>9.1f} '
                      f'{t_torch / t_ort:>11.2f}×', flush=True)
    print(f'load average after: {os.getloadavg()[0]:.1f}')


if __name__ == '__main__':
    main()
