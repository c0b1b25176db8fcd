"""MMPose's ``PoseLocalVisualizer`` for faces: boundary curves as links, numpy >= 2.4.

Face metainfo has no skeleton; :func:`visual_meta` turns every boundary group (``boundaries``
of the metainfo files in ``configs/_base_/datasets/``) into a chain of links, so the visualiser
draws the curves ADNet's attention is built on, one colour per group.
"""
from typing import Sequence

import numpy as np
from mmpose.registry import VISUALIZERS
from mmpose.visualization import PoseLocalVisualizer

from adnet_mmpose.utils.boundary import Boundary

#: one RGB colour per boundary group (cycled when there are more groups)
PALETTE = np.array([[0, 255, 255], [255, 128, 0], [255, 128, 0], [0, 200, 0], [0, 200, 0],
                    [255, 0, 255], [255, 0, 255], [255, 60, 60], [255, 200, 0]], np.uint8)


def boundary_links(boundaries: Sequence[Boundary]):
    """Consecutive landmark pairs of every group (closed groups wrap around).

    Returns:
        links: list of (i, j); colours: (L, 3) uint8 RGB, one colour per group.
    """
    links, colours = [], []
    for g, b in enumerate(boundaries):
        ids = list(b.indices) + ([b.indices[0]] if b.closed else [])
        pairs = list(zip(ids[:-1], ids[1:]))
        links += pairs
        colours += [PALETTE[g % len(PALETTE)]] * len(pairs)
    return links, np.array(colours, np.uint8).reshape(-1, 3)


def visual_meta(dataset_meta: dict, boundaries: Sequence[Boundary]) -> dict:
    """Copy of ``dataset_meta`` whose skeleton is the boundary curves."""
    links, colours = boundary_links(boundaries)
    meta = dict(dataset_meta)
    meta.update(skeleton_links=links, skeleton_link_colors=colours,
                num_skeleton_links=len(links))
    return meta


@VISUALIZERS.register_module()
class FaceLandmarkVisualizer(PoseLocalVisualizer):
    """``PoseLocalVisualizer`` that runs with numpy >= 2.4.

    mmpose 1.3.2 draws each keypoint with ``radius=np.array([r])`` and its OpenCV backend calls
    ``int(radius)``, which numpy 2.4 rejects (``only 0-dimensional arrays can be converted to
    Python scalars``); the radius is passed on as a Python number instead.
    """

    def draw_circles(self, center, radius, face_colors='none', alpha=1.0, **kwargs):
        if self.backend == 'opencv':
            radius = np.asarray(radius).reshape(-1)[0].item()
        return super().draw_circles(center, radius, face_colors=face_colors, alpha=alpha,
                                    **kwargs)
