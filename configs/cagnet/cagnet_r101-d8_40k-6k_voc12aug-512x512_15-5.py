# CaGNet (Gu et al., ACM MM 2020) on Pascal VOC 15/5 ('voc12-15-5', background ignored); unseen
# classes masked to 255 in training, ZeroShotIoUMetric at full resolution. The SIGN config of
# the same benchmark (sign_r101-d8_40k-6k_voc12aug-512x512_15-5.py: architecture, schedule,
# embeddings, deviations) without the RPE neck: contextual latent prior, no positional encoding.
_base_ = ['../sign/sign_r101-d8_40k-6k_voc12aug-512x512_15-5.py']
model = dict(neck=None)
