# Supervised seen-classes-only baseline on CamVid ('camvid11-9-2': car and pedestrian masked
# to 255 in training, void ignored; 240x320 images, 192x256 training crops, batch 4; full
# 480x360 labels for ZeroShotIoUMetric): plain mmseg EncoderDecoder with the frozen
# EfficientNet-Lite0 and the FCNHead feature head of the zero-shot CamVid configs
# (strides 8/16/32 concatenated at stride 8, one 3x3 conv to 128 channels) and an 11-way
# classifier, 800 iterations (SIGN's `seen` phase). It has no way to predict an unseen class
# correctly (no training pixels), so U is expected near 0.
_base_ = ['../_base_/datasets/zs_camvid-240x320.py', 'mmseg::_base_/default_runtime.py']
custom_imports = dict(imports=['mmseg_zs3'], allow_failed_imports=False)
crop_size = (192, 256)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5],
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size=crop_size),
    backbone=dict(
        type='EfficientNetLite',
        arch='efficientnet-lite0',
        out_indices=(2, 4, 10, 15),
        pretrained='imagenet',
        frozen_stages=16,
        norm_eval=True,
        drop_path_rate=0.0),
    decode_head=dict(
        type='FCNHead',
        in_channels=[40, 112, 320],
        in_index=[1, 2, 3],
        input_transform='resize_concat',
        channels=128,
        num_convs=1,
        kernel_size=3,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
max_iters = 800
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'decode_head': dict(lr_mult=10.0)}))
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters + 1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=max_iters),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
