"""Turn a training checkpoint into a release: the (EMA) weights and the dataset metainfo only.

    python tools/misc/publish_model.py WORK_DIR/epoch_40.pth OUT.pth [--note TEXT]

MMEngine's checkpoints also hold the optimizer, scheduler, message hub and the raw (non-EMA)
weights; a release keeps ``state_dict`` (with ``EMAHook`` these are already the EMA weights),
``meta.dataset_meta`` (keypoint names, flip pairs, boundaries: what inference needs) and a few
provenance fields, and loads with ``torch.load(weights_only=True)``. Prints the size and the
SHA-256 of the file written.
"""
import argparse
import hashlib
import os

import torch

from adnet_mmpose.utils.checkpoint import load_checkpoint_file


def publish(src: str, dst: str, note: str = '', trust_checkpoint: bool = False) -> str:
    """Write the release of ``src`` to ``dst``; returns its SHA-256."""
    ckpt = load_checkpoint_file(src, trust_checkpoint=trust_checkpoint)
    meta = ckpt.get('meta') or {}
    if 'dataset_meta' not in meta:
        raise ValueError(f'{src} has no meta.dataset_meta: inference would not know the '
                         'keypoint layout; publish a checkpoint written by tools/train.py')
    state = {k: v.detach().clone().contiguous() for k, v in ckpt['state_dict'].items()}
    release = dict(state_dict=state,
                   meta=dict(dataset_meta=meta['dataset_meta'], epoch=meta.get('epoch'),
                             iter=meta.get('iter'), source=os.path.basename(src), note=note))
    torch.save(release, dst)
    torch.load(dst, map_location='cpu', weights_only=True)   # the release must load safely
    with open(dst, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', help='training checkpoint')
    parser.add_argument('dst', help='release file to write')
    parser.add_argument('--note', default='', help='free text stored in meta.note')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='load a source that needs full unpickling (trusted files only)')
    args = parser.parse_args()
    sha = publish(args.src, args.dst, args.note, args.trust_checkpoint)
    print(f'{args.dst}: {os.path.getsize(args.dst) / 2**20:.2f} MiB, sha256 {sha}')


if __name__ == '__main__':
    main()
