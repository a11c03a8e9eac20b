# Baseline self-training strategy for SIGN on Pascal Context-33 ('context33-29-4', other pixels
# ignored): CaGNet's pseudo-labelling (an ignored pixel takes its best unseen class when an
# unseen class is among its top-16 predictions, weight 1), in place of AST. Same schedule and
# frozen teacher as sign-ast_r101-d8_40k-10k-10k-10k_pcontext33-480x480_29-4.py.
_base_ = ['./sign-ast_r101-d8_40k-10k-10k-10k_pcontext33-480x480_29-4.py']
model = dict(train_cfg=dict(phases=dict(self_training=dict(
    pseudo_labels=dict(strategy='cagnet', percent=None, top_k=16)))))
seen_iters = 40000
finetune_iters = 10000
self_training_iters = 10000
custom_hooks = [
    dict(type='ZeroShotPhaseHook',
         phases=[dict(name='seen', iters=seen_iters),
                 dict(name='finetune', iters=finetune_iters),
                 dict(name='self_training', iters=self_training_iters),
                 dict(name='finetune', iters=finetune_iters)]),
    dict(type='SelfTrainingHook', teacher='frozen'),
    dict(type='RNGStateHook')  # exact --resume (random states in checkpoints)
]
