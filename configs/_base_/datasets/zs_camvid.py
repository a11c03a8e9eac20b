# Zero-shot CamVid, 11 classes (SegNet tutorial release: 367 train / 101 val / 233 test,
# 480x360). Meant for splits 'camvid11-9-2' (default) and 'camvid11-8-3'. There is no
# background class: CamVidDataset's label map turns void (id 11) into 255 (ignored in
# training and evaluation); ids 0..10 are used unchanged. In training, MaskUnseenClasses
# turns the unseen classes into 255 (the images are kept). Evaluation on `val` (validation)
# and `test` (test): ZeroShotIoUMetric (S, U, hIoU) over the 11 classes at full label
# resolution (images are not resized for testing).
# To change the split in a method config, set `split` AND redefine the pipelines /
# evaluators that use it (mmengine resolves variables per file).
split = 'camvid11-9-2'
dataset_type = 'CamVidDataset'
data_root = 'data/camvid'
img_scale = (480, 360)
crop_size = (360, 480)

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
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/test', seg_map_path='ann_dir/test'),
        pipeline=test_pipeline))
val_evaluator = dict(type='ZeroShotIoUMetric', split=split)
test_evaluator = val_evaluator
