# Supervised seen-classes-only baseline on the generated zero-shot benchmark ('gzs20-15-5':
# unseen classes masked to 255 in training, void ignored; ZeroShotIoUMetric at full
# resolution on the val images): plain mmseg EncoderDecoder with the backbone and the
# DeepLabv2 feature head of sign_r18_1k_gzs-96x96_15-5.py and a 20-way classifier, trained
# 1000 iterations (as long as SIGN's seen + finetune). It can never predict an unseen class
# correctly (they have no training pixels), so U is expected near 0.
_base_ = ['../_base_/datasets/zs_gzs.py', 'mmseg::_base_/default_runtime.py']
custom_imports = dict(imports=['mmseg_zs3'], allow_failed_imports=False)
crop_size = (96, 96)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size=crop_size),
    backbone=dict(
        type='ResNetV1c',
        depth=18,
        stem_channels=16,
        base_channels=16,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True),
    decode_head=dict(
        type='DeepLabV2Head',
        in_channels=128,
        in_index=3,
        channels=64,
        dilations=(1, 2, 3, 4),
        dropout_ratio=0.1,
        num_classes=20,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
max_iters = 1000
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
