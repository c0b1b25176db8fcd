"""Split a training json (e.g. mmpose's downloadable one) into a held-out validation split and
the rest, by the converters' rule: ``round(fraction · images)`` whole images chosen by
``sha1(f'{seed}:{file_name}')``, so the same files give the same split everywhere. With
``--by photo`` whole photos are held out instead (crops named ``<photo>_<face>.jpg``, as in
300-W's HELEN and AFW), so that no photo has faces on both sides.

Writes ``<json stem>_holdout.json`` and ``<json stem>_without_holdout.json`` next to it, or
into ``--out-dir``.

    python tools/dataset_converters/holdout_split.py \\
        data/wflw/annotations/face_landmarks_wflw_train.json --fraction 0.05 --seed 0
    python tools/dataset_converters/holdout_split.py \\
        ../shared/fixtures/helen68_train/train.json --by photo --fraction 0.1 \\
        --out-dir data/helen68_dev
"""
import argparse
import json
import os
import os.path as osp

from face_json import HOLDOUT_SUFFIX, REST_SUFFIX, holdout_images, write_json


def split(path: str, fraction: float = 0.05, seed: int = 0, by: str = 'image',
          out_dir: str = None) -> list:
    """Write the two files; returns their paths."""
    if not path.endswith('.json'):
        raise SystemExit(f'{path}: expected a .json annotation file')
    with open(path) as f:
        data = json.load(f)
    held = holdout_images(data['images'], fraction, seed, by)
    if not held:
        raise SystemExit(f'{path}: nothing to hold out ({len(data["images"])} images, '
                         f'fraction {fraction})')
    info = dict(data.get('info') or {}, holdout=dict(fraction=fraction, seed=seed, by=by,
                                                      source=path.rsplit('/', 1)[-1]))
    anns = data['annotations']
    stem = path[:-len('.json')]
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        stem = osp.join(out_dir, osp.basename(stem))
    return [write_json(stem + HOLDOUT_SUFFIX, data['images'],
                       [a for a in anns if a['image_id'] in held], info),
            write_json(stem + REST_SUFFIX, data['images'],
                       [a for a in anns if a['image_id'] not in held], info)]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('json', help='training annotation file')
    p.add_argument('--fraction', type=float, default=0.05, help='held-out image fraction')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--by', choices=('image', 'photo'), default='image',
                   help="hold out whole images, or whole photos (crops '<photo>_<face>.jpg')")
    p.add_argument('--out-dir', help='write the two files here (default: next to the json)')
    args = p.parse_args(argv)
    return split(args.json, args.fraction, args.seed, args.by, args.out_dir)


if __name__ == '__main__':
    main()
