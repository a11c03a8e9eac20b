# Plain (fully supervised) mmseg FCN on the generated toy-shapes dataset: 5 classes incl.
# background, none unseen, evaluated with mmseg's IoUMetric at full label resolution.
# The smoke job of the tools; CPU-sized (a few seconds per 100 iterations on 2 cores).
_base_ = [
    '../_base_/models/fcn_r18-tiny.py', '../_base_/datasets/toy_shapes.py',
    'mmseg::_base_/default_runtime.py'
]
custom_imports = dict(imports=['mmseg_zs3'], allow_failed_imports=False)
crop_size = (64, 64)
data_preprocessor = dict(size=crop_size)
model = dict(data_preprocessor=data_preprocessor)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)

optimizer = dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=0.0005)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None)
max_iters = 300
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=100),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
