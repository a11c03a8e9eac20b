"""ZeroShotIoUMetric through mmseg's data-sample interface, on hand-made label maps."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.evaluation.metrics import IoUMetric
from mmseg.registry import METRICS
from mmseg.structures import SegDataSample
from PIL import Image

from mmseg_zs3.datasets.splits import VOC20_CLASSES
from mmseg_zs3.evaluation.metrics import ZeroShotIoUMetric
from mmseg_zs3.evaluation.metrics import zero_shot_iou_metric as metric_module

CLASSES = ('grass', 'road', 'cow', 'sheep')
SPLIT = dict(name='toy', classes=list(CLASSES), unseen=['cow', 'sheep'])
KEYS = {'aAcc', 'mIoU', 'mAcc', 'mIoU_seen', 'mIoU_unseen', 'hIoU', 'mAcc_seen',
        'mAcc_unseen', 'hAcc'}
SHAPE = (17, 23)

# Rows: ground truth, columns: prediction (the matrix of test_functional.py), split over
# two images. Per class IoU 5/8, 1/2, 3/5, 2/7 and Acc 5/6, 3/5, 3/4, 1/2, so
# S = 9/16, U = 31/70, H = 279/563; Acc S = 43/60, U = 5/8, H = 215/322;
# aAcc = 16/24.
CONFUSION_1 = np.array([[3, 1, 0, 0], [0, 4, 0, 2], [0, 0, 1, 0], [0, 0, 1, 2]])
CONFUSION_2 = np.array([[2, 0, 0, 0], [2, 2, 0, 0], [0, 0, 2, 1], [0, 1, 0, 0]])
EXPECTED = {
    'aAcc': 66.67,                                            # 16/24
    'mIoU': round(100 * (5 / 8 + 1 / 2 + 3 / 5 + 2 / 7) / 4, 2),  # 50.27
    'mAcc': round(100 * (5 / 6 + 3 / 5 + 3 / 4 + 1 / 2) / 4, 2),  # 67.08
    'mIoU_seen': 56.25,                                       # 9/16
    'mIoU_unseen': 44.29,                                     # 31/70
    'hIoU': 49.56,                                            # 279/563
    'mAcc_seen': 71.67,                                       # 43/60
    'mAcc_unseen': 62.5,                                      # 5/8
    'hAcc': 66.77,                                            # 215/322
}


def maps_from_confusion(confusion, seed=0):
    """(pred, label) maps of SHAPE with the given confusion; other pixels ignored."""
    n = len(confusion)
    gt_ids = np.repeat(np.repeat(np.arange(n), n), confusion.ravel())
    pred_ids = np.repeat(np.tile(np.arange(n), n), confusion.ravel())
    pad = SHAPE[0] * SHAPE[1] - len(gt_ids)
    label = np.concatenate([gt_ids, np.full(pad, 255)])
    pred = np.concatenate([pred_ids, np.zeros(pad, dtype=np.int64)])
    order = np.random.default_rng(seed).permutation(label.size)
    return pred[order].reshape(SHAPE), label[order].reshape(SHAPE)


def make_sample(pred, label, **metainfo):
    sample = SegDataSample(metainfo=metainfo)
    sample.pred_sem_seg = PixelData(data=torch.as_tensor(pred, dtype=torch.int64)[None])
    sample.gt_sem_seg = PixelData(data=torch.as_tensor(label, dtype=torch.uint8)[None])
    return sample


def hand_samples():
    return [make_sample(*maps_from_confusion(c, seed)) for seed, c in
            enumerate((CONFUSION_1, CONFUSION_2))]


def run_metric(metric, samples, classes=CLASSES):
    metric.dataset_meta = dict(classes=classes)
    for sample in samples:
        metric.process({}, [sample])
    return metric.evaluate(len(samples))


@pytest.fixture
def logged(monkeypatch):
    """Messages the metric passes to print_log."""
    messages = []
    monkeypatch.setattr(metric_module, 'print_log',
                        lambda msg, *args, **kwargs: messages.append(str(msg)))
    return messages


def test_values_by_hand_with_split(logged):
    results = run_metric(ZeroShotIoUMetric(split=SPLIT), hand_samples())
    assert set(results) == KEYS  # unprefixed: CheckpointHook(save_best='hIoU') finds it
    assert results == pytest.approx(EXPECTED)


def test_last_per_class_holds_the_hand_computed_values(logged):
    metric = ZeroShotIoUMetric(split=SPLIT)
    run_metric(metric, hand_samples())
    per_class = metric.last_per_class
    assert list(per_class) == list(CLASSES)
    assert [per_class[c]['IoU'] for c in CLASSES] == pytest.approx(
        [100 * 5 / 8, 100 / 2, 100 * 3 / 5, 100 * 2 / 7])
    assert [per_class[c]['Acc'] for c in CLASSES] == pytest.approx(
        [100 * 5 / 6, 100 * 3 / 5, 100 * 3 / 4, 100 / 2])
    assert [per_class[c]['unseen'] for c in CLASSES] == [False, False, True, True]


def test_unseen_classes_agree_with_split_and_mmseg(logged):
    samples = hand_samples()
    results = run_metric(ZeroShotIoUMetric(unseen_classes=['sheep', 'cow']), samples)
    assert results == pytest.approx(EXPECTED)
    # mmengine's Evaluator hands metrics dicts (mmseg's IoUMetric only takes those).
    plain = run_metric(IoUMetric(), [sample.to_dict() for sample in samples])
    for key in ('aAcc', 'mIoU', 'mAcc'):
        assert results[key] == pytest.approx(float(plain[key]))


def test_results_are_per_image_and_merge_across_ranks(logged):
    # Two "ranks" each process one image; the main rank scores the gathered results.
    ranks = [ZeroShotIoUMetric(split=SPLIT) for _ in range(2)]
    for metric, sample in zip(ranks, hand_samples()):
        metric.dataset_meta = dict(classes=CLASSES)
        metric.process({}, [sample])
        assert len(metric.results) == 1 and len(metric.results[0]) == 4
    gathered = ranks[0].results + ranks[1].results
    assert ranks[0].compute_metrics(gathered) == pytest.approx(EXPECTED)


def test_prefix_and_registry(logged):
    metric = METRICS.build(dict(type='ZeroShotIoUMetric', split=SPLIT, prefix='zs'))
    assert isinstance(metric, ZeroShotIoUMetric)
    results = run_metric(metric, hand_samples())
    assert results['zs/hIoU'] == pytest.approx(EXPECTED['hIoU'])


def test_absent_unseen_class_is_skipped_unless_nan_to_num(logged):
    # 'goat' (unseen) appears in neither prediction nor ground truth.
    classes = CLASSES + ('goat', )
    results = run_metric(ZeroShotIoUMetric(unseen_classes=['cow', 'sheep', 'goat']),
                         hand_samples(), classes)
    assert results['mIoU_unseen'] == pytest.approx(EXPECTED['mIoU_unseen'])
    assert results['hIoU'] == pytest.approx(EXPECTED['hIoU'])
    # nan_to_num=0 counts it as 0: U = (3/5 + 2/7 + 0) / 3 = 31/105
    results = run_metric(
        ZeroShotIoUMetric(unseen_classes=['cow', 'sheep', 'goat'], nan_to_num=0),
        hand_samples(), classes)
    assert results['mIoU_unseen'] == pytest.approx(round(3100 / 105, 2))


def test_unseen_never_labelled_gives_zero_hiou(logged):
    # Only seen classes in ground truth and prediction: U undefined, hIoU 0.
    pred, label = maps_from_confusion(np.array([[5, 1, 0, 0], [2, 6, 0, 0],
                                                [0, 0, 0, 0], [0, 0, 0, 0]]))
    results = run_metric(ZeroShotIoUMetric(split=SPLIT), [make_sample(pred, label)])
    assert results['mIoU_seen'] == pytest.approx(round(100 * 31 / 48, 2))  # (5/8 + 6/9)/2
    assert np.isnan(results['mIoU_unseen'])
    assert results['hIoU'] == 0.0 and results['hAcc'] == 0.0


def score_size_case():
    """A 4x6 map whose 2x3 pixel-centre samples are rows 1, 3 and columns 1, 3, 5."""
    label = np.repeat([[0, 0, 1, 1, 2, 2]], 4, axis=0)  # column blocks of 0, 1, 2
    pred = np.zeros((4, 6), dtype=np.int64)
    # sampled prediction [[0, 1, 1], [0, 1, 2]] against sampled label [[0, 1, 2], [0, 1, 2]]
    pred[np.ix_([1, 3], [1, 3, 5])] = [[0, 1, 1], [0, 1, 2]]
    return pred, label


def test_score_size_scores_resampled_maps(logged):
    split = dict(classes=['grass', 'road', 'cow'], unseen=['cow'])
    pred, label = score_size_case()
    results = run_metric(ZeroShotIoUMetric(split=split, score_size=(2, 3)),
                         [make_sample(pred, label)], split['classes'])
    # class 0: IoU 2/2; class 1: TP 2, pred 3, gt 2 -> 2/3; class 2: TP 1, pred 1, gt 2 -> 1/2
    # S = (1 + 2/3) / 2 = 5/6, U = 1/2, H = 2 * 5/6 * 1/2 / (5/6 + 1/2) = 5/8
    assert results['mIoU_seen'] == pytest.approx(83.33)
    assert results['mIoU_unseen'] == pytest.approx(50.0)
    assert results['hIoU'] == pytest.approx(62.5)
    assert results['aAcc'] == pytest.approx(round(500 / 6, 2))  # 5 of 6 sampled pixels
    # Full resolution: class 2 has 8 labelled pixels, 1 predicted: U = 1/8.
    full = run_metric(ZeroShotIoUMetric(split=split), [make_sample(pred, label)],
                      split['classes'])
    assert full['mIoU_unseen'] == pytest.approx(12.5)


def test_score_size_keeps_full_resolution_outputs(logged, tmp_path):
    split = dict(classes=['grass', 'road', 'cow'], unseen=['cow'])
    pred, label = score_size_case()
    metric = ZeroShotIoUMetric(split=split, score_size=(2, 3), output_dir=str(tmp_path))
    results = run_metric(metric, [make_sample(pred, label, img_path='dir/img_7.jpg')],
                         split['classes'])
    assert results['hIoU'] == pytest.approx(62.5)
    saved = np.array(Image.open(tmp_path / 'img_7.png'))
    np.testing.assert_array_equal(saved, pred)


def test_per_class_tables_for_seen_and_unseen(logged):
    run_metric(ZeroShotIoUMetric(split=SPLIT), hand_samples())
    seen_title = logged.index('per class results (seen classes):')
    unseen_title = logged.index('per class results (unseen classes):')
    seen_table, unseen_table = logged[seen_title + 1], logged[unseen_title + 1]
    for name in ('grass', 'road'):
        assert name in seen_table and name not in unseen_table
    for name in ('cow', 'sheep'):
        assert name in unseen_table and name not in seen_table
    assert '62.5' in seen_table and '28.57' in unseen_table  # IoU of grass, sheep
    summary = [m for m in logged if m.startswith('zero-shot summary')]
    assert len(summary) == 1 and 'hIoU: 49.56' in summary[0]


@pytest.mark.parametrize('kwargs', [dict(), dict(split=SPLIT, unseen_classes=['cow'])])
def test_exactly_one_of_split_and_unseen_classes(kwargs):
    with pytest.raises(ValueError, match='exactly one of `split`'):
        ZeroShotIoUMetric(**kwargs)


@pytest.mark.parametrize('score_size', [(65, ), (0, 65), '65x65'])
def test_bad_score_size(score_size):
    with pytest.raises(ValueError, match='score_size'):
        ZeroShotIoUMetric(split=SPLIT, score_size=score_size)


def test_unknown_unseen_class_is_named():
    metric = ZeroShotIoUMetric(unseen_classes=['cow', 'zebra'])
    metric.dataset_meta = dict(classes=CLASSES)
    with pytest.raises(ValueError, match=r"unseen classes \['zebra'\]"):
        metric.process({}, hand_samples()[:1])


def test_dataset_classes_must_match_split():
    metric = ZeroShotIoUMetric(split='voc12-15-5')
    renamed = tuple('table' if c == 'diningtable' else c for c in VOC20_CLASSES)
    metric.dataset_meta = dict(classes=renamed)
    with pytest.raises(ValueError, match=r"missing from the dataset \['diningtable'\], "
                       r"dataset classes not in the split \['table'\]"):
        metric.process({}, hand_samples()[:1])


def test_dataset_class_order_must_match_split(logged):
    metric = ZeroShotIoUMetric(split=SPLIT)
    samples = hand_samples()
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, samples)
    # Checked again when scoring, e.g. if the meta changed after processing.
    metric.dataset_meta = dict(classes=('road', 'grass', 'cow', 'sheep'))
    with pytest.raises(ValueError, match=r"'grass' \(split id 0, dataset id 1\)"):
        metric.evaluate(len(samples))
