"""The README's Python examples run as written, on a real photo, so the first page cannot rot.

Every ```python block of README.md is run in order, as one script, in a fresh Python process
whose working directory is an empty temporary folder holding a held-out AFW fixture photo as
``face.jpg`` (the name the three-line ``FaceLandmarker`` example reads). The script then writes
the faces it found; the test checks them against the photo's 300-W annotation.
"""
import json
import re
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tests.conftest import REPO, shared_path, subprocess_env

PYTHON_BLOCK = re.compile(r'^```python\n(.*?)^```', re.M | re.S)
# A held-out (afw68 val) photo with one annotated face, 384×383 px (the released model's
# inter-ocular NME on it with the detector's box: 3.3 %, measured).
PHOTO = '4553922208_1.jpg'
# The released config's test pipeline crops the face box enlarged 1.25× about its centre
# (mmpose's GetBBoxCenterScale default padding); soft-argmax landmarks are weighted means of the
# crop's pixel positions, so they cannot leave that crop.
CROP_PADDING = 1.25

DUMP = textwrap.dedent("""
    import json as _json
    _json.dump([dict(bbox=[float(v) for v in f['bbox']], keypoints=f['keypoints'].tolist(),
                     keypoint_scores=f['keypoint_scores'].tolist()) for f in faces],
               open('faces.json', 'w'))
""")


def readme_blocks() -> list:
    return PYTHON_BLOCK.findall((REPO / 'README.md').read_text(encoding='utf-8'))


def test_first_block_is_the_three_line_face_landmarker():
    blocks = readme_blocks()
    assert blocks, 'README.md has no ```python block'
    lines = blocks[0].strip().splitlines()
    assert len(lines) == 3, lines
    assert lines[0] == 'from adnet_mmpose.apis import FaceLandmarker'
    assert "('face.jpg')" in lines[2]


def annotation(root, file_name):
    """(bbox x1 y1 x2 y2, keypoints (68, 2)) of the one face annotated on ``file_name``."""
    ann = json.loads((root / 'val.json').read_text())
    image_id = next(im['id'] for im in ann['images'] if im['file_name'] == file_name)
    (face, ) = [a for a in ann['annotations'] if a['image_id'] == image_id]
    x, y, w, h = face['bbox']
    return np.array([x, y, x + w, y + h]), np.array(face['keypoints']).reshape(-1, 3)[:, :2]


def test_readme_python_blocks_run_on_a_photo(tmp_path):
    root = shared_path('fixtures', 'afw68')
    shutil.copy(root / 'images' / PHOTO, tmp_path / 'face.jpg')
    script = tmp_path / 'readme_examples.py'
    script.write_text('\n'.join(readme_blocks()) + DUMP, encoding='utf-8')
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=600,
                         env=subprocess_env(PYTHONPATH=str(REPO)))
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]

    faces = json.loads((tmp_path / 'faces.json').read_text())
    assert len(faces) >= 1, 'the README example found no face on a photo with one face'
    for face in faces:
        kpts, scores = np.array(face['keypoints']), np.array(face['keypoint_scores'])
        assert kpts.shape == (68, 2) and scores.shape == (68, )
        assert np.isfinite(kpts).all() and ((scores >= 0) & (scores <= 1)).all()
        box = np.array(face['bbox']).reshape(2, 2)
        centre, half = box.mean(0), (box[1] - box[0]) / 2 * CROP_PADDING
        assert (np.abs(kpts - centre) <= half).all(), (face['bbox'], kpts)

    gt_box, gt_kpts = annotation(root, PHOTO)
    centres = np.array([[(f['bbox'][0] + f['bbox'][2]) / 2, (f['bbox'][1] + f['bbox'][3]) / 2]
                        for f in faces])
    gt_centre = (gt_box[:2] + gt_box[2:]) / 2
    face = faces[int(np.linalg.norm(centres - gt_centre, axis=1).argmin())]
    # Inter-ocular NME (outer eye corners 36 and 45, docs/evaluation.md) below 0.1, the
    # failure threshold of FR@0.1: the landmarks are on the annotated face, not just anywhere.
    errors = np.linalg.norm(np.array(face['keypoints']) - gt_kpts, axis=1)
    nme = errors.mean() / np.linalg.norm(gt_kpts[36] - gt_kpts[45])
    assert nme < 0.1, nme
