"""``FaceAlignmentMetric``: NME / FR / AUC / percentiles per dataset and per subset."""
import json
import os
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MessageHub, MMLogger

from mmpose.registry import METRICS
from ...utils.boundary import load_boundaries
from ..functional.error_bias import bias_stats, dataset_boundaries, error_components
from ..functional.face_alignment import (DATASET_DEFAULTS, NORMS, ImageInputError,
                                         ced_curves, dataset_defaults, face_alignment_nme,
                                         resolve_norm, summarize)


def _numpy(x) -> np.ndarray:
    return x.detach().cpu().numpy() if hasattr(x, 'detach') else np.asarray(x)


#: The annotation field that carries each dataset's subsets, and what it holds (converters:
#: ``tools/dataset_converters``); mmpose's downloadable jsons carry neither.
SUBSET_FIELDS = {
    'wflw': ('attributes', 'pose, expression, illumination, makeup, occlusion, blur flags; '
             'tools/dataset_converters/wflw2json.py writes them'),
    '300w': ('subset', "'common' / 'challenge'; tools/dataset_converters/300w2json.py "
             'writes it'),
}


def subset_tags(ann: Optional[dict]) -> List[str]:
    """Subset names of one annotation.

    ``ann['attributes']``: dict name -> 0/1 flag (WFLW: pose, expression, illumination,
    makeup, occlusion, blur); every flagged name is a subset. ``ann['subset']``: a name or a
    list of names (300W: ``'common'`` / ``'challenge'``).
    """
    if not ann:
        return []
    tags = [k for k, v in (ann.get('attributes') or {}).items() if int(v)]
    subset = ann.get('subset')
    if subset:
        tags += [subset] if isinstance(subset, str) else list(subset)
    return tags


