# mmseg's default runtime, plus TensorBoard: OptionalTensorboardVisBackend writes event files
# (under <work_dir>/<timestamp>/vis_data) when the `tensorboard` package is installed and
# nothing otherwise. The LoggerHook sends every logged scalar to all backends: the losses of
# each network (loss_seg, loss_disc, loss_gen and their parts), `phase` (position in the
# phase schedule), the self-training statistics (pseudo_fraction, pseudo_mean_weight,
# pseudo_count_<class>, ast_tau), learning rates and the evaluation metrics.
_base_ = ['mmseg::_base_/default_runtime.py']
vis_backends = [dict(type='LocalVisBackend'), dict(type='OptionalTensorboardVisBackend')]
visualizer = dict(type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
