# ZS3Net (Bucher et al., NeurIPS 2019) on Pascal VOC 15/5 ('voc12-15-5', background ignored); unseen classes
# masked to 255 in training, ZeroShotIoUMetric at full resolution. A configuration of the same
# parts: the CaGNet config of this benchmark (cagnet_r101-d8_40k-6k_voc12aug-512x512_15-5.py: architecture,
# schedule, deviations; no positional encoding) with a noise prior (300-d uniform), a GMMN
# generator (one hidden layer of 256) trained by the MMD alone (no adversarial or KL terms)
# and word2vec-only 300-d class embeddings: copy cagnet_voc12_word2vec.npy and
# cagnet_voc12_classes.txt (../shared/data/class_embeddings or CaGNet's release) to
# data/embeddings/, or build your own with tools/build_class_embeddings.py.
_base_ = ['../cagnet/cagnet_r101-d8_40k-6k_voc12aug-512x512_15-5.py']
model = dict(
    decode_head=dict(
        class_embeddings=dict(
            _delete_=True,
            path='data/embeddings/cagnet_voc12_word2vec.npy',
            names_file='data/embeddings/cagnet_voc12_classes.txt',
            normalize=False,
            expected_dim=300),
        latent_prior='noise',
        noise_dim=300,
        noise_dist='uniform',
        generator_cfg=dict(hidden_channels=(256, ), dropouts=(0.5, ), negative_slope=0.2,
                           out_act='sigmoid')),
    train_cfg=dict(phases=dict(
        seen=dict(
            segmentor_losses=dict(ce=1.0, kl=0.0),
            discriminator_losses=dict(adv=0.0, ce_real=1.0, ce_fake=0.0),
            generator_losses=dict(adv=0.0, mmd=1.0, ce=0.0)),
        finetune=dict(
            discriminator_losses=dict(adv=0.0, ce_real=1.0, ce_fake=0.0),
            generator_losses=dict(adv=0.0, mmd=1.0, ce=0.0)),
        self_training=dict(
            segmentor_losses=dict(ce=1.0, kl=0.0),
            discriminator_losses=dict(adv=0.0, ce_real=1.0, ce_fake=0.0),
            generator_losses=dict(adv=0.0, mmd=1.0, ce=0.0),
            pseudo_labels=dict(strategy='zs3net', percent=75, top_k=None)))))
