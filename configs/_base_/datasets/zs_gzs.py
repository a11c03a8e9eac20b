# The generated zero-shot benchmark (mmseg_zs3.datasets.generated_zs, made by
# `python tools/generate_zs_benchmark.py data/gzs`): 20 classes = 5 colours x 4 textures, each
# with a preferred vertical band; split 'gzs20-15-5' (5 unseen classes, every colour and
# texture still seen). No background class; void blobs are 255 (ignored in training and
# evaluation). Unseen pixels keep their labels in the files and are masked to 255 in training
# by MaskUnseenClasses (the images are kept). Evaluation: ZeroShotIoUMetric (S, U, hIoU) at
# full label resolution on the 'val' images.
dataset_type = 'GeneratedZSDataset'
data_root = 'data/gzs'
split = 'gzs20-15-5'
crop_size = (96, 96)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='MaskUnseenClasses', split=split),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='ZeroShotIoUMetric', split=split)
test_evaluator = val_evaluator
