# Generative zero-shot segmentation model, reference architecture of CaGNet/SIGN:
# ResNetV1c-101 with output stride 8 (dilations 2, 4 in the last two stages, mmseg's
# ImageNet weights), the RPE neck on the last stage (SIGN's spatial prior), a DeepLabv2 head
# (four summed dilated 3x3 convs) giving 600-d features, the contextual module, the CaGNet
# feature generator and the shared discriminator/classifier. The method configs fill in
# `split`, `num_classes` and `class_embeddings` and may swap the prior (see configs/zs3net,
# configs/cagnet, configs/sign). Loss weights are CaGNet's VOC weights (DESIGN.md section 4).
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
feature_channels = 600
model = dict(
    type='ZeroShotEncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained='open-mmlab://resnet101_v1c',
    backbone=dict(
        type='ResNetV1c',
        depth=101,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True),
    neck=dict(
        type='RPENeck',
        in_channels=[256, 512, 1024, 2048],
        in_index=[3],
        encoding='rpe',
        fusion='sign',
        code_dim=256,
        standard_length=512,
        # SIGN's fusion block; 256 branch channels instead of the stage's 2048 (which
        # would put ~127M weights in its three 3x3 convs)
        fusion_cfg=dict(branch_channels=256, dilations=(1, 2, 5), input_act='sigmoid')),
    decode_head=dict(
        type='GenerativeZeroShotHead',
        in_channels=2048,
        in_index=3,
        channels=feature_channels,
        # num_classes, split and class_embeddings: set by the method config
        feature_head=dict(type='DeepLabV2Head', dilations=(6, 12, 18, 24)),
        latent_prior='contextual',
        # CaGNet's cascaded dilated branches; the reference's ReLU on logvar is off (a bug)
        contextual_cfg=dict(hidden_channels=256, dilations=(1, 2, 5), logvar_relu=False,
                            cascade=True, gate_relu=False),
        noise_dim=300,
        noise_dist='uniform',
        generator_cfg=dict(
            hidden_channels=(1024, 960, 864, 784, 720),
            dropouts=(0.1, 0.1, 0.3, 0.5, 0.5),
            negative_slope=0.2,
            out_act='sigmoid'),
        discriminator_cfg=dict(hidden_channels=1024, dropout=0.5),
        seen_logit_offset=0.0,
        ignore_index=255,
        align_corners=False),
    train_cfg=dict(
        phases=dict(
            seen=dict(
                train_segmentor=True,
                segmentor_losses=dict(ce=0.5, kl=100.0),
                discriminator_losses=dict(adv=1.0, ce_real=1.0, ce_fake=0.0),
                generator_losses=dict(adv=1.0, mmd=50.0, ce=0.0),
                synthetic=None,
                pseudo_labels=None),
            finetune=dict(
                train_segmentor=False,
                segmentor_losses=dict(ce=0.0, kl=0.0),
                discriminator_losses=dict(adv=1.0, ce_real=0.75, ce_fake=0.25),
                generator_losses=dict(adv=1.0, mmd=50.0, ce=0.0),
                # CaGNet: blocks of 100 real and 100 synthetic iterations; synthetic label
                # maps at feature resolution (368 / 8 = 46), unseen classes weighted 10:1
                synthetic=dict(
                    real_iters=100,
                    synthetic_iters=100,
                    batch_size=8,
                    size=(46, 46),
                    seen_weight=1.0,
                    unseen_weight=10.0,
                    ce=1.0),
                pseudo_labels=None),
            # the `seen` losses on labels completed with unseen pseudo-labels (ignored pixels
            # of each image; ground truth kept). strategy: 'ast' (every ignored pixel,
            # weighted exp((c - max c) / tau); the teacher and tau come from
            # SelfTrainingHook), 'zs3net' (top `percent` % per unseen class, weight 1) or
            # 'cagnet' (an unseen class among the `top_k` predictions, weight 1)
            self_training=dict(
                train_segmentor=True,
                segmentor_losses=dict(ce=0.5, kl=100.0),
                discriminator_losses=dict(adv=1.0, ce_real=1.0, ce_fake=0.0),
                generator_losses=dict(adv=1.0, mmd=50.0, ce=0.0),
                synthetic=None,
                pseudo_labels=dict(strategy='ast', percent=None, top_k=None))),
        mmd=dict(bandwidths=(2, 5, 10, 20, 40, 60), max_pixels_per_class=128)),
    test_cfg=dict(mode='whole'))
# several forward passes and optimizers per iteration: gradients are averaged by the model
model_wrapper_cfg = dict(type='ZeroShotDistributedWrapper')
