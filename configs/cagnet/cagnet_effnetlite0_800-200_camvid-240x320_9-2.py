# CaGNet on CamVid ('camvid11-9-2': unseen car, pedestrian; void ignored; 240x320 images,
# 192x256 training crops, full 480x360 labels for the metric; see
# configs/sign/sign_effnetlite0_800-200_camvid-240x320_9-2.py): the same model and schedule
# without the RPE neck (contextual latent prior, no positional encoding).
_base_ = ['../sign/sign_effnetlite0_800-200_camvid-240x320_9-2.py']
model = dict(neck=None)
