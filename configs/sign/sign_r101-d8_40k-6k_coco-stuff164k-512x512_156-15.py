# SIGN on COCO-Stuff 164k (mmseg's 171 classes), split 'cocostuff171-156-15' (CaGNet/SIGN: 15
# unseen classes masked to 255 in training). Method: SIGN (Cheng et al., ICCV 2021): RPE neck
# (relative positional encoding, SIGN's gated dilated fusion) on the last backbone stage, so the
# contextual latent code is position-aware. Protocol: evaluation with ZeroShotIoUMetric (S, U,
# hIoU) at full label resolution (mmseg's default; pass score_size=(65, 65) with 513x513 warped
# test images for the CaGNet/SIGN 1/8-resolution protocol). Architecture: ResNetV1c-101 D8
# (mmseg ImageNet weights), DeepLabv2 head with 600-d features. Schedule: CaGNet's, 40k `seen` +
# 6k `finetune` iterations, batch 8. Deviations from the paper: crop 512 (mmseg's base dataset
# crop) instead of CaGNet's 368, so synthetic label maps are 64x64 (crop / 8); losses at feature
# resolution as in CaGNet. Class embeddings: the CaGNet [fastText ; word2vec] L2-normalised,
# 600-d vectors; copy cagnet_cocostuff182_*.npy and cagnet_cocostuff182_classes.txt
# (../shared/data/class_embeddings or CaGNet's release) to data/embeddings/, or build your own
# with tools/build_class_embeddings.py.
_base_ = [
    '../_base_/models/zs_deeplabv2_r101-d8.py', '../_base_/datasets/zs_coco-stuff164k.py',
    '../_base_/schedules/zs_cagnet_40k_6k.py', '../_base_/default_runtime_zs.py'
]
custom_imports = dict(imports=['mmseg_zs3'], allow_failed_imports=False)
crop_size = (512, 512)
class_embeddings = dict(
    path=['data/embeddings/cagnet_cocostuff182_fasttext.npy',
              'data/embeddings/cagnet_cocostuff182_word2vec.npy'],
    names_file='data/embeddings/cagnet_cocostuff182_classes.txt',
    normalize=True,
    expected_dim=600)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(
        num_classes=171,
        split='cocostuff171-156-15',
        class_embeddings=class_embeddings),
    train_cfg=dict(phases=dict(finetune=dict(synthetic=dict(
        size=(64, 64))))))
train_dataloader = dict(batch_size=8)