@METRICS.register_module()
class FaceAlignmentMetric(BaseMetric):
    """Face-alignment metric: per-image NME averaged over images, FR@thr, AUC@thr and
    P50/P90/P95/P99 of the per-image NME, for the whole set and for each subset.

    Values are fractions (as mmpose's ``NME``), not percentages. Keys, with the default
    prefix = dataset name: ``wflw/NME``, ``wflw/FR@0.1``, ``wflw/AUC@0.1``, ``wflw/P50`` ...
    ``wflw/num_images``, and per subset ``wflw/pose/NME`` ... (300W: ``300w/common/NME``,
    ``300w/challenge/NME``; the un-prefixed keys are the full set).

    Predictions and ground truth are compared in the frame mmpose gives them, the original
    image (``pred_instances.keypoints`` vs ``gt_instances.keypoints``, the raw annotation; the
    official tester compares in the crop against ground truth clamped to it, see
    docs/fidelity.md). All K landmarks are scored, whatever their visibility (COFW occluded
    points count).

    Subset tags come from the evaluated dataset's annotation file, found at run time: mmpose's
    datasets in test mode publish their ``ann_file`` (after ``data_root`` and any
    ``--cfg-options`` override) in MMEngine's ``MessageHub`` as ``<dataset_name>_ann_file``.
    When subsets are asked for but the annotations carry no tags (e.g. mmpose's downloadable
    jsons), a warning naming the missing field is logged once and only the full-set metrics
    are reported.

    Args:
        dataset: ``'wflw'``, ``'300w'`` or ``'cofw'``; None = ``dataset_meta['dataset_name']``.
        norm: ``'inter_ocular'``, ``'inter_pupil'`` or ``'bbox'`` (sqrt(w*h) of
            ``gt_instances.bboxes``); None = the dataset's default (WFLW/300W inter-ocular
            60/72 and 36/45, COFW inter-pupil 16/17). 300W inter-pupil uses the eye-contour
            means (36-41 / 42-47).
        norm_indices: override of the two landmarks (or landmark groups) of the norm.
        thr: FR/AUC threshold; None = dataset default (0.1; STAR uses 0.05 for 300W).
        subsets: ``'auto'`` = every subset tag found in the annotations; a list = these
            only (one with no image is skipped with a warning); None = none.
        ann_file: dataset json to read subset tags from, by annotation ``id``, opened at the
            first evaluation. None (the default): the evaluated dataset's own file (see
            above), else the samples' ``raw_ann_info`` (mmpose's COFW dataset keeps it, its
            WFLW/300W datasets drop it).
        outfile_prefix: if set, per-image results go to ``{outfile_prefix}.per_image.npz``
            (``pred``, ``gt`` N×K×2, ``nme``, ``norm_distance``, ``id``, ``img_id``,
            ``img_path``, ``subsets`` comma-joined).
        ced_plot: if set, a CED PNG (full set and subsets) is written there.
        error_bias: also report ``normal_RMS``, ``tangent_RMS`` and ``normal_tangent_ratio``
            (full set and subsets): RMS of the error components normal / tangent to the
            ground-truth boundary at each landmark, over the grouped landmarks, in units of the
            norm (see :mod:`adnet_mmpose.evaluation.functional.error_bias`).
        boundaries: the groups for ``error_bias`` (``dict(from_file=...)`` or a list); None =
            the dataset's (``configs/_base_/datasets/<dataset>.py``).
        collect_device, prefix: see :class:`mmengine.evaluator.BaseMetric`.
    """

    def __init__(self, dataset: Optional[str] = None, norm: Optional[str] = None,
                 norm_indices: Optional[Sequence] = None, thr: Optional[float] = None,
                 subsets: Union[str, Sequence[str], None] = 'auto',
                 ann_file: Optional[str] = None, outfile_prefix: Optional[str] = None,
                 ced_plot: Optional[str] = None, error_bias: bool = False,
                 boundaries=None, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        if isinstance(subsets, str) and subsets != 'auto':
            raise ValueError(f"subsets must be 'auto', a list of names or None, got {subsets!r}")
        if norm is not None and norm not in NORMS:
            raise ValueError(f'unknown norm {norm!r}; valid: {list(NORMS)}')
        self.dataset = None
        self.norm, self.norm_indices, self.thr = norm, norm_indices, thr
        self.subsets = subsets
        self.outfile_prefix, self.ced_plot = outfile_prefix, ced_plot
        self.error_bias, self._boundaries = error_bias, boundaries
        self._user_prefix = prefix
        self.ann_file = ann_file
        self._anns, self._anns_path, self._warned = None, None, False
        if dataset is not None:
            self._set_dataset(dataset)
        super().__init__(collect_device=collect_device,
                         prefix=prefix or self.dataset or 'face_alignment')

    def _set_dataset(self, dataset: str) -> None:
        defaults = dataset_defaults(dataset)
        self.dataset = dataset.lower()
        self.norm, self.norm_groups = resolve_norm(self.dataset, self.norm, self.norm_indices)
        self.thr = defaults['thr'] if self.thr is None else float(self.thr)
        if self._user_prefix is None:
            self.prefix = self.dataset

    @BaseMetric.dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict) -> None:
        self._dataset_meta = dataset_meta
        if self.dataset is None:
            name = (dataset_meta or {}).get('dataset_name')
            if name is None:
                raise ValueError('FaceAlignmentMetric: set dataset= (one of '
                                 f'{sorted(DATASET_DEFAULTS)}); the dataset metainfo has no '
                                 'dataset_name')
            self._set_dataset(name)

    def annotation_file(self) -> Optional[str]:
        """The json subset tags are read from: ``ann_file`` if set, else the one the evaluated
        dataset published in the ``MessageHub`` (None if neither, or if no evaluator gave this
        metric a dataset's metainfo)."""
        if self.ann_file is not None:
            return self.ann_file
        if not self.dataset_meta or 'dataset_name' not in self.dataset_meta:
            return None
        name = self.dataset_meta['dataset_name']
        return MessageHub.get_current_instance().get_info(f'{name}_ann_file')

    def _annotations(self) -> Optional[Dict[int, dict]]:
        """Annotations of :meth:`annotation_file` by id, read once per file."""
        path = self.annotation_file()
        if path != self._anns_path:
            self._anns = None
            if path is not None:
                with open(path) as f:
                    self._anns = {a['id']: a for a in json.load(f)['annotations']}
            self._anns_path = path
        return self._anns

    def _annotation(self, ds: dict) -> Optional[dict]:
        """The sample's annotation: from ``ann_file`` if set, else its ``raw_ann_info``, else
        from the evaluated dataset's file; None when subsets are off or nothing is found."""
        if not self.subsets:
            return None
        if self.ann_file is None and ds.get('raw_ann_info') is not None:
            return ds['raw_ann_info']
        anns = self._annotations()
        if anns is None:
            return None
        if ds.get('id') not in anns:
            raise KeyError(f'annotation id {ds.get("id")!r} ({ds.get("img_path")}) is not in '
                           f'{self._anns_path}, the annotation file of the evaluated dataset')
        return anns[ds['id']]

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep prediction, ground truth, box, ids and subset tags of every sample."""
        for ds in data_samples:
            gt = ds['gt_instances']
            ann = self._annotation(ds)
            bbox = gt.get('bboxes')
            self.results.append(dict(
                pred=_numpy(ds['pred_instances']['keypoints']),
                gt=_numpy(gt['keypoints']),
                bbox=None if bbox is None else _numpy(bbox).reshape(-1)[:4],
                id=ds.get('id', -1), img_id=ds.get('img_id', -1),
                img_path=ds.get('img_path', ''),
                tags=subset_tags(ann), has_ann=ann is not None,
                tag_fields=sorted({'attributes', 'subset'} & set(ann or ()))))

    def _warn_once(self, message: str) -> None:
        if not self._warned:
            MMLogger.get_current_instance().warning(f'FaceAlignmentMetric: {message}')
            self._warned = True

    def _subset_names(self, results: list) -> List[str]:
        if not self.subsets:
            return []
        fields = {f for r in results for f in r['tag_fields']}
        expected = SUBSET_FIELDS.get(self.dataset)
        if not fields and (expected or self.subsets != 'auto'):
            source = (self._anns_path or ("the samples' raw_ann_info" if
                                          any(r['has_ann'] for r in results) else
                                          'no annotation file (none set or published by the '
                                          'evaluated dataset)'))
            what = (f"no '{expected[0]}' field ({expected[1]})" if expected else
                    "no 'attributes' or 'subset' field")
            self._warn_once(f'subsets {self.subsets!r} were asked for, but the annotations '
                            f'({source}) carry {what}; only the full-set metrics are reported')
            return []
        found = sorted({t for r in results for t in r['tags']})
        if self.subsets == 'auto':
            return found
        missing = [s for s in self.subsets if s not in found]
        if missing:
            MMLogger.get_current_instance().warning(
                f'FaceAlignmentMetric: no image in subsets {missing}; skipped')
        return [s for s in self.subsets if s in found]

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Full-set and per-subset metrics (keys without the prefix)."""
        if self.dataset is None:
            raise ValueError('FaceAlignmentMetric: dataset unknown; set dataset= or run it '
                             'through an evaluator with dataset metainfo')
        bboxes = None
        if self.norm == 'bbox':
            if any(r['bbox'] is None for r in results):
                raise ValueError("norm='bbox' but a sample has no gt_instances.bboxes")
            bboxes = np.stack([r['bbox'] for r in results])
        try:
            nme, dist = face_alignment_nme([r['pred'] for r in results],
                                           [r['gt'] for r in results], self.dataset,
                                           self.norm, self.norm_groups, bboxes)
        except ImageInputError as e:
            r = results[e.index]
            raise ValueError(f'{e} [annotation id {r["id"]}, img_id {r["img_id"]}, '
                             f'{r["img_path"]}]') from e
        metrics = summarize(nme, self.thr)
        comp = self._components(results, dist) if self.error_bias else None
        if comp is not None:
            metrics.update(self._bias(comp, np.ones(len(nme), bool)))
        curves = {'full': nme}
        for name in self._subset_names(results):
            mask = np.array([name in r['tags'] for r in results])
            curves[name] = nme[mask]
            sub = summarize(nme[mask], self.thr)
            if comp is not None:
                sub.update(self._bias(comp, mask))
            metrics.update({f'{name}/{k}': v for k, v in sub.items()})
        if self.outfile_prefix:
            self._dump(results, nme, dist)
        if self.ced_plot:
            from ...visualization.ced import plot_ced
            plot_ced(ced_curves(curves, self.thr), self.thr, self.ced_plot,
                     title=f'{self.prefix} ({self.norm})')
        return metrics

    def _components(self, results: list, dist: np.ndarray):
        """Normal / tangent error components of the (validated) results."""
        k = dataset_defaults(self.dataset)['num_keypoints']
        groups = (dataset_boundaries(self.dataset) if self._boundaries is None else
                  load_boundaries(self._boundaries, k))
        return error_components(np.stack([r['pred'].reshape(-1, 2) for r in results]),
                                np.stack([r['gt'].reshape(-1, 2) for r in results]), groups, dist)

    @staticmethod
    def _bias(comp, images: np.ndarray) -> Dict[str, float]:
        """``normal_RMS``, ``tangent_RMS``, ``normal_tangent_ratio`` over ``images``."""
        valid = comp.valid & images[:, None]
        s = bias_stats(comp.normal[valid], comp.tangent[valid])
        return {k: s[k] for k in ('normal_RMS', 'tangent_RMS', 'normal_tangent_ratio')}

    def _dump(self, results: list, nme: np.ndarray, dist: np.ndarray) -> None:
        out = f'{self.outfile_prefix}.per_image.npz'
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        np.savez(out, pred=np.stack([r['pred'].reshape(-1, 2) for r in results]),
                 gt=np.stack([r['gt'].reshape(-1, 2) for r in results]), nme=nme,
                 norm_distance=dist, id=np.array([r['id'] for r in results]),
                 img_id=np.array([r['img_id'] for r in results]),
                 img_path=np.array([r['img_path'] for r in results]),
                 subsets=np.array([','.join(r['tags']) for r in results]))
