"""Box helpers (:mod:`adnet_mmpose.utils.bbox`) on hand-computed cases."""
import numpy as np

from adnet_mmpose.utils.bbox import annotation_box, box_iou, nms


def test_box_iou_hand_case():
    iou = box_iou(np.array([[0., 0, 2, 2]]), np.array([[1., 0, 3, 2], [5, 5, 6, 6]]))
    assert iou.shape == (1, 2)
    assert np.allclose(iou, [[2 / 6, 0.]])   # overlap 2 of union 6; disjoint
    # extra columns (scores) are ignored; a box with itself has IoU 1
    assert np.allclose(box_iou(np.array([[1., 1, 4, 5, .3]]), np.array([[1., 1, 4, 5, .9]])), 1.)


def test_nms_keeps_the_best_of_overlapping_boxes():
    # boxes 0 and 1 overlap with IoU 9/11 > 0.5: the better-scoring 1 is kept; 2 is disjoint
    keep = nms(np.array([[0, 0, 10, 10, .5], [1, 0, 11, 10, .6], [20, 0, 30, 10, .1]]), 0.5)
    assert keep.tolist() == [1, 2]
    # at a threshold above their IoU (9/11 ≈ 0.818) both stay, best score first
    keep = nms(np.array([[0, 0, 10, 10, .5], [1, 0, 11, 10, .6]]), 0.9)
    assert keep.tolist() == [1, 0]
    assert nms(np.zeros((0, 5)), 0.5).tolist() == []


def test_annotation_box_is_the_square_of_side_200_scale():
    np.testing.assert_array_equal(annotation_box([100., 50.], 1.), [0., -50., 200., 150.])
    np.testing.assert_array_equal(annotation_box((10, 20), 0.05), [5., 15., 15., 25.])
