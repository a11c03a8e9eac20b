# Ablation on the generated zero-shot benchmark ('gzs20-15-5'; see
# sign_r18_1k_gzs-96x96_15-5.py): NO positional encoding (RPENeck with encoding='none').
_base_ = ['./sign_r18_1k_gzs-96x96_15-5.py']
model = dict(neck=dict(encoding='none'))
