from .random_similarity import RandomSimilarity
from .texture import (RandomBoxBlur, RandomGamma, RandomGrayscale, RandomNoiseBlend,
                      RandomOcclusion)

__all__ = ['RandomSimilarity', 'RandomOcclusion', 'RandomBoxBlur', 'RandomGamma',
           'RandomNoiseBlend', 'RandomGrayscale']
