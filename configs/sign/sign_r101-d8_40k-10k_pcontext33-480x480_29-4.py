# SIGN on Pascal Context 33-class subset, split 'context33-29-4' (CaGNet/SIGN: every other pixel
# ignored; unseen cow, motorbike, sofa, cat masked to 255 in training). Method: SIGN (Cheng et
# al., ICCV 2021): RPE neck (relative positional encoding, SIGN's gated dilated fusion) on the
# last backbone stage, so the contextual latent code is position-aware. Protocol: evaluation
# with ZeroShotIoUMetric (S, U, hIoU) at full label resolution (mmseg's default; pass
# score_size=(65, 65) with 513x513 warped test images for the CaGNet/SIGN 1/8-resolution
# protocol). Architecture: ResNetV1c-101 D8 (mmseg ImageNet weights), DeepLabv2 head with 600-d
# features. Schedule: CaGNet's, 40k `seen` + 10k `finetune` iterations, batch 8. Deviations from
# the paper: crop 480 (mmseg's base dataset crop) instead of CaGNet's 368, so synthetic label
# maps are 60x60 (crop / 8); losses at feature resolution as in CaGNet. Class embeddings: the
# CaGNet [fastText ; word2vec] L2-normalised, 600-d vectors; copy cagnet_context33_*.npy and
# cagnet_context33_classes.txt (../shared/data/class_embeddings or CaGNet's release) to
# data/embeddings/, or build your own with tools/build_class_embeddings.py.
_base_ = [
    '../_base_/models/zs_deeplabv2_r101-d8.py', '../_base_/datasets/zs_pascal_context33.py',
    '../_base_/schedules/zs_cagnet_40k_6k.py', '../_base_/default_runtime_zs.py'
]
custom_imports = dict(imports=['mmseg_zs3'], allow_failed_imports=False)
crop_size = (480, 480)
class_embeddings = dict(
    path=['data/embeddings/cagnet_context33_fasttext.npy',
              'data/embeddings/cagnet_context33_word2vec.npy'],
    names_file='data/embeddings/cagnet_context33_classes.txt',
    normalize=True,
    expected_dim=600)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(
        num_classes=33,
        split='context33-29-4',
        class_embeddings=class_embeddings),
    train_cfg=dict(phases=dict(finetune=dict(synthetic=dict(
        size=(60, 60))))))
train_dataloader = dict(batch_size=8)
finetune_iters = 10000
max_iters = 40000 + finetune_iters
param_scheduler = dict(segmentor=[dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0,
                                       end=max_iters, by_epoch=False)])
train_cfg = dict(max_iters=max_iters)
custom_hooks = [
    dict(type='ZeroShotPhaseHook',
         phases=[dict(name='seen', iters=40000),
                 dict(name='finetune', iters=finetune_iters)]),
    dict(type='RNGStateHook')  # exact --resume (random states in checkpoints)
]
