# Zero-shot COCO-Stuff 164k, mmseg's 171 classes (CaGNet / SIGN protocol). Meant for split
# 'cocostuff171-156-15'. Labels are mmseg's converted `*_labelTrainIds.png` (ids 0..170, 255
# = unlabelled), used unchanged: there is no background class and unlabelled pixels are
# ignored. In training, MaskUnseenClasses turns the unseen classes into 255 (the images are
# kept). Evaluation: ZeroShotIoUMetric (S, U, hIoU) over the 171 classes at full label
# resolution (mmseg's default: labels are loaded after the image Resize).
# To change the split in a method config, set `split` AND redefine the pipelines /
# evaluators that use it (mmengine resolves variables per file).
_base_ = 'mmseg::_base_/datasets/coco-stuff164k.py'

split = 'cocostuff171-156-15'
dataset_type = 'COCOStuffDataset'
data_root = 'data/coco_stuff164k'
crop_size = (512, 512)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='MaskUnseenClasses', split=split),
    dict(type='RandomResize', scale=(2048, 512), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(type='ZeroShotIoUMetric', split=split, _delete_=True)
test_evaluator = val_evaluator
