# Seen-classes-only reference on the generated zero-shot benchmark ('gzs20-15-5'; see
# sign_r18_1k_gzs-96x96_15-5.py): the SIGN network trained 1000 iterations of the `seen`
# phase only (no classifier transfer), so its classifier never sees an unseen class. The
# same network as the generative rows, so the difference is what the generated unseen
# features bring.
_base_ = ['./sign_r18_1k_gzs-96x96_15-5.py']
custom_hooks = [
    dict(type='ZeroShotPhaseHook', phases=[dict(name='seen', iters=1000)]),
    dict(type='RNGStateHook')  # exact --resume (random states in checkpoints)
]
