"""WFLW-98 landmarks → the 68-point 300-W (Multi-PIE) layout.

Region by region (WFLW index → 300-W index):

====================  ==========================  =========
region                WFLW                        300-W
====================  ==========================  =========
face contour          0, 2, …, 32 (every other)   0–16
eyebrows (upper rim)  33–37, 42–46                17–26
nose bridge, nostrils 51–54, 55–59                27–35
eyes                  60 61 63 64 65 67,          36–41,
                      68 69 71 72 73 75           42–47
mouth                 76–95                       48–67
====================  ==========================  =========

WFLW's eyebrow lower rims (38–41, 47–50), the eye points 62, 66, 70, 74 between 300-W's
eyelid points, and the pupils (96, 97) have no 300-W counterpart.
"""
import numpy as np

WFLW_TO_300W = np.array(
    list(range(0, 33, 2))                      # face contour
    + list(range(33, 38)) + list(range(42, 47))  # eyebrows
    + list(range(51, 60))                      # nose
    + [60, 61, 63, 64, 65, 67]                 # right eye (image left)
    + [68, 69, 71, 72, 73, 75]                 # left eye
    + list(range(76, 96)),                     # outer + inner lip
    dtype=np.int64)


def wflw_to_300w(keypoints: np.ndarray, scores: np.ndarray):
    """Select the 68 300-W points from WFLW-98 predictions.

    Args:
        keypoints: (..., 98, 2).
        scores: (..., 98).

    Returns:
        keypoints (..., 68, 2) and scores (..., 68).
    """
    keypoints = np.asarray(keypoints)
    if keypoints.shape[-2] != 98:
        raise ValueError(f'--wflw-to-68 needs 98 WFLW landmarks, got {keypoints.shape[-2]}')
    return keypoints[..., WFLW_TO_300W, :], np.asarray(scores)[..., WFLW_TO_300W]
