# Baseline self-training strategy for SIGN on Pascal VOC 15/5 ('voc12-15-5', background
# ignored): CaGNet's pseudo-labelling (an ignored pixel takes its best unseen class when an
# unseen class is among its top-1 predictions, weight 1), in place of AST. Same schedule and
# frozen teacher as sign-ast_r101-d8_40k-6k-10k-6k_voc12aug-512x512_15-5.py.
_base_ = ['./sign-ast_r101-d8_40k-6k-10k-6k_voc12aug-512x512_15-5.py']
model = dict(train_cfg=dict(phases=dict(self_training=dict(
    pseudo_labels=dict(strategy='cagnet', percent=None, top_k=1)))))
seen_iters = 40000
finetune_iters = 6000
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
