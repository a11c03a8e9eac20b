# SIGN with Annealed Self-Training on COCO-Stuff 164k ('cocostuff171-156-15'); unseen classes
# masked to 255 in training, ZeroShotIoUMetric at full resolution. Phases: seen 40k, finetune
# 6k, self_training 10k (every ignored pixel inside the image gets the frozen teacher's best
# unseen class, weighted exp((c - max c) / tau) per image), finetune 6k. Our choices where the
# paper is silent: 10k self-training iterations, a frozen teacher copied when self-training
# starts, tau annealed linearly from 1.0 to 0.1 over the phase.
_base_ = ['./sign_r101-d8_40k-6k_coco-stuff164k-512x512_156-15.py']
seen_iters = 40000
finetune_iters = 6000
self_training_iters = 10000
max_iters = seen_iters + 2 * finetune_iters + self_training_iters
param_scheduler = dict(
    segmentor=[dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters,
                    by_epoch=False)],
    discriminator=[dict(type='ConstantLR', factor=1.0, begin=0, end=max_iters,
                        by_epoch=False)],
    generator=[dict(type='ConstantLR', factor=1.0, begin=0, end=max_iters, by_epoch=False)])
train_cfg = dict(max_iters=max_iters)
custom_hooks = [
    dict(type='ZeroShotPhaseHook',
         phases=[dict(name='seen', iters=seen_iters),
                 dict(name='finetune', iters=finetune_iters),
                 dict(name='self_training', iters=self_training_iters),
                 dict(name='finetune', iters=finetune_iters)]),
    dict(type='SelfTrainingHook', teacher='frozen', tau=dict(type='linear', start=1.0, end=0.1)),
    dict(type='RNGStateHook')  # exact --resume (random states in checkpoints)
]
