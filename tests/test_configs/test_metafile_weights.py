"""Every model ``configs/adnet/metafile.yml`` lists with local ``Weights`` loads strictly into the
network its ``Config`` builds (every tensor present, none left over, same shapes), and every
checkpoint the repository ships is such a listed model."""
import pytest
import yaml
from mmengine.config import Config
from mmpose.registry import MODELS

from adnet_mmpose.utils.checkpoint import load_checkpoint_strict
from tests.conftest import REPO

MODELS_LISTED = yaml.safe_load((REPO / 'configs/adnet/metafile.yml').read_text())['Models']
WITH_WEIGHTS = {m['Name']: m for m in MODELS_LISTED if m.get('Weights')}
#: the folders .gitignore lets checkpoints be committed from
SHIPPED_GLOBS = ('adnet_mmpose/checkpoints/*.pth', 'checkpoints/ablation/*.pth',
                 'checkpoints/release_candidate/*.pth')


def test_model_names_are_unique():
    names = [m['Name'] for m in MODELS_LISTED]
    assert len(names) == len(set(names)), names


def test_every_shipped_checkpoint_is_a_listed_model():
    shipped = {str(p.relative_to(REPO)) for g in SHIPPED_GLOBS for p in REPO.glob(g)}
    assert shipped, f'no checkpoint under {SHIPPED_GLOBS}'
    assert shipped <= {m['Weights'] for m in WITH_WEIGHTS.values()}


@pytest.mark.parametrize('name', sorted(WITH_WEIGHTS))
def test_weights_load_strictly_into_their_config(name):
    entry = WITH_WEIGHTS[name]
    cfg = Config.fromfile(REPO / entry['Config'])
    model = MODELS.build(cfg.model)
    ckpt = load_checkpoint_strict(model, str(REPO / entry['Weights']), source=name,
                                  config=entry['Config'])
    state = ckpt.get('state_dict', ckpt)
    assert set(state) == set(model.state_dict())
