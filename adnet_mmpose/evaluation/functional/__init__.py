from .error_bias import (ErrorComponents, bias_stats, compute_error_bias, dataset_boundaries,
                         error_components, summarize_components)
from .face_alignment import (CED_STEP, DATASET_DEFAULTS, NORMS, PERCENTILES, ImageInputError,
                             auc, ced, ced_curves, ced_grid, check_inputs, dataset_defaults,
                             face_alignment_nme, failure_rate, nme_per_image, nme_percentiles,
                             normalizing_distance, resolve_norm, simpson, summarize, thr_key)

__all__ = [
    'CED_STEP', 'DATASET_DEFAULTS', 'NORMS', 'PERCENTILES', 'ErrorComponents', 'ImageInputError',
    'auc', 'bias_stats', 'ced', 'ced_curves', 'ced_grid', 'check_inputs', 'compute_error_bias',
    'dataset_boundaries', 'dataset_defaults', 'error_components', 'face_alignment_nme',
    'failure_rate', 'nme_per_image', 'nme_percentiles', 'normalizing_distance', 'resolve_norm',
    'simpson', 'summarize', 'summarize_components', 'thr_key'
]
