# CaGNet (Gu et al., ACM MM 2020) on Pascal Context-33 ('context33-29-4', other pixels ignored);
# unseen classes masked to 255 in training, ZeroShotIoUMetric at full resolution. The SIGN
# config of the same benchmark (sign_r101-d8_40k-10k_pcontext33-480x480_29-4.py: architecture,
# schedule, embeddings, deviations) without the RPE neck: contextual latent prior, no positional
# encoding.
_base_ = ['../sign/sign_r101-d8_40k-10k_pcontext33-480x480_29-4.py']
model = dict(neck=None)
