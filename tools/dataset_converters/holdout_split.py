"""Split a training json (e.g. mmpose's downloadable one) into a held-out validation split and
the rest, by the converters' rule: ``round(fraction · images)`` whole images chosen by
``sha1(f'{seed}:{file_name}')``, so the same files give the same split everywhere.

Writes ``<json stem>_holdout.json`` and ``<json stem>_without_holdout.json`` next to it.

    python tools/dataset_converters/holdout_split.py \\
        data/wflw/annotations/face_landmarks_wflw_train.json --fraction 0.05 --seed 0
"""
import argparse
import json

from face_json import HOLDOUT_SUFFIX, REST_SUFFIX, holdout_images, write_json


def split(path: str, fraction: float = 0.05, seed: int = 0) -> list:
    """Write the two files; returns their paths."""
    if not path.endswith('.json'):
        raise SystemExit(f'{path}: expected a .json annotation file')
    with open(path) as f:
        data = json.load(f)
    held = holdout_images(data['images'], fraction, seed)
    if not held:
        raise SystemExit(f'{path}: nothing to hold out ({len(data["images"])} images, '
                         f'fraction {fraction})')
    info = dict(data.get('info') or {}, holdout=dict(fraction=fraction, seed=seed,
                                                      source=path.rsplit('/', 1)[-1]))
    anns = data['annotations']
    stem = path[:-len('.json')]
    return [write_json(stem + HOLDOUT_SUFFIX, data['images'],
                       [a for a in anns if a['image_id'] in held], info),
            write_json(stem + REST_SUFFIX, data['images'],
                       [a for a in anns if a['image_id'] not in held], info)]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('json', help='training annotation file')
    p.add_argument('--fraction', type=float, default=0.05, help='held-out image fraction')
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args(argv)
    return split(args.json, args.fraction, args.seed)


if __name__ == '__main__':
    main()
