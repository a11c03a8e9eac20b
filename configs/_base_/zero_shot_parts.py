# The zero-shot parts to add to any mmseg config (see README "Add a zero-shot head to your own
# model"), as variables with a `zs_` prefix so that this file can be a second base next to an
# mmseg config without clashing with its keys; the child config uses them as
# `_base_.zs_decode_head` and `_base_.zs_train_cfg` (one optimizer per network and the
# ZeroShotPhaseHook schedule go in the child, see
# configs/sign/sign_segformer-mit-b0_1k_gzs-96x96_15-5.py). Values: the reference ones of
# configs/_base_/models/zs_deeplabv2_r101-d8.py (CaGNet's VOC loss weights, contextual prior,
# generator and discriminator/classifier).
zs_decode_head = dict(
    type='GenerativeZeroShotHead',
    # in_channels, in_index, channels, feature_head, num_classes, split, class_embeddings:
    # set by the child config
    latent_prior='contextual',
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
    align_corners=False)
zs_train_cfg = dict(
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
            # size: the feature map's (crop size / output stride)
            synthetic=dict(real_iters=100, synthetic_iters=100, batch_size=8, size=(46, 46),
                           seen_weight=1.0, unseen_weight=10.0, ce=1.0),
            pseudo_labels=None),
        self_training=dict(
            train_segmentor=True,
            segmentor_losses=dict(ce=0.5, kl=100.0),
            discriminator_losses=dict(adv=1.0, ce_real=1.0, ce_fake=0.0),
            generator_losses=dict(adv=1.0, mmd=50.0, ce=0.0),
            synthetic=None,
            pseudo_labels=dict(strategy='ast', percent=None, top_k=None))),
    mmd=dict(bandwidths=(2, 5, 10, 20, 40, 60), max_pixels_per_class=128))
