# Plain mmseg FCN (tiny ResNetV1c-18, output stride 8) trained on the seen classes of the
# SPNet/CaGNet/SIGN Pascal VOC 15/5 split ('voc12-15-5'): 20 classes, background ignored,
# unseen pottedplant, sheep, sofa, train, tvmonitor masked to 255 in training. Evaluated with
# ZeroShotIoUMetric (S, U, hIoU) at full label resolution. The seen-classes-only baseline
# (it can never predict an unseen class, so U = 0). Small enough to run on a CPU; the
# reference architecture belongs to the method configs.
_base_ = [
    '../_base_/models/fcn_r18-tiny.py', '../_base_/datasets/zs_voc12_aug_20cls.py',
    'mmseg::_base_/default_runtime.py', 'mmseg::_base_/schedules/schedule_20k.py'
]
custom_imports = dict(imports=['mmseg_zs3'], allow_failed_imports=False)
crop_size = (512, 512)
data_preprocessor = dict(size=crop_size)
model = dict(data_preprocessor=data_preprocessor, decode_head=dict(num_classes=20))
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=2000,
                    save_best='hIoU', rule='greater'))
