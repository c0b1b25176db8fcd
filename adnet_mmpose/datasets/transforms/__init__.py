from .adnet_affine import ADNetAffine, adnet_crop_matrix, warp_perspective_1_32
from .annotation_center_scale import AnnotationCenterScale
from .random_similarity import RandomSimilarity
from .texture import (RandomBoxBlur, RandomGamma, RandomGrayscale, RandomNoiseBlend,
                      RandomOcclusion)

__all__ = ['ADNetAffine', 'adnet_crop_matrix', 'warp_perspective_1_32', 'AnnotationCenterScale',
           'RandomSimilarity', 'RandomOcclusion', 'RandomBoxBlur', 'RandomGamma',
           'RandomNoiseBlend', 'RandomGrayscale']
