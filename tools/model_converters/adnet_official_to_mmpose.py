"""Convert an official ADNet checkpoint (train.pkl / model_epoch_*.pkl) for adnet_mmpose.

    python tools/model_converters/adnet_official_to_mmpose.py SRC DST [--use-ema]

The result holds only tensors (``{'state_dict': ..., 'meta': {...}}`` of plain types), so it
loads with ``torch.load(weights_only=True)`` and with ``mmpose.apis.init_model``.
"""
import argparse

import torch

from adnet_mmpose.models.official_checkpoint import convert_official_state_dict


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('src', help='official checkpoint (a dict with "net" / "net_ema")')
    p.add_argument('dst', help='output .pth')
    p.add_argument('--use-ema', action='store_true', help='take "net_ema" instead of "net"')
    args = p.parse_args()
    try:
        ckpt = torch.load(args.src, map_location='cpu', weights_only=True)
    except Exception as e:  # noqa: BLE001 - report the file, not a pickle traceback
        raise SystemExit(f'{args.src}: cannot read it as an official ADNet checkpoint '
                         f'(torch.load with weights_only=True failed: {e})')
    key = 'net_ema' if args.use_ema else 'net'
    if not isinstance(ckpt, dict) or key not in ckpt:
        found = list(ckpt) if isinstance(ckpt, dict) else type(ckpt).__name__
        raise SystemExit(f'{args.src}: no "{key}" entry (found {found}); official checkpoints '
                         'hold "net" and "net_ema"')
    state = convert_official_state_dict(ckpt[key])
    meta = dict(source=str(args.src), source_key=key, epoch=int(ckpt.get('epoch', -1)))
    torch.save(dict(state_dict=state, meta=meta), args.dst)
    print(f'wrote {args.dst}: {len(state)} tensors from "{key}" of {args.src}')


if __name__ == '__main__':
    main()
