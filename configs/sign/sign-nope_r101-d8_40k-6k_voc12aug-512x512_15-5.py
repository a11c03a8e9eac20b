# Ablation of SIGN on Pascal VOC 15/5 ('voc12-15-5', background ignored, unseen masked to 255 in
# training; ZeroShotIoUMetric at full resolution): NO positional encoding (RPENeck with
# encoding='none' passes the backbone features through unchanged), which makes the model CaGNet
# with SIGN's config layout. Everything else as in sign_r101-d8_40k-6k_voc12aug-512x512_15-5.py.
_base_ = ['./sign_r101-d8_40k-6k_voc12aug-512x512_15-5.py']
model = dict(neck=dict(encoding='none'))
