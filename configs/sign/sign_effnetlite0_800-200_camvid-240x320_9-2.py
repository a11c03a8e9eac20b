# SIGN on real photographs: CamVid, split 'camvid11-9-2' (unseen car, pedestrian masked to
# 255 in training; no background class, void ignored), images at 240x320 (192x256 crops
# in training), evaluated on the full 480x360 labels (predictions resized back) with
# ZeroShotIoUMetric. EfficientNet-Lite0 with ImageNet weights, frozen (see
# _base_/models/zs_fcn_effnetlite0.py), RPE neck, 128-d features, class embeddings = 50-d
# GloVe 6B vectors of the class names, built with
#   python tools/build_class_embeddings.py --split camvid11-9-2 \
#       --source glove.6B.50d.txt:glove --out data/embeddings/camvid11_glove6B50d.npy
# Phases: seen 800, finetune 200 (blocks of 20 real and 20 synthetic iterations), batch 4.
# Sized for 2 CPU cores; `tools/benchmark_camvid.py` trains it with the other methods.
_base_ = [
    '../_base_/models/zs_fcn_effnetlite0.py', '../_base_/datasets/zs_camvid-240x320.py',
    '../_base_/schedules/zs_cagnet_40k_6k.py', '../_base_/default_runtime_zs.py'
]
custom_imports = dict(imports=['mmseg_zs3'], allow_failed_imports=False)
crop_size = (192, 256)
class_embeddings = dict(path='data/embeddings/camvid11_glove6B50d.npy')
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11, split='camvid11-9-2', class_embeddings=class_embeddings))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)

seen_iters = 800
finetune_iters = 200
max_iters = seen_iters + finetune_iters
optim_wrapper = dict(
    segmentor=dict(optimizer=dict(lr=0.01)),
    discriminator=dict(optimizer=dict(lr=1e-3)),
    generator=dict(optimizer=dict(lr=1e-3)))
param_scheduler = dict(
    segmentor=[dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters,
                    by_epoch=False)],
    discriminator=[dict(type='ConstantLR', factor=1.0, begin=0, end=max_iters,
                        by_epoch=False)],
    generator=[dict(type='ConstantLR', factor=1.0, begin=0, end=max_iters, by_epoch=False)])
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
custom_hooks = [
    dict(type='ZeroShotPhaseHook',
         phases=[dict(name='seen', iters=seen_iters),
                 dict(name='finetune', iters=finetune_iters)]),
    dict(type='RNGStateHook')
]
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=max_iters, save_best=None))
