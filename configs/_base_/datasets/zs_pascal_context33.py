# Zero-shot Pascal Context, 33-class subset (CaGNet / SIGN protocol). Meant for split
# 'context33-29-4'. Labels in mmseg's Pascal Context layout (ids 0..59, 0 = background) go
# through PascalContextDataset's label map (metainfo classes = the 33 classes,
# reduce_zero_label=False): each of the 33 classes gets its index in the list below, and
# background plus the 26 other Context classes become 255 (ignored, in training and
# evaluation). In training, MaskUnseenClasses turns the unseen classes into 255 too (the
# images are kept). Evaluation: ZeroShotIoUMetric (S, U, hIoU) over the 33 classes at full
# label resolution (mmseg's default: labels are loaded after the image Resize).
# To change the split in a method config, set `split` AND redefine the pipelines /
# evaluators that use it (mmengine resolves variables per file).
_base_ = 'mmseg::_base_/datasets/pascal_context.py'

split = 'context33-29-4'
dataset_type = 'PascalContextDataset'
data_root = 'data/VOCdevkit/VOC2010/'
img_scale = (520, 520)
crop_size = (480, 480)
metainfo = dict(classes=(
    'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
    'table', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train',
    'tvmonitor', 'sky', 'grass', 'ground', 'road', 'building', 'tree', 'water', 'mountain',
    'wall', 'floor', 'track', 'keyboard', 'ceiling'))

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
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        reduce_zero_label=False,
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type, data_root=data_root, metainfo=metainfo,
        reduce_zero_label=False))
test_dataloader = val_dataloader
val_evaluator = dict(type='ZeroShotIoUMetric', split=split, _delete_=True)
test_evaluator = val_evaluator
