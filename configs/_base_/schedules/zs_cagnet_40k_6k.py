# CaGNet's schedule: 40k iterations of the `seen` phase, then 6k of `finetune` (classifier
# transfer on real + synthetic features, segmentation network frozen). One optimizer per
# network: SGD with poly decay for the segmentation network (new layers of the head x10),
# Adam for the discriminator/classifier and the generator.
seen_iters = 40000
finetune_iters = 6000
max_iters = seen_iters + finetune_iters
optim_wrapper = dict(
    constructor='ZeroShotOptimWrapperConstructor',
    segmentor=dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=2.5e-4, momentum=0.9, weight_decay=5e-4),
        paramwise_cfg=dict(custom_keys={'decode_head': dict(lr_mult=10.0),
                                        'neck': dict(lr_mult=10.0)})),
    discriminator=dict(
        type='OptimWrapper', optimizer=dict(type='Adam', lr=2.5e-4, betas=(0.9, 0.999))),
    generator=dict(
        type='OptimWrapper', optimizer=dict(type='Adam', lr=2.5e-4, betas=(0.9, 0.999))))
param_scheduler = dict(
    segmentor=[dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters,
                    by_epoch=False)],
    discriminator=[dict(type='ConstantLR', factor=1.0, begin=0, end=max_iters,
                        by_epoch=False)],
    generator=[dict(type='ConstantLR', factor=1.0, begin=0, end=max_iters, by_epoch=False)])
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=2000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
custom_hooks = [
    dict(type='ZeroShotPhaseHook',
         phases=[dict(name='seen', iters=seen_iters),
                 dict(name='finetune', iters=finetune_iters)]),
    dict(type='RNGStateHook')  # exact --resume (random states in checkpoints)
]
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=2000,
                    save_best='hIoU', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
