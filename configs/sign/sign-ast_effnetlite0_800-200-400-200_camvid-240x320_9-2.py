# SIGN with Annealed Self-Training on CamVid ('camvid11-9-2': unseen car, pedestrian; void
# ignored; 240x320 images, 192x256 training crops, full 480x360 labels for the metric; see
# sign_effnetlite0_800-200_camvid-240x320_9-2.py for the model). Phases: seen 800, finetune
# 200, self_training 400 (every ignored pixel, void included, gets the frozen teacher's best
# unseen class, weighted exp((c - max c) / tau) per image, tau annealed linearly from 1.0 to
# 0.1), finetune 200. The first 1000 iterations are SIGN's schedule, with the segmentation
# learning rate decaying over all 1600.
_base_ = ['./sign_effnetlite0_800-200_camvid-240x320_9-2.py']
seen_iters = 800
finetune_iters = 200
self_training_iters = 400
max_iters = seen_iters + 2 * finetune_iters + self_training_iters
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
                 dict(name='finetune', iters=finetune_iters),
                 dict(name='self_training', iters=self_training_iters),
                 dict(name='finetune', iters=finetune_iters)]),
    dict(type='SelfTrainingHook', teacher='frozen', tau=dict(type='linear', start=1.0, end=0.1)),
    dict(type='RNGStateHook')
]
default_hooks = dict(checkpoint=dict(interval=max_iters))
