# Toy shapes: a tiny generated dataset (mmseg_zs3.datasets.generate_toy_shapes) for smoke
# runs of the tools. 5 classes incl. background, 64x64 images, no class is unseen: this is a
# plain (fully supervised) segmentation task, scored with mmseg's IoUMetric at full
# resolution. Generate it with `python tools/generate_toy_shapes.py data/toy_shapes`.
dataset_type = 'BaseSegDataset'
data_root = 'data/toy_shapes'
metainfo = dict(
    classes=('background', 'disc', 'box', 'bar', 'triangle'),
    palette=[[40, 40, 40], [220, 60, 60], [60, 200, 80], [70, 90, 230], [230, 210, 60]])
crop_size = (64, 64)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        img_suffix='.png',
        seg_map_suffix='.png',
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
        metainfo=metainfo,
        img_suffix='.png',
        seg_map_suffix='.png',
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
