# Zero-shot Pascal VOC 2012 + SBD aug, 20-class view (SPNet / CaGNet / SIGN protocol). Meant
# for split 'voc12-15-5' (or any split over the 20 VOC object classes). Background is NOT a
# class: the label map of PascalVOCDataset (metainfo classes = the 20 object classes) turns
# VOC id 0 (background) into 255 and shifts 1..20 to 0..19; the VOC border (255) stays
# ignored. In training, MaskUnseenClasses turns the unseen classes into 255 too (the images
# are kept). Evaluation: ZeroShotIoUMetric (S, U, hIoU) over the 20 classes at full label
# resolution (mmseg's default: labels are loaded after the image Resize).
# Data: mmseg's layout (VOCdevkit/VOC2012 with SegmentationClassAug and
# ImageSets/Segmentation/aug.txt, see mmseg's dataset preparation docs).
# To change the split in a method config, set `split` AND redefine the pipelines /
# evaluators that use it (mmengine resolves variables per file).
_base_ = 'mmseg::_base_/datasets/pascal_voc12_aug.py'

split = 'voc12-15-5'
dataset_type = 'PascalVOCDataset'
data_root = 'data/VOCdevkit/VOC2012'
crop_size = (512, 512)
metainfo = dict(classes=(
    'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
    'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa',
    'train', 'tvmonitor'))

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
    metainfo=metainfo,
    data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
    ann_file='ImageSets/Segmentation/train.txt',
    pipeline=train_pipeline)
dataset_aug = dict(
    type=dataset_type,
    data_root=data_root,
    metainfo=metainfo,
    data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClassAug'),
    ann_file='ImageSets/Segmentation/aug.txt',
    pipeline=train_pipeline)
train_dataloader = dict(
    dataset=dict(type='ConcatDataset', datasets=[dataset_train, dataset_aug]))
val_dataloader = dict(dataset=dict(data_root=data_root, metainfo=metainfo))
test_dataloader = val_dataloader
val_evaluator = dict(type='ZeroShotIoUMetric', split=split, _delete_=True)
test_evaluator = val_evaluator
