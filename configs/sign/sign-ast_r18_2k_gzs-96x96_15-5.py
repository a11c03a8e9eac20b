# SIGN with Annealed Self-Training on the generated zero-shot benchmark ('gzs20-15-5', see
# sign_r18_1k_gzs-96x96_15-5.py for the protocol and the CPU-sized model); the default of
# `make demo`. Phases: seen 800, finetune 200, self_training 800 (every ignored pixel inside
# the image, void included, gets the frozen teacher's best unseen class, weighted
# exp((c - max c) / tau) per image, tau annealed linearly from 1.0 to 0.1), finetune 200.
_base_ = ['./sign_r18_1k_gzs-96x96_15-5.py']
seen_iters = 800
finetune_iters = 200
self_training_iters = 800
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
    dict(type='RNGStateHook')  # exact --resume (random states in checkpoints)
]
default_hooks = dict(checkpoint=dict(interval=max_iters))
