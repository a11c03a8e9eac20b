# SIGN with a baseline self-training strategy on the generated zero-shot benchmark
# ('gzs20-15-5'; see sign_r18_1k_gzs-96x96_15-5.py): CaGNet's rule (an ignored pixel takes
# its best unseen class when an unseen class is its top-1 prediction, weight 1), in place of
# AST.
# Same schedule and frozen teacher as sign-ast_r18_2k_gzs-96x96_15-5.py.
_base_ = ['./sign-ast_r18_2k_gzs-96x96_15-5.py']
model = dict(train_cfg=dict(phases=dict(self_training=dict(
    pseudo_labels=dict(strategy='cagnet', percent=None, top_k=1)))))
seen_iters = 800
finetune_iters = 200
self_training_iters = 800
custom_hooks = [
    dict(type='ZeroShotPhaseHook',
         phases=[dict(name='seen', iters=seen_iters),
                 dict(name='finetune', iters=finetune_iters),
                 dict(name='self_training', iters=self_training_iters),
                 dict(name='finetune', iters=finetune_iters)]),
    dict(type='SelfTrainingHook', teacher='frozen'),
    dict(type='RNGStateHook')  # exact --resume (random states in checkpoints)
]
