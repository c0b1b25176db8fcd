"""Export an ADNet config + checkpoint to ONNX and check it against PyTorch.

    python tools/deploy/export_onnx.py CONFIG CHECKPOINT OUT.onnx [--batch 1]
        [--route mmdeploy|torch] [--deploy-cfg configs/deploy/...py] [--no-check]

Graph contract (both routes): input ``input`` (B, 3, H, W), normalised as the model's data
preprocessor does it, dynamic B; outputs ``landmarks`` (B, K, 2) in input-crop pixels and
``scores`` (B, K); opset 11, one file, preprocessing metadata embedded (see
``adnet_mmpose/runtime/contract.py``). The check runs ONNX Runtime and eager PyTorch on random
inputs of batch B and B + 1 and prints the largest differences.
"""
import argparse
import sys

import numpy as np


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Export ADNet to ONNX (landmarks + scores)')
    p.add_argument('config')
    p.add_argument('checkpoint', help='local checkpoint matching the config')
    p.add_argument('out', help='output .onnx file')
    p.add_argument('--batch', type=int, default=1, help='example batch size (axis is dynamic)')
    p.add_argument('--route', choices=['mmdeploy', 'torch'], default='mmdeploy',
                   help='mmdeploy torch2onnx (default) or torch.onnx.export directly')
    p.add_argument('--deploy-cfg', help='mmdeploy deploy config (route mmdeploy)')
    p.add_argument('--no-check', action='store_true', help='skip the ONNX Runtime check')
    p.add_argument('--trust-checkpoint', action='store_true', help='load a checkpoint that '
                   'needs full unpickling (it can run code: only files you trust)')
    return p.parse_args(argv)


def check(model, onnx_file: str, batch: int) -> float:
    """Largest |ONNX Runtime − PyTorch| landmark difference (px) over batches B and B + 1."""
    import torch

    from adnet_mmpose.runtime.backends.onnxruntime import ONNXLandmarkRunner
    runner = ONNXLandmarkRunner(onnx_file)
    w, h = runner.input_size
    worst = 0.
    for b in (batch, batch + 1):
        x = torch.randn(b, 3, h, w, generator=torch.Generator().manual_seed(b))
        with torch.no_grad():
            ref_l, ref_s = model.head.forward_with_scores(model.extract_feat(x))
        lm, sc = runner.run(x.numpy())
        d_l, d_s = np.abs(lm - ref_l.numpy()).max(), np.abs(sc - ref_s.numpy()).max()
        print(f'batch {b}: landmarks {lm.shape} max |Δ| {d_l:.2e} px, '
              f'scores {sc.shape} max |Δ| {d_s:.2e}')
        worst = max(worst, float(d_l))
    return worst


def main(argv=None) -> int:
    args = parse_args(argv)
    from adnet_mmpose.apis import init_adnet
    from adnet_mmpose.deploy.export import export_onnx
    try:
        out = export_onnx(args.config, args.checkpoint, args.out, batch=args.batch,
                          route=args.route, deploy_cfg=args.deploy_cfg,
                          trust_checkpoint=args.trust_checkpoint)
    except (ValueError, OSError, ImportError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(f'exported {out} (route {args.route})')
    if not args.no_check and check(init_adnet(args.config, args.checkpoint,
                                              trust_checkpoint=args.trust_checkpoint),
                                   out, args.batch) > 1e-3:
        print('error: ONNX Runtime and PyTorch differ by more than 1e-3 px', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
