# ZS3Net on the generated zero-shot benchmark ('gzs20-15-5', see
# configs/sign/sign_r18_1k_gzs-96x96_15-5.py for the protocol and the CPU-sized model): noise
# prior (300-d uniform), a GMMN generator (one hidden layer of 256) trained by the MMD alone,
# no adversarial or KL terms, no positional encoding.
_base_ = ['../cagnet/cagnet_r18_1k_gzs-96x96_15-5.py']
model = dict(
    decode_head=dict(
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
