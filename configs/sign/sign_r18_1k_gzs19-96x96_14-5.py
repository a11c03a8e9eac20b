# SIGN on the generated benchmark with one class left out entirely: 'purple-waves' is not in
# the split (its pixels are ignored in training and in evaluation, it has no classifier
# output), the 19 other classes keep their label ids and the 5 unseen classes of
# 'gzs20-15-5'. The starting point of the "Add new classes to a trained model" example
# (tools/add_classes.py adds purple-waves from its embedding). Model, schedule and data as in
# sign_r18_1k_gzs-96x96_15-5.py.
_base_ = ['./sign_r18_1k_gzs-96x96_15-5.py']
classes19 = [
    'red-stripes', 'red-checks', 'red-dots', 'red-waves', 'green-stripes', 'green-checks',
    'green-dots', 'green-waves', 'blue-stripes', 'blue-checks', 'blue-dots', 'blue-waves',
    'yellow-stripes', 'yellow-checks', 'yellow-dots', 'yellow-waves', 'purple-stripes',
    'purple-checks', 'purple-dots'
]
split19 = dict(name='gzs19-14-5', classes=classes19,
               unseen=['red-dots', 'green-waves', 'blue-stripes', 'yellow-checks',
                       'purple-dots'],
               background='none')
# the base's `split` (a name) is replaced everywhere it is used
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='MaskUnseenClasses', split=split19),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
# metainfo.classes: a subset of the dataset's classes; mmseg maps the others to 255
train_dataloader = dict(dataset=dict(metainfo=dict(classes=classes19),
                                     pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(metainfo=dict(classes=classes19)))
test_dataloader = val_dataloader
val_evaluator = dict(split=dict(split19, _delete_=True))
test_evaluator = val_evaluator
model = dict(decode_head=dict(num_classes=19, split=dict(split19, _delete_=True)))
