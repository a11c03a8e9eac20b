# SIGN on the generated toy-shapes task, sized for a CPU: a tiny ResNetV1c-18 (output stride
# 8), RPE neck, DeepLabv2 head with 32-d features, contextual prior, a small generator.
# Split: inline 'toyshapes-4-1' (background is a seen class; unseen triangle masked to 255
# in training), evaluation with ZeroShotIoUMetric at full resolution. Phases: 200 `seen`
# iterations, then 100 `finetune` (blocks of 10 real and 10 synthetic iterations).
# Deviations from the paper (for speed): tiny backbone, 32-d features, 8-d attribute
# embeddings, no ImageNet weights; everything else as in the reference configs.
_base_ = [
    '../_base_/models/zs_deeplabv2_r101-d8.py', '../_base_/datasets/zs_toy_shapes.py',
    '../_base_/schedules/zs_cagnet_40k_6k.py', '../_base_/default_runtime_zs.py'
]
custom_imports = dict(imports=['mmseg_zs3'], allow_failed_imports=False)
crop_size = (64, 64)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    pretrained=None,
    backbone=dict(depth=18, stem_channels=16, base_channels=8, norm_cfg=norm_cfg),
    neck=dict(in_channels=[8, 16, 32, 64], in_index=[3], code_dim=16),
    decode_head=dict(
        in_channels=64,
        channels=32,
        num_classes=5,
        split={{_base_.split}},
        class_embeddings={{_base_.class_embeddings}},
        feature_head=dict(type='DeepLabV2Head', dilations=(1, 2, 3, 4)),
        contextual_cfg=dict(hidden_channels=16),
        generator_cfg=dict(hidden_channels=(64, 64), dropouts=(0.1, 0.1)),
        discriminator_cfg=dict(hidden_channels=64, dropout=0.1)),
    train_cfg=dict(phases=dict(finetune=dict(synthetic=dict(
        real_iters=10, synthetic_iters=10, batch_size=4, size=(8, 8))))))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)

seen_iters = 200
finetune_iters = 100
max_iters = seen_iters + finetune_iters
optim_wrapper = dict(
    segmentor=dict(optimizer=dict(lr=0.01)),
    discriminator=dict(optimizer=dict(lr=1e-3)),
    generator=dict(optimizer=dict(lr=1e-3)))
param_scheduler = dict(
    segmentor=[dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters,
                    by_epoch=False)],
    discriminator=[dict(type='ConstantLR', factor=1.0, begin=0, end=max_iters,
                        by_epoch=False)],
    generator=[dict(type='ConstantLR', factor=1.0, begin=0, end=max_iters, by_epoch=False)])
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
custom_hooks = [
    dict(type='ZeroShotPhaseHook',
         phases=[dict(name='seen', iters=seen_iters),
                 dict(name='finetune', iters=finetune_iters)]),
    dict(type='RNGStateHook')  # exact --resume (random states in checkpoints)
]
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=100, save_best=None))
