from .backbones import *  # noqa: F401,F403
from .fast_landmark_model import FastLandmarkModel  # noqa: F401
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
