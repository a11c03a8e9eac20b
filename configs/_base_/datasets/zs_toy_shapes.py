# Zero-shot view of the generated toy-shapes dataset (mmseg_zs3.datasets.generate_toy_shapes):
# 5 classes incl. background (a seen class), unseen 'triangle' (masked to 255 in training by
# MaskUnseenClasses; the images keep their triangles), scored with ZeroShotIoUMetric at full
# label resolution. A CPU smoke task for the zero-shot machinery, not a benchmark.
_base_ = ['./toy_shapes.py']
split = dict(
    name='toyshapes-4-1',
    classes=['background', 'disc', 'box', 'bar', 'triangle'],
    unseen=['triangle'],
    background='class')
# hand-made attribute embeddings: [background, round, straight, elongated, pointy, r, g, b]
class_embeddings = [
    [1.0, 0.0, 0.0, 0.0, 0.0, 0.16, 0.16, 0.16],
    [0.0, 1.0, 0.0, 0.0, 0.0, 0.86, 0.24, 0.24],
    [0.0, 0.0, 1.0, 0.0, 0.0, 0.24, 0.78, 0.31],
    [0.0, 0.0, 1.0, 1.0, 0.0, 0.27, 0.35, 0.90],
    [0.0, 0.0, 1.0, 0.0, 1.0, 0.90, 0.82, 0.24],
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='MaskUnseenClasses', split=split),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_evaluator = dict(type='ZeroShotIoUMetric', split=split, _delete_=True)
test_evaluator = val_evaluator
