# mmseg's SegFormer-B0 config with the generative zero-shot head (README "Add a zero-shot head
# to your own model"): the SegFormer backbone and MLP head compute the features, the
# GenerativeZeroShotHead (contextual prior, generator, discriminator/classifier over seen +
# unseen classes) classifies them; trained on the generated benchmark ('gzs20-15-5') on the
# CPU: 800 `seen` + 200 `finetune` iterations at 96x96, no ImageNet weights (offline).
_base_ = [
    'mmseg::segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py',
    '../_base_/zero_shot_parts.py'
]
custom_imports = dict(imports=['mmseg_zs3'], allow_failed_imports=False)
split = 'gzs20-15-5'
crop_size = (96, 96)

# --- the model: SegFormer's features -> the zero-shot head; phased training
model = dict(
    type='ZeroShotEncoderDecoder',
    data_preprocessor=dict(size=crop_size),
    backbone=dict(init_cfg=None),  # keep mmseg's pretrained MiT weights when online
    decode_head=dict(
        _base_.zs_decode_head,
        _delete_=True,
        in_channels=[32, 64, 160, 256],
        in_index=[0, 1, 2, 3],
        input_transform='multiple_select',
        channels=64,
        feature_head=dict(type='SegformerHead', norm_cfg=dict(type='BN', requires_grad=True)),
        num_classes=20,
        split=split,
        class_embeddings=dict(path='data/gzs/class_embeddings.npy'),
        contextual_cfg=dict(hidden_channels=32),
        generator_cfg=dict(hidden_channels=(128, 128), dropouts=(0.1, 0.1)),
        discriminator_cfg=dict(hidden_channels=128, dropout=0.1)),
    # the reference phases; finetune with shorter real/synthetic blocks and synthetic label
    # maps of the feature size (96 / 4)
    train_cfg=dict(
        _base_.zs_train_cfg,
        phases=dict(
            _base_.zs_train_cfg['phases'],
            finetune=dict(
                _base_.zs_train_cfg['phases']['finetune'],
                synthetic=dict(_base_.zs_train_cfg['phases']['finetune']['synthetic'],
                               real_iters=20, synthetic_iters=20, size=(24, 24))))))
model_wrapper_cfg = dict(type='ZeroShotDistributedWrapper')
# one optimizer per network: SegFormer's AdamW for the segmentation network
optim_wrapper = dict(
    _delete_=True,
    constructor='ZeroShotOptimWrapperConstructor',
    segmentor=dict(
        type='OptimWrapper',
        optimizer=dict(type='AdamW', lr=6e-4, betas=(0.9, 0.999), weight_decay=0.01),
        paramwise_cfg=dict(custom_keys={'pos_block': dict(decay_mult=0.),
                                        'norm': dict(decay_mult=0.),
                                        'head': dict(lr_mult=10.)})),
    discriminator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3)),
    generator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3)))
# one schedule per optimizer: the classifier and the generator keep their rate for finetune
param_scheduler = dict(
    _delete_=True,
    segmentor=[dict(type='PolyLR', eta_min=0.0, power=1.0, begin=0, end=1000, by_epoch=False)],
    discriminator=[dict(type='ConstantLR', factor=1.0, begin=0, end=1000, by_epoch=False)],
    generator=[dict(type='ConstantLR', factor=1.0, begin=0, end=1000, by_epoch=False)])
train_cfg = dict(type='IterBasedTrainLoop', max_iters=1000, val_interval=1001)
custom_hooks = [
    dict(type='ZeroShotPhaseHook', phases=[dict(name='seen', iters=800),
                                           dict(name='finetune', iters=200)]),
    dict(type='ZeroShotReportHook'),  # IoU bar chart + confusion matrix after evaluation
    dict(type='RNGStateHook')  # exact --resume (random states in checkpoints)
]
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=1000),
                     logger=dict(interval=50, log_metric_by_epoch=False))

# --- the data: images and labels of the split's classes, unseen labels masked in training
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
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(type='GeneratedZSDataset', data_root='data/gzs',
                 data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(type='GeneratedZSDataset', data_root='data/gzs',
                 data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='ZeroShotIoUMetric', split=split, _delete_=True)
test_evaluator = val_evaluator
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
