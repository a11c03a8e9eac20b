# Zero-shot Pascal VOC 2012 + SBD aug, 21 classes incl. background (ZS3Net protocol). Meant
# for splits 'voc12-zs3-{2,4,6,8,10}' (default 'voc12-zs3-2'). Background (VOC id 0) is an
# ordinary seen class; the VOC border (255) is ignored. Label ids are mmseg's
# PascalVOCDataset ids unchanged (no label map). In training, MaskUnseenClasses turns the
# unseen classes into 255 (the images are kept; for ZS3Net's strict variant wrap the train
# dataset in ExcludeUnseenImages). Evaluation: ZeroShotIoUMetric (S, U, hIoU) over the 21
# classes at full label resolution (mmseg's default: labels are loaded after the image
# Resize).
# To change the split in a method config, set `split` AND redefine the pipelines /
# evaluators that use it (mmengine resolves variables per file).
_base_ = 'mmseg::_base_/datasets/pascal_voc12_aug.py'

split = 'voc12-zs3-2'
dataset_type = 'PascalVOCDataset'
data_root = 'data/VOCdevkit/VOC2012'
crop_size = (512, 512)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='MaskUnseenClasses', split=split),
    dict(type='RandomResize', scale=(2048, 512), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='Pad', size=crop_size),
    dict(type='PackSegInputs')
]
dataset_train = dict(
    type=dataset_type,
    data_root=data_root,
    data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
    ann_file='ImageSets/Segmentation/train.txt',
    pipeline=train_pipeline)
dataset_aug = dict(
    type=dataset_type,
    data_root=data_root,
    data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClassAug'),
    ann_file='ImageSets/Segmentation/aug.txt',
    pipeline=train_pipeline)
train_dataloader = dict(
    dataset=dict(type='ConcatDataset', datasets=[dataset_train, dataset_aug]))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(type='ZeroShotIoUMetric', split=split, _delete_=True)
test_evaluator = val_evaluator
