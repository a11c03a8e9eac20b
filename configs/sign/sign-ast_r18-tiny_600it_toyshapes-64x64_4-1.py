# SIGN with Annealed Self-Training on the generated toy-shapes task, sized for a CPU (see
# sign_r18-tiny_300it_toyshapes-64x64_4-1.py for the model and the protocol: inline split
# 'toyshapes-4-1', background a seen class, unseen triangle masked to 255 in training,
# ZeroShotIoUMetric at full resolution). Phases: seen 200, finetune 100, self_training 200
# (frozen teacher copied when it starts, AST temperature annealed linearly from 1.0 to 0.1),
# finetune 100.
_base_ = ['./sign_r18-tiny_300it_toyshapes-64x64_4-1.py']
seen_iters = 200
finetune_iters = 100
self_training_iters = 200
max_iters = seen_iters + 2 * finetune_iters + self_training_iters
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
                 dict(name='finetune', iters=finetune_iters),
                 dict(name='self_training', iters=self_training_iters),
                 dict(name='finetune', iters=finetune_iters)]),
    dict(type='SelfTrainingHook', teacher='frozen',
         tau=dict(type='linear', start=1.0, end=0.1)),
    dict(type='RNGStateHook')  # exact --resume (random states in checkpoints)
]
