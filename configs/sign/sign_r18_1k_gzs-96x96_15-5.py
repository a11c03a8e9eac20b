# SIGN on the generated zero-shot benchmark ('gzs20-15-5': 20 classes, 5 unseen masked to
# 255 in training, void ignored; ZeroShotIoUMetric at full resolution on the val images),
# sized for a CPU: ResNetV1c-18 with 16 base channels (output stride 8, no ImageNet weights),
# RPE neck on the last stage, DeepLabv2 head (dilations 1-4: the feature map is 12x12) with
# 64-d features, contextual prior, the generated 16-d attribute embeddings
# (data/gzs/class_embeddings.npy). Phases: seen 800, finetune 200 (blocks of 20 real and 20
# synthetic iterations). Loss weights are the reference (CaGNet VOC) ones.
_base_ = [
    '../_base_/models/zs_deeplabv2_r101-d8.py', '../_base_/datasets/zs_gzs.py',
    '../_base_/schedules/zs_cagnet_40k_6k.py', '../_base_/default_runtime_zs.py'
]
custom_imports = dict(imports=['mmseg_zs3'], allow_failed_imports=False)
crop_size = (96, 96)
norm_cfg = dict(type='BN', requires_grad=True)
class_embeddings = dict(path='data/gzs/class_embeddings.npy')
model = dict(
    data_preprocessor=dict(size=crop_size),
    pretrained=None,
    backbone=dict(depth=18, stem_channels=16, base_channels=16, norm_cfg=norm_cfg),
    neck=dict(in_channels=[16, 32, 64, 128], in_index=[3], code_dim=32,
              fusion_cfg=dict(branch_channels=64)),
    decode_head=dict(
        in_channels=128,
        channels=64,
        num_classes=20,
        split='gzs20-15-5',
        class_embeddings=class_embeddings,
        feature_head=dict(type='DeepLabV2Head', dilations=(1, 2, 3, 4)),
        contextual_cfg=dict(hidden_channels=32),
        generator_cfg=dict(hidden_channels=(128, 128), dropouts=(0.1, 0.1)),
        discriminator_cfg=dict(hidden_channels=128, dropout=0.1)),
    train_cfg=dict(phases=dict(finetune=dict(synthetic=dict(
        real_iters=20, synthetic_iters=20, batch_size=8, size=(12, 12))))))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)

seen_iters = 800
finetune_iters = 200
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
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
custom_hooks = [
    dict(type='ZeroShotPhaseHook',
         phases=[dict(name='seen', iters=seen_iters),
                 dict(name='finetune', iters=finetune_iters)]),
    dict(type='RNGStateHook')  # exact --resume (random states in checkpoints)
]
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=max_iters, save_best=None))
