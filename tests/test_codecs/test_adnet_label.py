"""ADNetLabel: official parity, equality with the full-canvas recipe, geometry, flips, errors."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.datasets.transforms import GenerateTarget, PackPoseInputs
from mmpose.registry import KEYPOINT_CODECS

from adnet_mmpose.codecs import ADNetLabel
from adnet_mmpose.codecs.adnet_label import fit_curve

REPO = Path(__file__).resolve().parents[2]
SHARED = (REPO / '..' / 'shared').resolve()
META = {d: REPO / 'configs' / '_base_' / 'datasets' / f'{d.lower()}.py'
        for d in ('WFLW', '300W', 'COFW')}


def _load_benchmark():
    spec = importlib.util.spec_from_file_location(
        'targets_speed', REPO / 'benchmarks' / 'targets_speed.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _load_benchmark()  # full-canvas reference and synthetic faces


@pytest.fixture(scope='module')
def codecs():
    return {d: ADNetLabel(metainfo=dict(from_file=str(path))) for d, path in META.items()}


@pytest.fixture(scope='module')
def targets_io():
    path = SHARED / 'spec' / 'parity' / 'targets_io.npz'
    if not path.is_file():
        pytest.skip(f'{path} is absent (the shared folder must sit beside the repo)')
    return np.load(path)


@pytest.mark.parametrize('case', ['WFLW', '300W', 'COFW', 'synthetic_WFLW'])
def test_official_parity(codecs, targets_io, case):
    codec = codecs[case.split('_')[-1]]
    landmarks = targets_io[f'{case}_landmarks']
    k = landmarks.shape[1]
    maps = np.stack([codec.encode(face[None])['heatmaps'] for face in landmarks])
    assert maps.dtype == np.float32 and maps.shape[1:] == (k + len(codec.boundaries), 64, 64)
    # the reference's stated 1e-6 absolute (maps ≤ 1 in float32)
    np.testing.assert_allclose(maps[:, :k], targets_io[f'{case}_pointmaps'], rtol=0, atol=1e-6)
    np.testing.assert_allclose(maps[:, k:], targets_io[f'{case}_edgemaps'], rtol=0, atol=1e-6)


@pytest.mark.parametrize('spread', [1.0, 2.5])  # 2.5: many landmarks and curves leave the crop
@pytest.mark.parametrize('dataset', ['WFLW', 'COFW'])
def test_equals_full_canvas_recipe(codecs, dataset, spread):
    codec = codecs[dataset]
    k = codec.num_keypoints
    for face in bench.synthetic_faces(codec, 4, seed=int(10 * spread), spread=spread):
        fast = codec.encode(face[None])['heatmaps']
        full = bench.reference_encode(codec, face)
        # the same Gaussian values on another grid: ≤ 1 float32 ulp below 1 (6e-8)
        np.testing.assert_allclose(fast[:k], full[:k], rtol=0, atol=1e-7)
        np.testing.assert_array_equal(fast[k:], full[k:])  # sub-canvas drawing is bit-exact


@pytest.mark.parametrize('input_size,heatmap_size,sigma', [
    ((256, 192), (64, 48), 1.5),  # non-square
    ((192, 192), (64, 64), 1.0),  # odd factor 3: one tap per cell
    ((128, 128), (64, 64), 2.0),  # factor 2
])
def test_other_sizes_equal_full_canvas_recipe(codecs, input_size, heatmap_size, sigma):
    codec = ADNetLabel(input_size, heatmap_size, boundaries=codecs['WFLW'].boundaries,
                       sigma=sigma)
    for face in bench.synthetic_faces(codecs['WFLW'], 2, seed=1, spread=1.5):
        face = face * np.array(input_size) / 256
        fast = codec.encode(face[None])['heatmaps']
        full = bench.reference_encode(codec, face)
        assert fast.shape == (98 + 9, heatmap_size[1], heatmap_size[0])
        np.testing.assert_allclose(fast, full, rtol=0, atol=1e-7)   # ≤ 1 float32 ulp below 1


def test_point_map_peak_at_integer_centre(codecs):
    codec = codecs['WFLW']
    face = bench.synthetic_faces(codec, 1)[0]
    face[0] = (101.3, 57.6)  # centre pixel (101, 58): cell (row 14, col 25), taps 57/58 × 101/102
    pm = codec.encode(face[None])['heatmaps'][0]
    assert np.unravel_index(pm.argmax(), pm.shape) == (14, 25)
    e = np.exp(-1 / (2 * 1.5**2))  # one-pixel Gaussian factor
    # 0.81, the mean of the four taps' Gaussian values, in float32
    assert pm.max() == pytest.approx((1 + 2 * e + e * e) / 4, abs=1e-6)


def _distance_to_polyline(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    a, b = line[:-1], line[1:]
    ab = b - a
    t = np.clip(((points[:, None] - a) * ab).sum(-1) / (ab * ab).sum(-1).clip(1e-12), 0, 1)
    return np.linalg.norm(points[:, None] - (a + t[..., None] * ab), axis=-1).min(1)


def test_edge_maps_lie_on_the_curve(codecs):
    """The brightest cells of every edge map sit on the boundary through the points, and no
    cell lights up away from it.

    Landmarks of each WFLW group are put on a known ellipse (closed groups) or straight segment
    (open groups); the interpolating spline follows it to ≤ 0.26 px. A 64-px cell j reads the
    256-px square [4j+0.625, 4j+2.375]² (its two central pixels, 4× super-sampled); the line is
    ~1 px wide and drawn (3/8, 3/8) px up-left (as the official code draws them). So a lit cell's sampling centre 4j+1.5
    is within 0.875·√2 + 0.5 + 0.375·√2 + 0.26 ≈ 2.5 px of the true curve; the maxima (cells the
    line crosses centrally) are found within 0.52 px.
    """
    codec = codecs['WFLW']
    face = bench.synthetic_faces(codec, 1, seed=5)[0]
    truth = {}
    for e, b in enumerate(codec.boundaries):
        m = len(b.indices)
        centre = np.array([40.0 + 22 * (e % 4) * 2, 50.0 + 60 * (e // 4)])
        if b.closed:
            t = np.linspace(0, 2 * np.pi, m, endpoint=False)
            dense = np.linspace(0, 2 * np.pi, 2000)
            face[list(b.indices)] = centre + np.stack([18 * np.cos(t), 11 * np.sin(t)], 1)
            truth[e] = centre + np.stack([18 * np.cos(dense), 11 * np.sin(dense)], 1)
        else:
            s = np.linspace(0, 1, m)[:, None]
            face[list(b.indices)] = centre + s * (30, 17)
            truth[e] = centre + np.linspace(0, 1, 2000)[:, None] * (30, 17)
    edges = codec.encode(face[None])['heatmaps'][codec.num_keypoints:]
    for e, em in enumerate(edges):
        assert em.max() >= 0.5 and (em > 0).sum() >= 8, codec.boundaries[e].name
        for mask, limit in [(em == em.max(), 1.0), (em > 0, 2.5)]:
            rows, cols = np.nonzero(mask)
            centres = np.stack([4 * cols + 1.5, 4 * rows + 1.5], 1)
            dist = _distance_to_polyline(centres, truth[e])
            assert dist.max() <= limit, (codec.boundaries[e].name, dist.max())


def test_spline_interpolates_the_landmarks(codecs):
    codec = codecs['WFLW']
    face = bench.synthetic_faces(codec, 1, seed=2)[0]
    for b in codec.boundaries:
        pts = face[list(b.indices)]
        curve = fit_curve(pts, b.closed)
        m = len(pts)
        assert len(curve) == (5 * m if b.closed else 5 * (m - 1) + 1)
        np.testing.assert_allclose(curve[::5][:m], pts, atol=1e-6)   # knots: rounding only
    duplicate = np.array([[10.0, 10], [20, 12], [20, 12], [30, 20], [15, 25]])
    np.testing.assert_array_equal(fit_curve(duplicate, True), duplicate)  # fit fails: raw points


def _flip_setup(codec, metainfo_file):
    flip = np.array(parse_pose_metainfo(dict(from_file=str(metainfo_file)))['flip_indices'])
    sets = [frozenset(b.indices) for b in codec.boundaries]
    group_flip = [sets.index(frozenset(flip[list(b.indices)])) for b in codec.boundaries]
    return flip, group_flip


def test_flip_equivariance(codecs):
    """Flip the landmarks (re-indexed by the metainfo flip pairs), encode, compare with the
    mirrored maps (channels re-indexed likewise).

    The 2-of-4 tap grid (4j+1, 4j+2) is symmetric about x = 127.5, so a mirrored map is exactly a
    reversed 64-px axis — for geometry mirrored about the *map's* pixel centre:

    * point maps use OpenCV/MMPose pixel centres: mirror ``x → 255 − x``. Exact but for the
      official asymmetric window (offsets −5…+4): the mirrored window is −4…+5, so the
      Gaussian's ±5 px tail (e^{−25/4.5}) is read on the other side; error ≤
      ½·e^{−25/(2σ²)}·½(1 + e^{−1/(2σ²)}) = 1.74e-3.
    * edge maps are drawn 3/8 px up-left (canvas vertex ``floor(4x + 0.5)`` instead of
      ``4x + 1.5``), so they mirror about x = 127.875: ``x → 255.75 − x`` puts every canvas vertex
      at exactly ``1023 − X`` (barring ties of ``4x + 0.5``). What remains is OpenCV's rasteriser,
      whose rounding is not mirror-symmetric (≈0.1% of the drawn canvas pixels differ): a few
      cells differ by one canvas pixel (1/64). With ``255 − x`` the edges are 3 canvas pixels off
      (errors ≈0.4).
    """
    codec = codecs['WFLW']
    k = codec.num_keypoints
    flip, group_flip = _flip_setup(codec, META['WFLW'])
    assert group_flip == [0, 2, 1, 3, 4, 6, 5, 7, 8]
    e = np.exp(-1 / (2 * 1.5**2))
    bound = 0.5 * np.exp(-25 / (2 * 1.5**2)) * (1 + e) / 2
    point_err, naive_edge_err, edge_err, edge_cells, lit_cells = 0.0, 0.0, 0.0, 0, 0
    for face in bench.synthetic_faces(codec, 12, seed=7):
        maps = codec.encode(face[None])['heatmaps']
        mirrored_points = maps[:k][flip][..., ::-1]
        mirrored_edges = maps[k:][group_flip][..., ::-1]

        flipped = face[flip]
        flipped[:, 0] = 255 - flipped[:, 0]
        naive = codec.encode(flipped[None])['heatmaps']
        point_err = max(point_err, np.abs(naive[:k] - mirrored_points).max())
        naive_edge_err = max(naive_edge_err, np.abs(naive[k:] - mirrored_edges).max())

        flipped[:, 0] += 0.75
        diff = np.abs(codec.encode(flipped[None])['heatmaps'][k:] - mirrored_edges)
        edge_err = max(edge_err, diff.max())
        edge_cells += (diff > 0).sum()
        lit_cells += (maps[k:] > 0).sum()
    assert bound < 1.75e-3 and point_err <= bound + 1e-6
    assert naive_edge_err > 0.25
    assert edge_err <= 1 / 64 + 1e-7
    assert edge_cells <= 0.005 * lit_cells, (edge_cells, lit_cells)


def test_labels_and_round_trip(codecs):
    codec = codecs['WFLW']
    faces = bench.synthetic_faces(codec, 2, seed=4)
    faces[0, 0] = (-7.0, 300.0)  # outside the crop: labels clamp to the border
    enc = codec.encode(faces, np.full((2, 98), 2.0))
    labels = enc['keypoint_labels']
    assert labels.dtype == np.float32 and labels.shape == (2, 98, 2)
    # float32 labels in [-1, 1]: ulp ≤ 1.2e-7
    np.testing.assert_allclose(labels, np.clip((2 * faces + 1) / 256 - 1, -1, 1), atol=1e-6)
    assert labels[0, 0].tolist() == [-1.0, 1.0]
    np.testing.assert_array_equal(enc['keypoint_weights'], np.ones((2, 98), np.float32))

    keypoints, scores = codec.decode(labels)  # normalised → input-crop pixels
    inside = np.ones((2, 98), bool)
    inside[0, 0] = False
    # float32 labels back to pixels: 128 px × 6e-8 ≈ 1e-5 px (measured 1.1e-5)
    assert np.abs(keypoints - faces)[inside].max() < 1e-4
    assert keypoints[0, 0].tolist() == [-0.5, 255.5]  # the clamped label: the crop's border
    np.testing.assert_array_equal(scores, np.ones((2, 98)))

    single, scores = codec.decode(labels[1], np.arange(98.0))  # head output of one sample
    assert single.shape == (1, 98, 2) and scores.shape == (1, 98)
    np.testing.assert_array_equal(single[0], keypoints[1])
    assert scores[0, 5] == 5


def test_decode_maps_normalised_to_pixels():
    """p = (size/2)·n + (size − 1)/2 per axis, on a non-square crop; numpy and torch alike."""
    codec = ADNetLabel(input_size=(64, 32), heatmap_size=(16, 8),
                       boundaries=[dict(name='line', indices=[0, 1], closed=False)])
    n = np.array([[-1., 1.], [0., 0.], [0.5, -0.5]], np.float32)
    # x: 32n + 31.5 (W = 64), y: 16n + 15.5 (H = 32); exact in float32
    expected = np.array([[-0.5, 31.5], [31.5, 15.5], [47.5, 7.5]], np.float32)
    keypoints, scores = codec.decode(n)
    assert keypoints.dtype == np.float32 and keypoints.shape == (1, 3, 2)
    np.testing.assert_array_equal(keypoints[0], expected)
    np.testing.assert_array_equal(scores, np.ones((1, 3), np.float32))
    as_tensor = codec.denormalize(torch.from_numpy(n).double())
    assert as_tensor.dtype == torch.float64
    np.testing.assert_array_equal(as_tensor.numpy(), expected)
    # the inverse of normalize inside the crop (float32 labels: 32 px × 6e-8 ≈ 2e-6 px)
    np.testing.assert_allclose(codec.denormalize(codec.normalize(expected[1:])), expected[1:],
                               atol=1e-5)


def test_weights_follow_visibility(codecs):
    codec = codecs['COFW']
    face = bench.synthetic_faces(codec, 1)
    vis = np.linspace(-1, 3, 29)[None]
    enc = codec.encode(face, vis)
    np.testing.assert_array_equal(enc['keypoint_weights'], np.clip(vis, 0, 1).astype(np.float32))
    np.testing.assert_array_equal(enc['heatmaps'], codec.encode(face)['heatmaps'])


def test_bad_input(codecs):
    codec = codecs['WFLW']
    face = bench.synthetic_faces(codec, 1)
    with pytest.raises(ValueError, match='68 keypoints but the metainfo layout has 98'):
        codec.encode(face[:, :68])
    with pytest.raises(ValueError, match=r'shape \(N>=1, K, 2\)'):
        codec.encode(face[0])
    for bad in (np.nan, np.inf):
        broken = face.copy()
        broken[0, 3, 1] = bad
        with pytest.raises(ValueError, match='NaN or inf'):
            codec.encode(broken)
    with pytest.raises(ValueError, match='degenerate'):
        codec.encode(np.full((1, 98, 2), 100.0))
    with pytest.raises(ValueError, match='keypoints_visible has shape'):
        codec.encode(face, np.ones(98))
    boundaries_only = ADNetLabel(boundaries=codec.boundaries)
    with pytest.raises(ValueError, match='boundary groups refer to landmark 95'):
        boundaries_only.encode(face[:, :90])
    with pytest.raises(ValueError, match='exactly one of metainfo'):
        ADNetLabel()
    with pytest.raises(ValueError, match='integer multiple'):
        ADNetLabel((256, 256), (60, 64), boundaries=codec.boundaries)
    with pytest.raises(ValueError, match='no "boundaries" entry'):
        ADNetLabel(metainfo=dict(keypoint_info={0: {}}))


def test_registered_and_packed_by_mmpose_pipeline():
    codec = KEYPOINT_CODECS.build(
        dict(type='ADNetLabel', metainfo=dict(from_file=str(META['300W']))))
    assert isinstance(codec, ADNetLabel) and codec.num_keypoints == 68
    assert len(codec.boundaries) == 9

    meta = dict(from_file=str(META['COFW']))
    generate = GenerateTarget(encoder=dict(type='ADNetLabel', metainfo=meta))
    faces = bench.synthetic_faces(ADNetLabel(metainfo=meta), 1).astype(np.float32)
    results = generate(dict(keypoints=faces, keypoints_visible=np.full((1, 29), 2.0, np.float32),
                            img=np.zeros((256, 256, 3), np.uint8), img_shape=(256, 256)))
    sample = PackPoseInputs(meta_keys=())(results)['data_samples']
    assert tuple(sample.gt_fields.heatmaps.shape) == (29 + 7, 64, 64)
    assert tuple(sample.gt_instance_labels.keypoint_labels.shape) == (1, 29, 2)
    assert sample.gt_instance_labels.keypoint_weights.max() == 1
