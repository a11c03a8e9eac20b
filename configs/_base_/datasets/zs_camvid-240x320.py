# Zero-shot CamVid (see zs_camvid.py: split camvid11-9-2, void ignored) at 2/3 of the
# linear resolution, for CPU training: images resized to 320x240 (W x H), random scale
# 0.75-1.5 and 192x256 crops in training (batch 4); test images resized to 320x240 and the
# predictions resized back, so ZeroShotIoUMetric scores the full 480x360 label maps.
_base_ = ['./zs_camvid.py']
split = 'camvid11-9-2'
img_scale = (320, 240)
crop_size = (192, 256)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='MaskUnseenClasses', split=split),
    dict(type='RandomResize', scale=img_scale, ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=4, num_workers=1, persistent_workers=True,
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(num_workers=1, persistent_workers=True,
                      dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(num_workers=1, persistent_workers=True,
                       dataset=dict(pipeline=test_pipeline))
