# CaGNet on the generated zero-shot benchmark ('gzs20-15-5', see
# configs/sign/sign_r18_1k_gzs-96x96_15-5.py for the protocol and the CPU-sized model): the
# same model without the RPE neck (contextual latent prior, no positional encoding).
_base_ = ['../sign/sign_r18_1k_gzs-96x96_15-5.py']
model = dict(neck=None)
