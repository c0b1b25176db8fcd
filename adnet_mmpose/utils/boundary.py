"""Boundary groups of a landmark layout: loading from dataset metainfo, AAM membership,
curve neighbours and ground-truth normals (shared by the codec, head, ADL loss and the
error-bias analysis)."""
from typing import List, NamedTuple, Sequence, Tuple, Union

import numpy as np
import torch


class Boundary(NamedTuple):
    """One boundary group: landmark indices in curve order; ``closed`` for a periodic curve."""
    name: str
    indices: Tuple[int, ...]
    closed: bool


BoundarySpec = Union[dict, Sequence[dict], Sequence[Boundary]]


def load_boundaries(spec: BoundarySpec, num_keypoints: int = None) -> List[Boundary]:
    """Read boundary groups from metainfo.

    Args:
        spec: ``dict(from_file='.../wflw.py')`` (an mmpose metainfo file whose ``dataset_info``
            has a ``boundaries`` entry), a ``dataset_info``/metainfo dict with ``boundaries``,
            or the list of groups itself (dicts with ``name``, ``indices``, ``closed``).
        num_keypoints: if given, every index must be below it.

    Raises:
        ValueError: naming what is missing or out of range.
    """
    source = 'boundaries'
    if isinstance(spec, dict):
        if 'from_file' in spec:
            from mmengine.config import Config
            source = spec['from_file']
            info = Config.fromfile(source).dataset_info
        else:
            info = spec
        if 'boundaries' not in info:
            raise ValueError(
                f'dataset metainfo {source!r} has no "boundaries" entry; ADNet needs the '
                'boundary groups of the landmark layout (see configs/_base_/datasets/wflw.py '
                'for the format)')
        groups = info['boundaries']
        if num_keypoints is None and 'keypoint_info' in info:
            num_keypoints = len(info['keypoint_info'])
    else:
        groups = spec
    out = []
    for i, g in enumerate(groups):
        if not isinstance(g, Boundary):
            try:
                g = Boundary(str(g['name']), tuple(int(k) for k in g['indices']),
                             bool(g['closed']))
            except (KeyError, TypeError) as e:
                raise ValueError(f'{source}: group {i} must be a dict with name, indices '
                                 f'and closed; got {g!r}') from e
        if len(g.indices) < 2:
            raise ValueError(f'{source}: group {g.name!r} needs at least 2 landmarks')
        if num_keypoints is not None and max(g.indices) >= num_keypoints:
            raise ValueError(f'{source}: group {g.name!r} refers to landmark '
                             f'{max(g.indices)} but the layout has {num_keypoints} keypoints')
        out.append(g)
    if not out:
        raise ValueError(f'{source}: no boundary groups')
    return out


def layout_size(spec: BoundarySpec, boundaries: Sequence[Boundary]) -> int:
    """Number of keypoints: from the metainfo's ``keypoint_info`` when ``spec`` is a metainfo,
    else one more than the largest grouped index."""
    if isinstance(spec, dict):
        if 'from_file' in spec:
            from mmengine.config import Config
            spec = Config.fromfile(spec['from_file']).dataset_info
        if 'keypoint_info' in spec:
            return len(spec['keypoint_info'])
    return 1 + max(max(b.indices) for b in boundaries)


def head_boundaries(cfg) -> List[Boundary]:
    """Boundary groups of a config's ``ADNetHead`` (its ``metainfo`` or ``boundaries``)."""
    head = cfg.model.head
    return load_boundaries(head.get('metainfo') or head.get('boundaries'), head.num_keypoints)


def membership(boundaries: Sequence[Boundary], num_keypoints: int) -> Tuple[np.ndarray, np.ndarray]:
    """AAM edge→point transform.

    Returns:
        matrix (K, E) float32 with 1 where landmark k is in group e, and bias (K,) float32 with 1
        for landmarks in no group.
    """
    mat = np.zeros((num_keypoints, len(boundaries)), np.float32)
    for e, b in enumerate(boundaries):
        mat[list(b.indices), e] = 1.0
    bias = (mat.sum(1) == 0).astype(np.float32)
    return mat, bias


def neighbours(boundaries: Sequence[Boundary], num_keypoints: int) -> Tuple[np.ndarray, np.ndarray]:
    """Previous / next landmark of every landmark along its boundary curve.

    Open-curve ends use their only neighbour for both; landmarks in no group are their own
    neighbours; a landmark in several groups keeps those of the last group listed.

    Returns:
        prev, next: (K,) int64 index arrays.
    """
    prev = np.arange(num_keypoints)
    nxt = np.arange(num_keypoints)
    for b in boundaries:
        m = len(b.indices)
        for i, c in enumerate(b.indices):
            p, n = b.indices[(i - 1) % m], b.indices[(i + 1) % m]
            if not b.closed and i == 0:
                p = n
            if not b.closed and i == m - 1:
                n = p
            prev[c], nxt[c] = p, n
    return prev, nxt


def _unit(a: torch.Tensor) -> torch.Tensor:
    return a / a.norm(dim=-1, keepdim=True).clamp_min(1e-12)


def _rot(a: torch.Tensor) -> torch.Tensor:
    return torch.stack([-a[..., 1], a[..., 0]], dim=-1)


def boundary_normals(gt: torch.Tensor, prev: Sequence[int], nxt: Sequence[int],
                     componentwise: bool = False) -> Tuple[torch.Tensor, torch.Tensor]:
    """Unit normal and tangent of the ground-truth boundary at every landmark.

    The normal is the bisector of the unit directions to the two neighbours; at an open-curve
    end (both neighbour offsets equal) it is the direction to the neighbour rotated by 90°. Landmarks
    in no group (and degenerate ones with coinciding neighbours) get zero vectors. The
    end-point test compares whole vectors (docs/fidelity.md#loss); ``componentwise=True``
    reproduces the
    official per-component test, which mixes the two rules for a landmark whose neighbour
    offsets share exactly one coordinate (it happens on real annotations, e.g. 300W lip
    corners with both neighbours on one pixel row).

    Args:
        gt: (..., K, 2) landmarks (x, y).
        prev, nxt: (K,) neighbour indices from :func:`neighbours`.

    Returns:
        normal, tangent: (..., K, 2); ``tangent = rot90(normal)``.
    """
    prev = torch.as_tensor(np.asarray(prev), device=gt.device)
    nxt = torch.as_tensor(np.asarray(nxt), device=gt.device)
    u = gt.index_select(-2, prev) - gt
    v = gt.index_select(-2, nxt) - gt
    end = u == v
    if not componentwise:
        end = end.all(dim=-1, keepdim=True)
    n = torch.where(end, _rot(u), _unit(u) + _unit(v))
    n = _unit(n)
    return n, _rot(n)
