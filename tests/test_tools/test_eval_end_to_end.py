"""tools/analysis/eval_end_to_end.py: matching detections to annotated faces, a missed face is a
failure, NME over the found faces, on a hand-made case with a stand-in landmarker."""
import json

import numpy as np
import pytest

from tests.conftest import load_script


@pytest.fixture(scope='module')
def tool():
    return load_script('tools/analysis/eval_end_to_end.py')


def _face(cx, cy, half):
    """68 points on a 2·half square whose outer eye corners (36, 45) are 2·half apart."""
    k = np.zeros((68, 2))
    k[:, 0] = np.linspace(cx - half, cx + half, 68)
    k[:, 1] = cy
    k[36], k[45] = (cx - half, cy), (cx + half, cy)
    return k


class StandIn:
    """Returns the ground truth shifted by ``shift`` px; the 'detector' finds only ``found``."""

    def __init__(self, gts, found, shift):
        self.gts, self.found, self.shift = gts, found, shift

    def __call__(self, path, bboxes=None):
        faces = []
        for i, (p, box, k) in enumerate(self.gts):
            if p != path or (bboxes is None and i not in self.found):
                continue
            faces.append(dict(bbox=box if bboxes is None else bboxes[0, :4],
                              keypoints=k + [self.shift, 0]))
        return faces[:1] if bboxes is not None else faces


def test_missed_face_is_a_failure(tool, tmp_path):
    anns = [dict(id=i + 1, image_id=i + 1, center=[100., 100.], scale=1.,
                 keypoints=np.c_[_face(100, 100, 50), np.ones(68)].ravel().tolist())
            for i in range(4)]
    data = dict(images=[dict(id=i + 1, file_name=f'{i}.jpg') for i in range(4)],
                annotations=anns)
    (tmp_path / 'ann.json').write_text(json.dumps(data))
    faces = tool.load_annotations(str(tmp_path / 'ann.json'))
    assert np.allclose(faces[0][1], [0, 0, 200, 200])   # square of side 200·scale at center
    # every prediction 2 px off with an inter-ocular distance of 100 px: NME exactly 0.02
    rows = tool.evaluate(StandIn(faces, found={0, 1, 2}, shift=2.), faces)
    assert rows['gt-box']['NME'] == pytest.approx(0.02, abs=1e-12)   # float64 arithmetic
    det = rows['detector']
    assert det['recall'] == 0.75 and det['faces_found'] == 3
    assert det['NME'] == pytest.approx(0.02, abs=1e-12)               # over the found faces
    assert det['FR@0.1'] == 0.25                                      # the missed face fails
    assert rows['gt-box']['FR@0.1'] == 0.

