# Zero-shot Pascal Context, 60 classes incl. background (ZS3Net protocol). Meant for splits
# 'context60-zs3-{2,4,6,8,10}' (default 'context60-zs3-2'). Label ids are mmseg's
# PascalContextDataset ids unchanged (0 = background, an ordinary seen class;
# reduce_zero_label=False); 255, if present, is ignored. In training, MaskUnseenClasses
# turns the unseen classes into 255 (the images are kept; for ZS3Net's strict variant wrap
# the train dataset in ExcludeUnseenImages). Evaluation: ZeroShotIoUMetric (S, U, hIoU) over
# the 60 classes at full label resolution (mmseg's default: labels are loaded after the
# image Resize).
# To change the split in a method config, set `split` AND redefine the pipelines /
# evaluators that use it (mmengine resolves variables per file).
_base_ = 'mmseg::_base_/datasets/pascal_context.py'

split = 'context60-zs3-2'
dataset_type = 'PascalContextDataset'
data_root = 'data/VOCdevkit/VOC2010/'
img_scale = (520, 520)
crop_size = (480, 480)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='MaskUnseenClasses', split=split),
    dict(type='RandomResize', scale=img_scale, ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    dataset=dict(
        type=dataset_type, data_root=data_root, reduce_zero_label=False,
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, reduce_zero_label=False))
test_dataloader = val_dataloader
val_evaluator = dict(type='ZeroShotIoUMetric', split=split, _delete_=True)
test_evaluator = val_evaluator
