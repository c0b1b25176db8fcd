from .face_alignment import (CED_STEP, DATASET_DEFAULTS, NORMS, PERCENTILES, ImageInputError,
                             auc, ced, ced_grid, check_inputs, dataset_defaults,
                             face_alignment_nme, failure_rate, nme_per_image, nme_percentiles,
                             normalizing_distance, resolve_norm, simpson, summarize, thr_key)

__all__ = [
    'CED_STEP', 'DATASET_DEFAULTS', 'NORMS', 'PERCENTILES', 'ImageInputError', 'auc', 'ced',
    'ced_grid', 'check_inputs', 'dataset_defaults', 'face_alignment_nme', 'failure_rate',
    'nme_per_image', 'nme_percentiles', 'normalizing_distance', 'resolve_norm', 'simpson',
    'summarize', 'thr_key'
]
