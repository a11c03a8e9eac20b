# CaGNet (Gu et al., ACM MM 2020) on COCO-Stuff 164k ('cocostuff171-156-15'); unseen classes
# masked to 255 in training, ZeroShotIoUMetric at full resolution. The SIGN config of the same
# benchmark (sign_r101-d8_40k-6k_coco-stuff164k-512x512_156-15.py: architecture, schedule,
# embeddings, deviations) without the RPE neck: contextual latent prior, no positional encoding.
_base_ = ['../sign/sign_r101-d8_40k-6k_coco-stuff164k-512x512_156-15.py']
model = dict(neck=None)
