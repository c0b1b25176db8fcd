"""The README's picture: four held-out AFW faces (``afw68`` validation split, one photo) tiled
into one 600×600 image and run through ``adnet_demo.py`` (the built-in detector's boxes, the
released model's landmarks and boundary curves).

    python demo/readme_figure.py [--fixtures ../shared/fixtures] [--out docs/facelandmarker_afw68.png]
"""
import argparse
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

import adnet_demo  # the sibling script (its folder is on sys.path when this one runs)

REPO = Path(__file__).resolve().parents[1]
#: four crops of one AFW photo, all in the validation split (never trained on)
FACES = [f'2086996835_{i}.jpg' for i in range(1, 5)]
TILE = 300


def tile(paths) -> np.ndarray:
    """The images resized to TILE×TILE, in a 2×2 grid (BGR)."""
    tiles = []
    for p in paths:
        img = cv2.imread(str(p))
        if img is None:
            raise SystemExit(f'cannot read {p}; pass --fixtures, the folder holding afw68/')
        tiles.append(cv2.resize(img, (TILE, TILE), interpolation=cv2.INTER_AREA))
    return np.vstack([np.hstack(tiles[:2]), np.hstack(tiles[2:])])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--fixtures', default=str(REPO.parent / 'shared' / 'fixtures'))
    p.add_argument('--out', default=str(REPO / 'docs' / 'facelandmarker_afw68.png'))
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        mosaic = Path(tmp) / 'afw68_val_faces.png'
        cv2.imwrite(str(mosaic), tile(Path(args.fixtures) / 'afw68' / 'images' / f
                                      for f in FACES))
        rc = adnet_demo.main([str(mosaic), '--device', 'cpu', '--out-dir', tmp])
        if rc:
            return rc
        drawn = cv2.imread(str(Path(tmp) / 'vis' / (mosaic.stem + '.jpg')))
    cv2.imwrite(args.out, drawn)
    print(f'wrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
